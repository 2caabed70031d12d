"""The interactive browser flow with a real browser: BROWSER is tests/browser/browser.sh, which
drives Debian's chromium (headless, playwright-core) through the test provider's sign-in and
consent pages to entratool's loopback listener. Also: access denied, --no-browser (the printed
URL completed by the same script run by the test), a wrong state, stray requests answered 404
while the listener keeps waiting, the profile's redirect URI and port, and no answer (exit 5).
Skipped only when chromium or playwright-core are missing and CI is not set."""

import os
import re
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request
import subprocess

sys.path.insert(0, os.path.join(os.environ["ENTRATOOL_SOURCE_DIR"], "tests", "userflows"))
from userflows_support import (BROWSER_SH, Background, BrowserLog, UserFlowCase,  # noqa: E402
                               browser_skip_reason, decode_jwt)
from ports import ReservedPort  # noqa: E402

URL_LINE = r"\n  (http\S+/authorize\?\S+)\n"


def http_get(url, method="GET"):
    req = urllib.request.Request(url, method=method, data=b"" if method == "POST" else None)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def reserved_port(case):
    """A loopback port for a profile's fixed redirect URI, kept from other processes for the test."""
    reserved = ReservedPort()
    case.addCleanup(reserved.close)
    return reserved.port


class ListenerTest(UserFlowCase):
    """The listener's rules, driven by plain HTTP requests (no browser needed)."""

    def start_no_browser(self, *extra):
        self.create_profile("me", self.idp.public, "interactive-browser")
        marker = os.path.join(self.sb.home, "browser-was-started")
        opener = os.path.join(self.sb.home, "opener.sh")
        with open(opener, "w") as f:
            f.write(f"#!/bin/sh\ntouch {marker}\n")
        os.chmod(opener, 0o700)
        run = self.background(["get-token", "-p", "me", "--no-browser", *extra], env={"BROWSER": opener})
        url = run.wait_for_stderr(URL_LINE).group(1)
        params = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))
        self.addCleanup(lambda: self.assertFalse(os.path.exists(marker), "--no-browser must not start BROWSER"))
        return run, url, params

    def test_no_browser_prints_a_pkce_authorize_url(self):
        run, url, p = self.start_no_browser("--timeout", "20s")
        self.assertTrue(url.startswith(self.idp.base_url + "/"), url)
        self.assertIn("/oauth2/v2.0/authorize?", url)
        self.assertEqual(p["response_type"], "code")
        self.assertEqual(p["code_challenge_method"], "S256")
        self.assertRegex(p["code_challenge"], r"^[A-Za-z0-9_-]{43}$")
        self.assertRegex(p["state"], r"^[A-Za-z0-9_-]{16,}$")
        self.assertRegex(p["redirect_uri"], r"^http://127\.0\.0\.1:\d+/$")
        self.assertIn("offline_access", p["scope"].split(" "))
        self.assertIn("Open this URL in a browser", run.err.decode())
        http_get(p["redirect_uri"] + "?state=" + p["state"] + "&error=access_denied")
        self.assertEqual(run.finish()[0], 3)

    def test_forged_state_is_refused_and_the_sign_in_goes_on(self):
        # Anyone on the machine can reach the port: a request with a wrong state gets 400 and
        # must not end the sign-in; the real redirect that follows still completes it.
        run, url, p = self.start_no_browser("--timeout", "30s")
        status, body = http_get(p["redirect_uri"] + "?code=abc&state=forged")
        self.assertEqual(status, 400)
        self.assertIn("state mismatch", body)
        status, _ = http_get(p["redirect_uri"] + "?error=access_denied&state=forged-too")
        self.assertEqual(status, 400)
        time.sleep(0.3)
        self.assertIsNone(run.proc.poll(), "a forged request must not end the sign-in")
        _, status, _ = self.idp.sign_in(url)
        self.assertEqual(status, 200)
        rc, out, err = run.finish()
        self.assertEqual(rc, 0, err)
        self.assertEqual(decode_jwt(out.strip())[1]["aud"], "https://graph.microsoft.com")

    def test_forged_state_only_then_the_deadline_exits_5_naming_it(self):
        # The forged request must reach the listener before the deadline, which also covers
        # starting up: 5 s, not 2 s, on a loaded machine.
        run, _, p = self.start_no_browser("--timeout", "5s")
        self.assertEqual(http_get(p["redirect_uri"] + "?code=abc&state=forged")[0], 400)
        rc, out, err = run.finish()
        self.assertEqual(rc, 5, err)
        self.assertIn("1 request(s) with a state that does not belong to this sign-in were ignored", err)
        self.assertEqual(out, "")

    def test_registered_redirect_uri_is_sent_exactly_with_only_the_port_added(self):
        # The provider compares redirect URIs exactly but for the port (RFC 8252 §7.3), and has
        # "http://127.0.0.1" registered without a slash: "http://127.0.0.1:PORT/" would be refused.
        self.create_profile("me", self.idp.public, "interactive-browser", redirect_uri="http://127.0.0.1")
        run = self.background(["get-token", "-p", "me", "--no-browser", "--timeout", "30s"])
        url = run.wait_for_stderr(URL_LINE).group(1)
        redirect = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))["redirect_uri"]
        self.assertRegex(redirect, r"^http://127\.0\.0\.1:\d+$")
        target, status, _ = self.idp.sign_in(url)
        self.assertEqual(status, 200, target)
        rc, out, err = run.finish()
        self.assertEqual(rc, 0, err)
        redeemed = [r for r in self.idp.requests()["requests"] if r.get("grant_type") == "authorization_code"]
        self.assertEqual(redeemed[-1]["redirect_uri"], redirect)

    def test_a_fixed_port_signs_in_again_at_once(self):
        # The listener closes the browser's connection first, so that connection waits a minute in
        # TIME_WAIT on the listener's port: a profile with a fixed port (as a web application's
        # registered redirect URI has) must still be able to sign in again straight away.
        port = reserved_port(self)
        self.create_profile("me", self.idp.public, "interactive-browser", redirect_uri=f"http://127.0.0.1:{port}/")
        for attempt in ("first", "second"):
            run = self.background(["get-token", "-p", "me", "--no-browser", "--no-cache", "--timeout", "30s"])
            url = run.wait_for_stderr(URL_LINE).group(1)
            self.assertIn(urllib.parse.quote(f"http://127.0.0.1:{port}/", safe=""), url)
            target, status, _ = self.idp.sign_in(url)
            self.assertEqual(status, 200, f"{attempt} sign-in: {target}")
            rc, out, err = run.finish()
            self.assertEqual(rc, 0, f"{attempt} sign-in: {err}")
            self.assertTrue(out.strip())

    def test_localhost_callback_gets_the_port_after_the_host(self):
        self.create_profile("me", self.idp.public, "interactive-browser", redirect_uri="http://localhost/callback")
        run = self.background(["get-token", "-p", "me", "--no-browser", "--timeout", "30s"])
        url = run.wait_for_stderr(URL_LINE).group(1)
        redirect = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))["redirect_uri"]
        self.assertRegex(redirect, r"^http://localhost:\d+/callback$")
        self.assertEqual(self.idp.sign_in(url)[1], 200)
        self.assertEqual(run.finish()[0], 0)

    def test_unregistered_redirect_uri_shows_the_providers_error_at_once(self):
        self.create_profile("me", self.idp.public, "interactive-browser",
                            redirect_uri="http://127.0.0.1/not-registered")
        started = time.monotonic()
        rc, out, err = self.run_tool(["get-token", "-p", "me", "--timeout", "60s"], env={"BROWSER": "/bin/true"})
        self.assertEqual(rc, 3, err)
        self.assertLess(time.monotonic() - started, 20, "the provider's refusal must not wait for the timeout")
        self.assertIn("invalid_redirect_uri", err)
        self.assertIn("register exactly http://127.0.0.1:", err)
        self.assertNotIn("browser did not respond", err)
        self.assertEqual(out, "")

    def test_the_browser_gets_a_scrubbed_environment(self):
        # A fake browser that dumps its environment: none of the secrets entratool reads from its
        # own environment may reach it (nor their values under any other name).
        dump = os.path.join(self.sb.home, "browser-env.txt")
        opener = os.path.join(self.sb.home, "dump-env.sh")
        with open(opener, "w") as f:
            f.write(f"#!/bin/sh\nenv > {dump}.tmp && mv {dump}.tmp {dump}\n")
        os.chmod(opener, 0o700)
        self.create_profile("me", self.idp.public, "interactive-browser")
        secrets = {
            "AZURE_CLIENT_SECRET": "canary-client-secret-1f3a",
            "AZURE_CLIENT_CERTIFICATE_PASSWORD": "canary-cert-password-2b4c",
            "ENTRATOOL_KEYSTORE_PASSPHRASE": "canary-keystore-passphrase-3c5d",
            "ENTRATOOL_EXPORT_PASSPHRASE": "canary-export-passphrase-4d6e",
        }
        # 6 s: the deadline also covers starting up and checking the authorize URL, which a loaded
        # machine must get through before the browser is started at all.
        rc, out, err = self.run_tool(["get-token", "-p", "me", "--timeout", "6s"],
                                     env={"BROWSER": opener, "KEEP_ME": "visible", **secrets})
        self.assertEqual(rc, 5, err)
        # entratool waits for its opener only briefly (a browser keeps running): on a loaded
        # machine the dump may come after entratool's exit. Wait for it rather than race it.
        deadline = time.monotonic() + 30
        while not os.path.exists(dump):
            self.assertLess(time.monotonic(), deadline, "the browser was never started")
            time.sleep(0.1)
        with open(dump) as f:
            seen = f.read()
        self.assertIn("KEEP_ME=visible", seen, "the rest of the environment is passed on")
        self.assertIn("PATH=", seen)
        for name, value in secrets.items():
            self.assertNotIn(name + "=", seen)
            self.assertNotIn(value, seen)

    def test_kubectl_non_interactive_exec_info_fails_instead_of_prompting(self):
        marker = os.path.join(self.sb.home, "browser-was-started")
        opener = os.path.join(self.sb.home, "opener.sh")
        with open(opener, "w") as f:
            f.write(f"#!/bin/sh\ntouch {marker}\n")
        os.chmod(opener, 0o700)
        self.create_profile("me", self.idp.public, "interactive-browser")
        info = '{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","spec":{"interactive":false}}'
        rc, out, err = self.run_tool(["get-token", "-p", "me", "-o", "exec-credential", "--timeout", "10s"],
                                     env={"BROWSER": opener, "KUBERNETES_EXEC_INFO": info})
        self.assertEqual(rc, 3, err)
        self.assertIn("interactive: false", err)
        self.assertEqual(out, "")
        self.assertFalse(os.path.exists(marker), "no sign-in may start")

    def test_headless_machine_says_so_and_prints_the_url_at_once(self):
        self.create_profile("me", self.idp.public, "interactive-browser")
        env = self.sb.env()
        for k in ("BROWSER", "DISPLAY", "WAYLAND_DISPLAY", "WSL_DISTRO_NAME", "WSL_INTEROP"):
            env.pop(k, None)
        run = Background(["get-token", "-p", "me", "--timeout", "20s"], env)
        self.addCleanup(run.kill)
        run.wait_for_stderr(URL_LINE, timeout=5)
        # The listener's line follows the URL; wait for it rather than race it.
        run.wait_for_stderr(r"Waiting for the sign-in", timeout=5)
        err = run.err.decode()
        self.assertIn("no browser can be opened here", err)
        self.assertIn("no DISPLAY or WAYLAND_DISPLAY", err)
        self.assertIn("or use --flow device-code", err)
        self.assertIn("Waiting for the sign-in", err)

    def test_a_failing_launcher_is_reported_with_its_words(self):
        self.create_profile("me", self.idp.public, "interactive-browser")
        opener = os.path.join(self.sb.home, "xdg-open-like.sh")
        with open(opener, "w") as f:
            f.write("#!/bin/sh\necho \"xdg-open: no method available for opening '$1'\" >&2\nexit 3\n")
        os.chmod(opener, 0o700)
        run = self.background(["get-token", "-p", "me", "--timeout", "20s"], env={"BROWSER": opener})
        run.wait_for_stderr(URL_LINE, timeout=10)
        err = run.err.decode()
        self.assertIn("failed (exit 3: xdg-open: no method available", err)
        self.assertIn("open the URL below yourself", err)

    def test_stray_requests_get_404_and_the_listener_keeps_waiting(self):
        run, _, p = self.start_no_browser("--timeout", "20s")
        base = p["redirect_uri"].rstrip("/")
        self.assertEqual(http_get(base + "/favicon.ico")[0], 404)
        self.assertEqual(http_get(base + "/?code=abc")[0], 404)  # no state: not the callback
        self.assertEqual(http_get(base + "/?code=abc&state=" + p["state"], method="POST")[0], 404)
        self.assertIsNone(run.proc.poll(), "the listener must keep waiting")
        status, body = http_get(p["redirect_uri"] + "?" + urllib.parse.urlencode(
            {"state": p["state"], "error": "access_denied", "error_description": "The user <b>said</b> no"}))
        self.assertEqual(status, 200)
        self.assertIn("Sign-in failed", body)
        self.assertNotIn("<b>", body, "provider text is escaped")
        rc, out, err = run.finish()
        self.assertEqual(rc, 3, err)
        self.assertIn("access_denied", err)
        self.assertIn("said", err)

    def test_no_answer_before_the_timeout_exits_5(self):
        self.create_profile("me", self.idp.public, "interactive-browser")
        # 5 s: long enough for a loaded machine to get to waiting for the browser, which is what
        # times out here (not starting up or checking the authorize URL).
        started = time.monotonic()
        rc, out, err = self.run_tool(["get-token", "-p", "me", "--timeout", "5s"], env={"BROWSER": "/bin/true"})
        self.assertEqual(rc, 5, err)
        self.assertLess(time.monotonic() - started, 20)
        self.assertIn("browser did not respond", err)
        # The advice names the installed flow whose manifest says it signs in without a browser.
        self.assertIn("or use --flow device-code", err)

    def test_profile_redirect_uri_that_is_not_loopback_is_refused(self):
        self.create_profile("me", self.idp.public, "interactive-browser", redirect_uri="https://app.example.com/cb")
        rc, out, err = self.run_tool(["get-token", "-p", "me", "--timeout", "5s"], env={"BROWSER": "/bin/true"})
        self.assertEqual(rc, 1, err)
        self.assertIn("loopback", err)


@unittest.skipIf(browser_skip_reason(), browser_skip_reason())
class ChromiumTest(UserFlowCase):
    """The whole sign-in in headless chromium."""

    def setUp(self):
        super().setUp()
        self.logdir = tempfile.mkdtemp(prefix="entratool-browser-")
        self.log = BrowserLog(self.logdir)
        self.addCleanup(lambda: __import__("shutil").rmtree(self.logdir, True))
        self.addCleanup(self.log.wait_exit)

    def browser_env(self, action="consent"):
        return {"BROWSER": BROWSER_SH, "ENTRATOOL_TEST_BROWSER": action, "ENTRATOOL_TEST_BROWSER_LOG": self.log.path}

    def test_sign_in_and_consent_in_chromium(self):
        self.create_profile("me", self.idp.public, "InteractiveBrowser")
        out, err = self.ok(["get-token", "-p", "me", "--timeout", "60s"], env=self.browser_env(), timeout=90)
        _, payload = decode_jwt(out.strip())
        self.assertEqual(payload["aud"], "https://graph.microsoft.com")
        self.assertIn("Opening browser for authentication...", err)
        redirected = [e for e in self.log.wait_exit() if e["event"] == "redirected"]
        self.assertEqual(len(redirected), 1, self.log.events())
        self.assertIn("Signed in", redirected[0]["title"])
        code = self.token_requests("authorization_code")
        self.assertEqual(len(code), 1)
        self.assertTrue(code[0].get("has_code_verifier", True))
        # Cached: the next call needs no browser.
        out2, _ = self.ok(["get-token", "-p", "me"], env={"BROWSER": "/bin/false"})
        self.assertEqual(out2, out)

    def test_access_denied_exits_3(self):
        self.create_profile("me", self.idp.public, "interactive-browser")
        rc, out, err = self.run_tool(["get-token", "-p", "me", "--timeout", "60s"], env=self.browser_env("deny"),
                                     timeout=90)
        self.assertEqual(rc, 3, err)
        self.assertIn("access_denied", err)
        self.assertEqual(out, "")
        failed = [e for e in self.log.wait_exit() if e["event"] == "redirected"]
        self.assertIn("Sign-in failed", failed[0]["title"])

    def test_no_browser_url_completed_by_a_browser_started_by_the_test(self):
        self.create_profile("me", self.idp.public, "interactive-browser")
        run = self.background(["get-token", "-p", "me", "--no-browser", "--timeout", "60s"])
        url = run.wait_for_stderr(URL_LINE).group(1)
        env = dict(self.sb.env(self.browser_env()))
        subprocess.run([BROWSER_SH, url], env=env, timeout=90, stdout=subprocess.DEVNULL)
        rc, out, err = run.finish()
        self.assertEqual(rc, 0, err)
        self.assertTrue(out.strip())

    def test_the_profiles_loopback_redirect_uri_and_port_are_used(self):
        port = reserved_port(self)
        redirect = f"http://localhost:{port}/callback"
        self.create_profile("me", self.idp.public, "interactive-browser", redirect_uri=redirect)
        out, err = self.ok(["get-token", "-p", "me", "--timeout", "60s"], env=self.browser_env(), timeout=90)
        self.assertTrue(out.strip())
        redirected = [e for e in self.log.wait_exit() if e["event"] == "redirected"]
        self.assertTrue(redirected[0]["url"].startswith(redirect + "?"), redirected)


if __name__ == "__main__":
    unittest.main()
