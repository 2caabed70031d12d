"""Refresh tokens end to end against the test provider with a short access-token lifetime:
get-token renews a stale user token silently with the refresh token, `entratool refresh` does it
on demand (rotation replaces the stored refresh token), a revoked refresh token is removed and
get-token falls back to signing in again, a network failure keeps the refresh token, and a
client-credentials profile gets a new token instead."""

import json
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.environ["ENTRATOOL_SOURCE_DIR"], "tests", "userflows"))
from userflows_support import GRAPH, TENANT_GUID, UserFlowCase  # noqa: E402

CODE = r"enter the code: (\S+)"


class RefreshTest(UserFlowCase):
    provider_options = {"device_interval": 1, "access_token_ttl": 30}

    def sign_in(self, profile="dev"):
        """A device code sign-in approved through the provider; returns the -o json document."""
        self.create_profile(profile, self.idp.public, "device-code")
        run = self.background(["get-token", "-p", profile, "-o", "json", "--timeout", "60s"])
        self.idp.approve_device(run.wait_for_stderr(CODE).group(1))
        rc, out, err = run.finish()
        self.assertEqual(rc, 0, err)
        doc = json.loads(out)
        self.assertTrue(doc.get("refresh_token"), "offline_access yields a refresh token")
        return doc

    def provider_accepts(self, refresh_token):
        status, _, body = self.idp.token_request({"grant_type": "refresh_token", "refresh_token": refresh_token,
                                                  "client_id": self.idp.public.client_id}, tenant=TENANT_GUID)
        return status == 200

    def test_get_token_refreshes_a_stale_token_silently(self):
        first = self.sign_in()
        self.idp.reset()
        # 30 s tokens never satisfy the default --min-validity of 5 minutes.
        out, err = self.ok(["get-token", "-p", "dev", "-o", "json"])
        doc = json.loads(out)
        self.assertNotEqual(doc["access_token"], first["access_token"])
        self.assertIn("Token refreshed successfully", err)
        self.assertEqual(len(self.token_requests("refresh_token")), 1)
        self.assertEqual(self.idp.count("devicecode"), 0, "no new sign-in")
        # Rotated: the new refresh token is stored, the old one is spent.
        self.assertNotEqual(doc["refresh_token"], first["refresh_token"])
        out, _ = self.ok(["get-token", "-p", "dev", "--min-validity", "0s", "-o", "json"])
        self.assertEqual(json.loads(out)["refresh_token"], doc["refresh_token"])

    def test_refresh_command_prints_the_new_token_and_stores_the_rotated_refresh_token(self):
        first = self.sign_in()
        out, err = self.ok(["refresh", "-p", "dev"])
        self.assertIn("Refreshing token for profile 'dev'...", err)
        self.assertIn("\u2713 Token refreshed successfully", err)
        token = out.strip()
        self.assertEqual(out.count("\n"), 1)
        self.assertNotEqual(token, first["access_token"])
        self.assertNotIn(first["refresh_token"], out)
        out, _ = self.ok(["refresh", "-p", "dev", "-o", "json"])
        second = json.loads(out)
        self.assertTrue(second["refresh_token"])
        self.assertNotEqual(second["refresh_token"], first["refresh_token"])
        out, err = self.ok(["refresh", "-p", "dev", "--silent"])
        self.assertTrue(out.strip())
        self.assertEqual(err, "")
        self.assertEqual(len(self.token_requests("refresh_token")), 3)
        # Last: presenting a spent refresh token makes the provider revoke the whole grant.
        self.assertFalse(self.provider_accepts(first["refresh_token"]), "the provider rotates refresh tokens")

    def test_revoked_refresh_token_is_removed_and_get_token_signs_in_again(self):
        self.sign_in()
        self.assertGreaterEqual(self.idp.revoke(client=self.idp.public.client_id), 1)
        rc, out, err = self.run_tool(["refresh", "-p", "dev"])
        self.assertEqual(rc, 3, err)
        self.assertIn("removed", err)
        self.assertIn("sign in again", err)
        self.assertEqual(out, "")
        rc, out, err = self.run_tool(["refresh", "-p", "dev"])
        self.assertEqual(rc, 3, err)
        self.assertIn("no refresh token is cached", err)
        # get-token now needs a new sign-in: it starts the device code flow.
        self.idp.reset()
        run = self.background(["get-token", "-p", "dev", "--timeout", "60s"])
        self.idp.approve_device(run.wait_for_stderr(CODE).group(1))
        rc, out, err = run.finish()
        self.assertEqual(rc, 0, err)
        self.assertEqual(self.token_requests("refresh_token"), [])

    def test_get_token_falls_back_to_sign_in_when_the_refresh_token_is_refused(self):
        self.sign_in()
        self.idp.revoke(client=self.idp.public.client_id)
        self.idp.reset()
        run = self.background(["get-token", "-p", "dev", "--timeout", "60s"])
        self.idp.approve_device(run.wait_for_stderr(CODE).group(1))
        rc, out, err = run.finish()
        self.assertEqual(rc, 0, err)
        self.assertIn("signing in again", err)
        self.assertEqual(len(self.token_requests("refresh_token")), 1)

    def test_network_failure_keeps_the_refresh_token(self):
        first = self.sign_in()
        self.idp.fault("close", count=10)
        rc, out, err = self.run_tool(["refresh", "-p", "dev", "--timeout", "20s"])
        self.assertEqual(rc, 4, err)
        self.idp.reset()
        out, _ = self.ok(["refresh", "-p", "dev", "-o", "json"])
        self.assertNotEqual(json.loads(out)["refresh_token"], first["refresh_token"])

    def test_refresh_without_a_refresh_token_says_how_to_sign_in(self):
        self.create_profile("dev", self.idp.public, "device-code")
        rc, out, err = self.run_tool(["refresh", "-p", "dev"])
        self.assertEqual(rc, 3, err)
        self.assertIn("no refresh token is cached for profile 'dev'", err)
        self.assertIn("entratool get-token -p dev", err)

    def test_refresh_of_a_missing_profile_exits_2(self):
        rc, out, err = self.run_tool(["refresh", "-p", "nobody"])
        self.assertEqual(rc, 2, err)

    def test_client_credentials_profile_gets_a_new_token_and_says_so(self):
        self.create_profile("app", self.idp.simple, "client-credentials", secret=self.idp.simple.secret)
        out, err = self.ok(["refresh", "-p", "app"])
        self.assertTrue(out.strip())
        self.assertIn("no refresh token; acquiring a new token", err)
        self.assertEqual(len(self.token_requests("client_credentials")), 1)
        self.assertEqual(self.token_requests("refresh_token"), [])


if __name__ == "__main__":
    unittest.main()
