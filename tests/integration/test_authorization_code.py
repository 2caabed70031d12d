"""The authorization code flow for a web application: a confidential client registered with a
loopback redirect URI (http://localhost:PORT/callback) signs the user in through headless
chromium (tests/browser) and redeems the code with its client secret and the PKCE verifier.
Also the clear failures: no redirect URI, a redirect URI that is not loopback, no secret or
certificate, the port already taken, a wrong secret."""

import os
import shutil
import socket
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.environ["ENTRATOOL_SOURCE_DIR"], "tests", "userflows"))
from userflows_support import (BROWSER_SH, BrowserLog, Provider, UserFlowCase,  # noqa: E402
                               browser_skip_reason, decode_jwt)
from ports import ReservedPort  # noqa: E402

WEB_CLIENT = "55555555-eeee-4000-8000-000000000001"
WEB_SECRET = "web app secret+%:"


class AuthorizationCodeCase(UserFlowCase):
    @classmethod
    def setUpClass(cls):
        # The redirect URI's port is registered with the provider, so it is fixed for the class;
        # reserved, so that no other process's connection takes it between the tests.
        cls.reserved = ReservedPort()
        cls.port = cls.reserved.port
        cls.redirect = f"http://localhost:{cls.port}/callback"
        cls.idp = Provider(extra_clients=[{"client_id": WEB_CLIENT, "client_secret": WEB_SECRET,
                                           "redirect_uris": [cls.redirect]}])
        cls.idp.start()

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        cls.reserved.close()

    def web_profile(self, name="web", redirect_uri=None, secret=WEB_SECRET):
        class Web:
            client_id = WEB_CLIENT
        self.create_profile(name, Web, "AuthorizationCode", redirect_uri=redirect_uri or self.redirect, secret=secret)


class AuthorizationCodeFailuresTest(AuthorizationCodeCase):
    def test_missing_redirect_uri_is_a_clear_error(self):
        self.create_profile("web", self.idp.webapp, "authorization-code", secret=self.idp.webapp.secret)
        rc, out, err = self.run_tool(["get-token", "-p", "web", "--timeout", "5s"], env={"BROWSER": "/bin/true"})
        self.assertEqual(rc, 1, err)
        self.assertIn("redirect URI", err)
        self.assertEqual(self.idp.count("authorize"), 0)

    def test_redirect_uri_that_is_not_loopback_is_refused(self):
        self.web_profile(redirect_uri="https://app.example.com/callback")
        rc, out, err = self.run_tool(["get-token", "-p", "web", "--timeout", "5s"], env={"BROWSER": "/bin/true"})
        self.assertEqual(rc, 1, err)
        self.assertIn("not a loopback address", err)

    def test_profile_without_secret_or_certificate_is_refused(self):
        self.create_profile("pub", self.idp.public, "authorization-code", redirect_uri=self.redirect)
        rc, out, err = self.run_tool(["get-token", "-p", "pub", "--timeout", "5s"], env={"BROWSER": "/bin/true"})
        self.assertEqual(rc, 1, err)
        self.assertIn("client secret or certificate", err)

    def test_port_already_in_use_is_named(self):
        self.web_profile()
        with socket.socket() as busy:
            busy.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            busy.bind(("127.0.0.1", self.port))
            busy.listen(1)
            rc, out, err = self.run_tool(["get-token", "-p", "web", "--timeout", "5s"], env={"BROWSER": "/bin/true"})
        self.assertEqual(rc, 1, err)
        self.assertIn(f"127.0.0.1:{self.port}", err)


@unittest.skipIf(browser_skip_reason(), browser_skip_reason())
class AuthorizationCodeBrowserTest(AuthorizationCodeCase):
    def setUp(self):
        super().setUp()
        self.logdir = tempfile.mkdtemp(prefix="entratool-browser-")
        self.addCleanup(shutil.rmtree, self.logdir, True)
        self.log = BrowserLog(self.logdir)
        self.addCleanup(self.log.wait_exit)
        self.env = {"BROWSER": BROWSER_SH, "ENTRATOOL_TEST_BROWSER_LOG": self.log.path}

    def test_sign_in_redeemed_with_secret_and_pkce(self):
        self.web_profile()
        out, err = self.ok(["get-token", "-p", "web", "--timeout", "60s"], env=self.env, timeout=90)
        _, payload = decode_jwt(out.strip())
        self.assertEqual(payload["aud"], "https://graph.microsoft.com")
        self.assertIn("Redirect URI: " + self.redirect, err)
        self.assertIn("Authorization code received", err)
        redeemed = self.token_requests("authorization_code")
        self.assertEqual(len(redeemed), 1)
        self.assertEqual(redeemed[0]["auth_method"], "basic")
        self.assertTrue(redeemed[0].get("has_code_verifier"), redeemed[0])
        redirected = [e for e in self.log.wait_exit() if e["event"] == "redirected"]
        self.assertTrue(redirected[0]["url"].startswith(self.redirect + "?"))

    def test_wrong_secret_fails_at_redemption_with_exit_3(self):
        self.web_profile(secret="not the secret")
        rc, out, err = self.run_tool(["get-token", "-p", "web", "--timeout", "60s"], env=self.env, timeout=90)
        self.assertEqual(rc, 3, err)
        self.assertIn("invalid_client", err)
        self.assertNotIn("not the secret", err)


if __name__ == "__main__":
    unittest.main()
