"""Refresh tokens across resources (issue 13 item 6): a user-flow profile asked for scopes of a
resource it holds no token for first redeems the refresh token of its other sign-in, and signs in
again only when the provider refuses (invalid_scope here). The test provider allows it the way
Entra does: its public client lists `consented_resources` (the API permissions of the app), and a
refresh request naming one of them widens the refresh token (server.js widenRefreshToken); any
other resource is refused by oidc-provider with invalid_scope. The provider rotates refresh tokens
and revokes the grant when a spent one is presented, so these tests also prove entratool never
presents one twice (only one cache entry holds the live refresh token)."""

import json
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.environ["ENTRATOOL_SOURCE_DIR"], "tests", "userflows"))
from userflows_support import GRAPH, UserFlowCase, decode_jwt  # noqa: E402

ARM = "https://management.azure.com/.default"
STORAGE = "https://storage.azure.com/.default"  # not among the app's permissions
CODE = r"enter the code: (\S+)"


class RefreshAcrossResourcesTest(UserFlowCase):
    provider_options = {"device_interval": 1, "access_token_ttl": 60,
                        "consented_resources": ["https://graph.microsoft.com", "https://management.azure.com"]}

    def sign_in(self, *extra):
        run = self.background(["get-token", "-p", "dev", "-o", "json", "--timeout", "60s", *extra])
        self.idp.approve_device(run.wait_for_stderr(CODE).group(1))
        rc, out, err = run.finish()
        self.assertEqual(rc, 0, err)
        return json.loads(out), err

    def refresh_requests(self):
        return self.token_requests("refresh_token")

    def test_a_second_resource_is_minted_with_the_saved_sign_in(self):
        self.create_profile("dev", self.idp.public, "device-code")
        self.sign_in()
        self.idp.reset()
        out, err = self.ok(["get-token", "-p", "dev", "-s", ARM, "-o", "json"])
        arm = json.loads(out)
        self.assertEqual(decode_jwt(arm["access_token"])[1]["aud"], "https://management.azure.com")
        self.assertIn("Using the saved sign-in of profile 'dev' for these scopes", err)
        self.assertEqual(self.idp.count("devicecode"), 0, "no new sign-in")
        refresh = self.refresh_requests()
        self.assertEqual(len(refresh), 1)
        self.assertIn(ARM, refresh[0]["scope"].split(" "))
        self.assertEqual(refresh[0]["status"], 200)
        # Cached for those scopes now.
        self.idp.reset()
        out2, _ = self.ok(["get-token", "-p", "dev", "-s", ARM, "--min-validity", "10s"])
        self.assertEqual(out2.strip(), arm["access_token"])
        self.assertEqual(self.idp.requests()["counts"], {})
        # Back and forth with stale tokens (60 s, default --min-validity 5m): every renewal uses the
        # one live (rotated) refresh token; a spent one would make the provider revoke the grant.
        for scope in (GRAPH, ARM, GRAPH):
            out, err = self.ok(["get-token", "-p", "dev", "-s", scope, "-o", "json"])
            self.assertEqual(decode_jwt(json.loads(out)["access_token"])[1]["aud"], scope.rsplit("/", 1)[0])
        self.assertEqual(self.idp.count("devicecode"), 0)
        self.assertTrue(all(r["status"] == 200 for r in self.refresh_requests()), self.refresh_requests())
        self.assertEqual(len(self.refresh_requests()), 3)
        # `entratool refresh` finds the refresh token wherever it lives now.
        out, err = self.ok(["refresh", "-p", "dev", "-s", ARM])
        self.assertIn("Token refreshed successfully", err)
        out, err = self.ok(["refresh", "-p", "dev"])
        self.assertIn("Token refreshed successfully", err)

    def test_a_resource_the_sign_in_does_not_cover_falls_back_to_signing_in(self):
        self.create_profile("dev", self.idp.public, "device-code")
        self.sign_in()
        self.idp.reset()
        doc, err = self.sign_in("-s", STORAGE)
        self.assertEqual(decode_jwt(doc["access_token"])[1]["aud"], "https://storage.azure.com")
        self.assertIn("does not cover these scopes", err)
        self.assertIn("invalid_scope", err)
        refresh = self.refresh_requests()
        self.assertEqual([r["status"] for r in refresh], [400])
        self.assertEqual(self.idp.count("devicecode"), 1)
        # The refused attempt left the first sign-in's refresh token usable.
        self.idp.reset()
        out, err = self.ok(["refresh", "-p", "dev"])
        self.assertIn("Token refreshed successfully", err)
        self.assertEqual([r["status"] for r in self.refresh_requests()], [200])

    def test_client_credentials_profiles_never_redeem_refresh_tokens(self):
        self.create_profile("dev", self.idp.public, "device-code")
        self.sign_in()
        data = self.idp.simple.secret + "\n"
        self.ok(["create-profile", "--name", "app", "--tenant-id", self.idp.tenant_id, "--client-id",
                 self.idp.simple.client_id, "--scope", GRAPH, "--authority-host", self.idp.authority_host,
                 "--client-secret-stdin"], input=data)
        self.idp.reset()
        self.ok(["get-token", "-p", "app", "-s", ARM])
        self.assertEqual(self.refresh_requests(), [])
        self.assertEqual([r["grant_type"] for r in self.token_requests()], ["client_credentials"])


class WithoutConsentTest(UserFlowCase):
    """A provider that allows no other resource: invalid_scope, then the usual sign-in."""

    provider_options = {"device_interval": 1}

    def test_refused_then_signed_in(self):
        self.create_profile("dev", self.idp.public, "device-code")
        run = self.background(["get-token", "-p", "dev", "--timeout", "60s"])
        self.idp.approve_device(run.wait_for_stderr(CODE).group(1))
        self.assertEqual(run.finish()[0], 0)
        self.idp.reset()
        run = self.background(["get-token", "-p", "dev", "-s", ARM, "--timeout", "60s"])
        self.idp.approve_device(run.wait_for_stderr(CODE).group(1))
        rc, out, err = run.finish()
        self.assertEqual(rc, 0, err)
        self.assertEqual(decode_jwt(out.strip())[1]["aud"], "https://management.azure.com")
        self.assertEqual([r["status"] for r in self.token_requests("refresh_token")], [400])


if __name__ == "__main__":
    unittest.main()
