"""Every get-token exit code through a real failure: wrong secret and unknown tenant (3), a closed
port (4), a provider that hangs (5 within --timeout), HTTP 500 then success (0), responses that
are not the JSON they should be, bad flags (1), missing profiles (2). One clear line each."""

import os
import socket
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_get_token import GRAPH, GetTokenCase  # noqa: E402
from provider import TENANT_GUID, run_entratool  # noqa: E402

UNKNOWN_TENANT = "00000000-0000-4000-8000-00000000beef"


def closed_port():
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ExitCodes(GetTokenCase):
    def setUp(self):
        super().setUp()
        self.create_profile("app", self.idp.simple)

    def expect_failure(self, args, code, *needles, env=None, timeout=60):
        rc, out, err = self.run_tool(args, env=env, timeout=timeout)
        self.assertEqual(rc, code, f"expected exit {code}, got {rc}: {err}")
        self.assertEqual(out, "", "nothing on stdout when failing")
        # Status lines may come first (no --silent here); the error is one line, the last.
        lines = err.strip().splitlines()
        errors = [line for line in lines if line.startswith("entratool: ")]
        self.assertEqual(len(errors), 1, f"one clear error line, got: {err!r}")
        self.assertEqual(errors[0], lines[-1])
        for n in needles:
            self.assertIn(n, err)
        return err

    def test_wrong_secret_is_3_with_the_aadsts_code(self):
        self.create_profile("wrong", self.idp.simple, secret="not-the-secret")
        err = self.expect_failure(["get-token", "-p", "wrong", "-q"], 3, "invalid_client", "AADSTS7000215")
        self.assertNotIn("not-the-secret", err)

    def test_unknown_tenant_is_3(self):
        self.ok(["create-profile", "--name", "lost", "--tenant-id", UNKNOWN_TENANT, "--client-id",
                 self.idp.simple.client_id, "--client-secret-stdin", "--authority-host", self.idp.authority_host],
                input=self.idp.simple.secret + "\n")
        self.expect_failure(["get-token", "-p", "lost"], 3, "AADSTS90002")

    def test_closed_port_is_4(self):
        port = closed_port()
        self.expect_failure(["get-token", "-p", "app", "--authority-host", f"http://127.0.0.1:{port}"], 4)

    def test_hanging_provider_is_5_within_the_timeout(self):
        self.idp.fault("hang", seconds=30)
        start = time.monotonic()
        self.expect_failure(["get-token", "-p", "app", "--timeout", "2s"], 5, "timed out")
        elapsed = time.monotonic() - start
        self.assertLess(elapsed, 6, f"--timeout 2s took {elapsed:.1f}s")

    def test_http_500_then_success_is_0(self):
        self.idp.fault("status", status=500, count=1)
        out, _ = self.ok(["get-token", "-p", "app", "-q"])
        self.token_of(out)
        self.assertEqual(self.idp.count(), 2)

    def test_garbage_json_is_a_clear_error_and_not_cached(self):
        self.idp.fault("garbage")
        self.expect_failure(["get-token", "-p", "app"], 4, "unusable response")
        out, _ = self.ok(["get-token", "-p", "app", "-q"])  # nothing bad was cached
        self.token_of(out)

    def test_html_truncated_and_missing_token_are_clear_errors(self):
        for kind in ("html", "truncated", "missing_access_token"):
            with self.subTest(kind=kind):
                self.idp.fault(kind)
                self.expect_failure(["get-token", "-p", "app", "--force"], 4, "unusable response")

    def test_expires_in_as_a_string_is_accepted(self):
        self.idp.fault("expires_in_string")
        out, _ = self.ok(["get-token", "-p", "app", "-q", "-o", "json"])
        self.assertIn('"expires_in": 3', out)

    def test_missing_profile_is_2(self):
        self.expect_failure(["get-token", "-p", "missing"], 2, "profile 'missing' not found", "app")

    def test_bad_flags_are_1_before_any_request(self):
        self.expect_failure(["get-token", "-p", "app", "--timeout", "soon"], 1, "--timeout")
        self.expect_failure(["get-token", "-p", "app", "--timeout", "0s"], 1, "--timeout")
        self.expect_failure(["get-token", "-p", "app", "--min-validity", "x"], 1, "--min-validity")
        self.expect_failure(["get-token", "-p", "app", "--bogus"], 1, "--bogus")
        self.expect_failure(["get-token", "-p", "app", "--cloud", "mars"], 1, "unknown cloud 'mars'")
        self.expect_failure(["get-token", "-p", "app", "--authority-host", "http://login.example.com"], 1, "loopback")
        self.expect_failure(["get-token", "-p", "app", "--authority-host", "https://a.example", "--cloud", "usgov"], 1,
                  "give only one")
        self.expect_failure(["get-token", "-p", "app", "--ca-bundle", "/nonexistent/ca.pem"], 1, "/nonexistent/ca.pem")
        self.expect_failure(["get-token", "-p", "app", "-f", "no-such-flow"], 1, "no-such-flow")
        self.expect_failure(["get-token", "-p", "app", "-f", "Refresh"], 1, "entratool refresh")
        self.assertEqual(self.idp.count(), 0)

    def test_unknown_client_is_3(self):
        # A fresh home: the sandbox's first profile is its default, which would win over AZURE_*.
        rc, _, err = run_entratool(["get-token", "-q"], env={
            "AZURE_TENANT_ID": TENANT_GUID, "AZURE_CLIENT_ID": "99999999-0000-4000-8000-000000000000",
            "AZURE_CLIENT_SECRET": "whatever", "AZURE_AUTHORITY_HOST": self.idp.authority_host})
        self.assertEqual(rc, 3, err)
        self.assertIn("AADSTS700016", err)


if __name__ == "__main__":
    unittest.main()
