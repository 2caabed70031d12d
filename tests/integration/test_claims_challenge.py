"""get-token --claims: a claims challenge (Conditional Access, CAE) reaches the provider's token
endpoint, skips a valid cached token, and is refused with one line when it is not a JSON object."""

import base64
import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_get_token import GetTokenCase  # noqa: E402

CLAIMS = {"access_token": {"nbf": {"essential": True, "value": "1700000000"}}}


class ClaimsChallenge(GetTokenCase):
    def setUp(self):
        super().setUp()
        self.create_profile("app", self.idp.simple)

    def test_claims_bypass_the_cache_and_reach_the_token_endpoint(self):
        self.ok(["get-token", "-p", "app", "-q"])
        self.assertEqual(self.idp.count(), 1)
        self.ok(["get-token", "-p", "app", "-q", "--claims", json.dumps(CLAIMS)])
        self.assertEqual(self.idp.count(), 2, "a valid cached token does not answer a claims challenge")
        self.assertEqual(json.loads(self.idp.last_request()["claims"]), CLAIMS)
        # The base64 form a WWW-Authenticate challenge carries is accepted too.
        encoded = base64.b64encode(json.dumps(CLAIMS).encode()).decode()
        self.ok(["get-token", "-p", "app", "-q", "--claims", encoded])
        self.assertEqual(json.loads(self.idp.last_request()["claims"]), CLAIMS)
        self.ok(["get-token", "-p", "app", "-q"])  # without claims: the cache again
        self.assertEqual(self.idp.count(), 3)

    def test_claims_that_are_not_a_json_object_are_refused(self):
        for bad in ("not json", "[1, 2]"):
            with self.subTest(claims=bad):
                rc, out, err = self.run_tool(["get-token", "-p", "app", "--claims", bad])
                self.assertEqual(rc, 1, err)
                self.assertEqual(out, "")
                self.assertEqual(len(err.strip().splitlines()), 1, err)
                self.assertIn("--claims", err)
        self.assertEqual(self.idp.count(), 0)


if __name__ == "__main__":
    unittest.main(verbosity=2)
