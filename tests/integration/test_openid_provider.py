"""Any OpenID provider (issue 13 item 5): the suite's provider started in oidc-provider's own
default layout (issuer = its base URL; /token, /device/auth, /auth; no tenant, no /oauth2/v2.0/,
no Entra texts) and profiles that name only its issuer. Client credentials (secret, and a
certificate whose assertion is for the discovered token endpoint), device code, browser sign-in
(the printed URL completed by the test, and headless chromium), authorization code and refresh
all work end to end; endpoints come from the discovery document, which is cached in the config folder and
re-read after 24 hours or when an endpoint answers 404; a cached get-token reads nothing. Bad
discovery documents (another issuer, no token_endpoint, 404, garbage) and a plain-http issuer
off loopback each exit with the documented code and one line saying what to check."""

import json
import os
import re
import stat
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.parse

sys.path.insert(0, os.path.join(os.environ["ENTRATOOL_SOURCE_DIR"], "tests", "userflows"))
from userflows_support import (BROWSER_SH, BrowserLog, UserFlowCase, browser_skip_reason,  # noqa: E402
                               decode_jwt)
from ports import ReservedPort  # noqa: E402

API = "https://api.example.test"
API_READ = API + "/read"
CODE = r"enter the code: (\S+)"
WEB_CLIENT = "55555555-eeee-4000-8000-0000000000c1"
WEB_SECRET = "web app secret+%:"


# Registered with the provider when the class starts, so fixed for the run: reserved for the whole
# process, so that no other process's connection takes the port before the web app's test listens.
WEB_PORT = ReservedPort()
WEB_REDIRECT = f"http://localhost:{WEB_PORT.port}/callback"
URL_LINE = r"\n  (http\S+\?\S+)\n"


def error_lines(stderr):
    """The error lines of a run (its status lines, such as "Authenticating with ...", aside)."""
    return [line for line in stderr.splitlines() if line.startswith("entratool: ")]


class OpenIdCase(UserFlowCase):
    """The provider in its own layout over HTTPS (its CA on each profile), short access tokens."""

    https = True
    provider_options = {"layout": "oidc", "access_token_ttl": 60,
                        "extra_clients": [{"client_id": WEB_CLIENT, "client_secret": WEB_SECRET,
                                           "redirect_uris": [WEB_REDIRECT]}]}

    def profile(self, name, client, *extra, flow=None, scope=API_READ, issuer=None, secret=None):
        args = ["create-profile", "--name", name, "--issuer", issuer or self.idp.issuer, "--client-id",
                client.client_id, "--scope", scope, "--ca-bundle", self.idp.ca_path]
        if flow:
            args += ["--default-flow", flow]
        data = None
        if secret is not None:
            args.append("--client-secret-stdin")
            data = secret + "\n"
        elif "--use-certificate" not in extra:
            args += ["--auth-method", "none"]
        self.ok(args + list(extra), input=data)
        self.idp.reset()

    def requests_to(self, endpoint):
        return [r for r in self.idp.requests()["requests"] if r["endpoint"] == endpoint]

    def discovery_file(self):
        folder = os.path.join(self.sb.config_dir, "discovery")
        names = os.listdir(folder) if os.path.isdir(folder) else []
        return os.path.join(folder, names[0]) if len(names) == 1 else None

    def device_sign_in(self, name="dev"):
        run = self.background(["get-token", "-p", name, "-o", "json", "--timeout", "60s"])
        self.idp.approve_device(run.wait_for_stderr(CODE).group(1))
        rc, out, err = run.finish()
        self.assertEqual(rc, 0, err)
        return json.loads(out), err


class OpenIdFlowsTest(OpenIdCase):
    def test_provider_serves_its_own_layout(self):
        status, _, body = self.idp.http("GET", self.idp.issuer + "/.well-known/openid-configuration")
        doc = json.loads(body)
        self.assertEqual(status, 200)
        self.assertEqual(doc["issuer"], self.idp.base_url)
        self.assertEqual(doc["token_endpoint"], self.idp.base_url + "/token")
        self.assertEqual(doc["device_authorization_endpoint"], self.idp.base_url + "/device/auth")
        self.assertEqual(doc["authorization_endpoint"], self.idp.base_url + "/auth")

    def test_client_credentials_with_no_tenant_and_a_cached_discovery_document(self):
        self.profile("app", self.idp.simple, secret=self.idp.simple.secret)
        with open(os.path.join(self.sb.config_dir, "profiles.json")) as f:
            stored = json.load(f)["profiles"][0]
        self.assertEqual(stored["issuer"], self.idp.issuer)
        self.assertEqual(stored["tenant_id"], "")
        out, err = self.ok(["get-token", "-p", "app", "--min-validity", "10s"])
        _, claims = decode_jwt(out.strip())
        self.assertEqual(claims["aud"], API)
        self.assertEqual([r["path"] for r in self.requests_to("token")], ["/token"])
        self.assertEqual(self.requests_to("token")[0]["grant_type"], "client_credentials")
        self.assertEqual(self.idp.count("discovery"), 1)
        path = self.discovery_file()
        self.assertIsNotNone(path, "the discovery document is cached in the config folder")
        self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o600)
        self.assertEqual(stat.S_IMODE(os.stat(os.path.dirname(path)).st_mode), 0o700)
        before = os.stat(path).st_mtime_ns
        # A cached token: no provider traffic at all, the discovery file untouched.
        self.idp.reset()
        out2, _ = self.ok(["get-token", "-p", "app", "--min-validity", "10s"])
        self.assertEqual(out2, out)
        self.assertEqual(self.idp.requests()["counts"], {})
        # A new token: the endpoints come from the cached document.
        out3, _ = self.ok(["get-token", "-p", "app", "--force"])
        self.assertNotEqual(out3, out)
        self.assertEqual(self.idp.count("discovery"), 0)
        self.assertEqual(self.idp.count("token"), 1)
        self.assertEqual(os.stat(path).st_mtime_ns, before)

    def test_cache_hit_loads_neither_the_flow_plugin_nor_the_network_module(self):
        # glibc's LD_DEBUG=files names every library the process loads, on stderr.
        self.profile("app", self.idp.simple, secret=self.idp.simple.secret)

        def loaded():
            rc, out, err = self.run_tool(["get-token", "-p", "app", "-q", "--min-validity", "10s"],
                                         env={"LD_DEBUG": "files"})
            self.assertEqual(rc, 0, err[-2000:])
            return {name for name in ("entratool-client-credentials.so", "entratool-http.so", "libssl.so")
                    if re.search(r"file=\S*" + re.escape(name), err)}
        self.assertEqual(loaded(), {"entratool-client-credentials.so", "entratool-http.so", "libssl.so"})
        self.idp.reset()
        self.assertEqual(loaded(), set())
        self.assertEqual(self.idp.requests()["counts"], {}, "no discovery request either")

    def test_entra_advice_is_off_for_an_issuer(self):
        self.profile("app", self.idp.simple, secret="not-the-secret")
        rc, out, err = self.run_tool(["get-token", "-p", "app"])
        self.assertEqual(rc, 3, err)
        self.assertEqual(out, "")
        self.assertEqual(len(error_lines(err)), 1, err)
        self.assertIn("invalid_client", err)
        self.assertNotIn("AADSTS", err)
        self.assertNotIn("secret's value", err)  # AADSTS7000215's hint
        self.assertNotIn("tenant", err)

    def test_issuer_flag_on_get_token_overrides_the_profile(self):
        # An Entra-style profile (tenant, default authority) sent to the issuer given with --issuer.
        data = self.idp.simple.secret + "\n"
        self.ok(["create-profile", "--name", "entra", "--tenant-id", "contoso.onmicrosoft.com", "--client-id",
                 self.idp.simple.client_id, "--scope", API_READ, "--client-secret-stdin"], input=data)
        self.idp.reset()
        out, _ = self.ok(["get-token", "-p", "entra", "--issuer", self.idp.issuer, "--ca-bundle", self.idp.ca_path,
                          "--min-validity", "10s"])
        self.assertEqual(decode_jwt(out.strip())[1]["aud"], API)
        self.assertEqual([r["path"] for r in self.requests_to("token")], ["/token"])
        rc, _, err = self.run_tool(["get-token", "-p", "entra", "--issuer", self.idp.issuer,
                                    "--authority-host", self.idp.base_url])
        self.assertEqual(rc, 1, err)
        self.assertIn("give only one", err)

    def test_issuer_flag_with_the_azure_environment_needs_no_tenant(self):
        env = {"AZURE_CLIENT_ID": self.idp.simple.client_id, "AZURE_CLIENT_SECRET": self.idp.simple.secret}
        out, _ = self.ok(["get-token", "--issuer", self.idp.issuer, "-s", API_READ, "--ca-bundle", self.idp.ca_path],
                         env=env)
        self.assertEqual(decode_jwt(out.strip())[1]["aud"], API)
        rc, _, err = self.run_tool(["get-token", "-s", API_READ], env=env)
        self.assertEqual(rc, 2, err)
        self.assertIn("AZURE_TENANT_ID", err)

    def test_device_code_then_refresh(self):
        self.profile("dev", self.idp.public, flow="device-code")
        first, _ = self.device_sign_in()
        self.assertEqual(decode_jwt(first["access_token"])[1]["aud"], API)
        self.assertTrue(first.get("refresh_token"))
        self.assertEqual([r["path"] for r in self.requests_to("devicecode")], ["/device/auth"])
        self.assertEqual(self.idp.count("discovery"), 1)
        # 60 s tokens never satisfy the default --min-validity: get-token refreshes silently.
        self.idp.reset()
        out, err = self.ok(["get-token", "-p", "dev", "-o", "json"])
        doc = json.loads(out)
        self.assertIn("Token refreshed successfully", err)
        self.assertNotEqual(doc["access_token"], first["access_token"])
        refresh = [r for r in self.requests_to("token") if r.get("grant_type") == "refresh_token"]
        self.assertEqual([r["path"] for r in refresh], ["/token"])
        self.assertEqual(self.idp.count("devicecode"), 0)
        self.assertEqual(self.idp.count("discovery"), 0)
        # And on demand.
        out, err = self.ok(["refresh", "-p", "dev", "-o", "json"])
        self.assertNotEqual(json.loads(out)["refresh_token"], doc["refresh_token"])

    def test_browser_sign_in_url_has_the_providers_path_and_no_entra_prompt(self):
        self.profile("me", self.idp.public, flow="interactive-browser")
        run = self.background(["get-token", "-p", "me", "--no-browser", "--timeout", "60s"],
                              env={"BROWSER": "/bin/false"})
        url = run.wait_for_stderr(URL_LINE).group(1)
        parts = urllib.parse.urlsplit(url)
        params = dict(urllib.parse.parse_qsl(parts.query))
        self.assertEqual(f"{parts.scheme}://{parts.netloc}{parts.path}", self.idp.base_url + "/auth")
        self.assertNotIn("prompt", params, "select_account is Entra's account picker")
        self.assertEqual(params["code_challenge_method"], "S256")
        self.assertIn("offline_access", params["scope"].split(" "))
        self.idp.sign_in(url)
        rc, out, err = run.finish()
        self.assertEqual(rc, 0, err)
        self.assertEqual(decode_jwt(out.strip())[1]["aud"], API)
        code = [r for r in self.requests_to("token") if r.get("grant_type") == "authorization_code"]
        self.assertEqual([r["path"] for r in code], ["/token"])
        self.assertTrue(code[0]["has_code_verifier"])

    def test_certificate_assertion_is_for_the_discovered_token_endpoint(self):
        c = self.idp.cert
        self.profile("cert", c, "--use-certificate", "--certificate-path", c.cert_pem, "--private-key-path",
                     c.key_pem)
        out, _ = self.ok(["get-token", "-p", "cert", "-q", "--min-validity", "10s"])
        self.assertEqual(decode_jwt(out.strip())[1]["appid"], c.client_id)
        assertion = self.idp.requests()["assertions"][-1]
        self.assertEqual(assertion["aud"], self.idp.base_url + "/token")
        self.assertEqual(assertion["x5t#S256"], c.x5t_s256)

    def test_authorization_code_for_a_web_application(self):
        class Web:
            client_id = WEB_CLIENT
        self.profile("web", Web, "--redirect-uri", WEB_REDIRECT, flow="authorization-code", secret=WEB_SECRET)
        run = self.background(["get-token", "-p", "web", "--no-browser", "--timeout", "60s"],
                              env={"BROWSER": "/bin/false"})
        url = run.wait_for_stderr(URL_LINE).group(1)
        self.assertTrue(url.startswith(self.idp.base_url + "/auth?"), url)
        self.assertIn("redirect_uri=" + urllib.parse.quote(WEB_REDIRECT, safe=""), url)
        self.idp.sign_in(url)
        rc, out, err = run.finish()
        self.assertEqual(rc, 0, err)
        code = [r for r in self.requests_to("token") if r.get("grant_type") == "authorization_code"]
        self.assertEqual([(r["path"], r["auth_method"]) for r in code], [("/token", "basic")])
        self.assertEqual(decode_jwt(out.strip())[1]["aud"], API)

    def test_a_moved_endpoint_is_found_by_reading_the_document_again(self):
        self.profile("app", self.idp.simple, secret=self.idp.simple.secret)
        self.ok(["get-token", "-p", "app", "--min-validity", "10s"])
        # The cached document now names a token endpoint that answers 404 (the provider "moved").
        path = self.discovery_file()
        with open(path) as f:
            cached = json.load(f)
        document = json.loads(cached["document"])
        document["token_endpoint"] = self.idp.base_url + "/old-token"
        cached["document"] = json.dumps(document)
        with open(path, "w") as f:
            json.dump(cached, f)
        self.idp.reset()
        out, err = self.ok(["get-token", "-p", "app", "--force"])
        self.assertTrue(out.strip())
        self.assertEqual(self.idp.count("discovery"), 1)
        with open(path) as f:
            self.assertEqual(json.loads(json.load(f)["document"])["token_endpoint"], self.idp.base_url + "/token")
        # An endpoint that answers 404 although the document was just read: exit 4, one line, no loop.
        self.idp.reset()
        self.idp.fault("status", status=404, body={"error": "not_found"}, count=3)
        rc, out, err = self.run_tool(["get-token", "-p", "app", "--force"])
        self.assertEqual(rc, 4, err)
        self.assertEqual(len(error_lines(err)), 1, err)
        self.assertIn("HTTP 404", err)
        self.assertIn("check the issuer", err)
        self.assertEqual(self.idp.count("token"), 1, "the document read again names the same endpoint")
        self.assertEqual(self.idp.count("discovery"), 1)

    def test_the_document_is_read_again_after_24_hours(self):
        self.profile("app", self.idp.simple, secret=self.idp.simple.secret)
        self.ok(["get-token", "-p", "app", "--min-validity", "10s"])
        path = self.discovery_file()
        with open(path) as f:
            cached = json.load(f)
        cached["fetched_at_ms"] -= 23 * 3600 * 1000
        with open(path, "w") as f:
            json.dump(cached, f)
        self.idp.reset()
        self.ok(["get-token", "-p", "app", "--force"])
        self.assertEqual(self.idp.count("discovery"), 0, "23 hours old: still used")
        cached["fetched_at_ms"] -= 2 * 3600 * 1000
        with open(path, "w") as f:
            json.dump(cached, f)
        self.ok(["get-token", "-p", "app", "--force"])
        self.assertEqual(self.idp.count("discovery"), 1, "25 hours old: read again")
        with open(path) as f:
            self.assertGreater(json.load(f)["fetched_at_ms"], cached["fetched_at_ms"] + 3600 * 1000)


class OpenIdBadInputTest(OpenIdCase):
    """Each bad discovery document: the documented exit code, one line naming what to check,
    nothing on stdout, no token request, nothing cached."""

    https = False

    def setUp(self):
        super().setUp()
        self.profile("app", self.idp.simple, secret=self.idp.simple.secret)

    def fails(self, args, code, *words):
        rc, out, err = self.run_tool(args)
        self.assertEqual(rc, code, err)
        self.assertEqual(out, "")
        self.assertEqual(len(error_lines(err)), 1, err)
        for w in words:
            self.assertIn(w, err)
        self.assertEqual(self.idp.count("token"), 0)
        self.assertIsNone(self.discovery_file(), "a bad document is not cached")
        return err

    def test_a_document_for_another_issuer_exits_1(self):
        self.idp.fault("json", endpoint="discovery",
                       body={"issuer": "https://evil.example", "token_endpoint": self.idp.base_url + "/token"})
        self.fails(["get-token", "-p", "app"], 1, "'https://evil.example'", "not the configured", "--issuer")

    def test_an_issuer_that_differs_by_a_trailing_slash_exits_1(self):
        self.profile("slash", self.idp.simple, issuer=self.idp.issuer + "/", secret=self.idp.simple.secret)
        self.fails(["get-token", "-p", "slash"], 1, f"'{self.idp.issuer}'", f"not the configured '{self.idp.issuer}/'")

    def test_a_document_without_token_endpoint_exits_4(self):
        self.idp.fault("json", endpoint="discovery", body={"issuer": self.idp.issuer})
        self.fails(["get-token", "-p", "app"], 4, "has no token_endpoint", "check that the issuer")

    def test_a_missing_document_exits_4(self):
        self.profile("wrong", self.idp.simple, issuer=self.idp.issuer + "/realms/nope", secret=self.idp.simple.secret)
        self.fails(["get-token", "-p", "wrong"], 4, "/realms/nope/.well-known/openid-configuration",
                   "HTTP 404", "check the issuer URL")

    def test_garbage_exits_4(self):
        self.idp.fault("garbage", endpoint="discovery")
        self.fails(["get-token", "-p", "app"], 4, "is not a JSON object", "check the issuer URL")

    def test_plain_http_off_loopback_is_refused_before_any_request(self):
        rc, out, err = self.run_tool(["create-profile", "--name", "x", "--issuer", "http://idp.example.com",
                                      "--client-id", "c", "--scope", API_READ])
        self.assertEqual(rc, 1, err)
        self.assertIn("use https://", err)
        self.assertEqual(len(error_lines(err)), 1, err)
        self.fails(["get-token", "-p", "app", "--issuer", "http://idp.example.com"], 1, "https://")
        self.assertEqual(self.idp.count("discovery"), 0)

    def test_an_issuer_profile_needs_a_scope_and_no_tenant(self):
        rc, out, err = self.run_tool(["create-profile", "--name", "x", "--issuer", self.idp.issuer, "--client-id", "c"])
        self.assertEqual(rc, 1, err)
        self.assertIn("missing --scope", err)
        rc, out, err = self.run_tool(["create-profile", "--name", "x", "--client-id", "c", "--scope", API_READ])
        self.assertEqual(rc, 1, err)
        self.assertIn("--issuer", err, "the tenant error mentions the alternative")
        rc, out, err = self.run_tool(["create-profile", "--name", "x", "--issuer", self.idp.issuer, "--client-id",
                                      "c", "--scope", API_READ, "--authority-host", self.idp.base_url])
        self.assertEqual(rc, 1, err)
        self.assertIn("not both", err)


@unittest.skipIf(browser_skip_reason(), browser_skip_reason())
class OpenIdChromiumTest(OpenIdCase):
    """The browser sign-in in headless chromium against the provider's own pages and paths."""

    https = False  # chromium is not given the suite's CA

    def test_sign_in_and_consent_in_chromium(self):
        logdir = tempfile.mkdtemp(prefix="entratool-browser-")
        self.addCleanup(lambda: __import__("shutil").rmtree(logdir, True))
        log = BrowserLog(logdir)
        self.addCleanup(log.wait_exit)
        self.profile("me", self.idp.public, flow="interactive-browser")
        env = {"BROWSER": BROWSER_SH, "ENTRATOOL_TEST_BROWSER": "consent", "ENTRATOOL_TEST_BROWSER_LOG": log.path}
        out, err = self.ok(["get-token", "-p", "me", "--timeout", "60s"], env=env, timeout=90)
        self.assertEqual(decode_jwt(out.strip())[1]["aud"], API)
        redirected = [e for e in log.wait_exit() if e["event"] == "redirected"]
        self.assertEqual(len(redirected), 1, log.events())
        self.assertIn("Signed in", redirected[0]["title"])
        self.assertEqual(len([r for r in self.requests_to("token") if r.get("grant_type") == "authorization_code"]), 1)


if __name__ == "__main__":
    unittest.main()
