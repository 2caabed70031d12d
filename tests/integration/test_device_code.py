"""The device code flow end to end against the test provider: the user code shown on stderr
(also under --silent), approval through the provider's test hook, denial, an expired code,
slow_down, --timeout, a client with a secret, and the refresh token kept only in the store."""

import json
import os
import re
import select
import signal
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.environ["ENTRATOOL_SOURCE_DIR"], "tests", "userflows"))
from userflows_support import UserFlowCase, decode_jwt, entratool_bin  # noqa: E402

CODE = r"enter the code: (\S+)"


class DeviceCodeTest(UserFlowCase):
    provider_options = {"device_interval": 1}

    def start_device(self, *extra, profile="dev"):
        self.create_profile(profile, self.idp.public, "device-code")
        return self.background(["get-token", "-p", profile, *extra])

    def test_approved_sign_in_prints_code_on_stderr_and_token_on_stdout(self):
        run = self.start_device("--timeout", "60s")
        code = run.wait_for_stderr(CODE).group(1)
        self.assertIn("To sign in, use a web browser to open:", run.err.decode())
        self.idp.approve_device(code)
        rc, out, err = run.finish()
        self.assertEqual(rc, 0, err)
        token = out.strip()
        _, payload = decode_jwt(token)
        self.assertEqual(payload["aud"], "https://graph.microsoft.com")
        self.assertIn("scp", payload)
        self.assertEqual(out.count("\n"), 1, "stdout carries the token only")
        dc = [r for r in self.idp.requests()["requests"] if r["endpoint"] == "devicecode"]
        self.assertEqual(len(dc), 1)
        self.assertIn("offline_access", dc[0]["scope"].split(" "))
        # The refresh token is cached with the access token and printed only by -o json.
        out, _ = self.ok(["get-token", "-p", "dev", "-o", "json"])
        doc = json.loads(out)
        self.assertEqual(doc["access_token"], token)
        self.assertTrue(doc.get("refresh_token"))
        out, _ = self.ok(["get-token", "-p", "dev"])
        self.assertNotIn(doc["refresh_token"], out)
        with open(os.path.join(self.sb.config_dir, "profiles.json")) as f:
            self.assertNotIn(doc["refresh_token"], f.read())

    def test_without_timeout_the_wait_lasts_as_long_as_the_code(self):
        # The provider's codes live 900 s; the default 60 s --timeout must not cut the wait short.
        run = self.start_device()
        run.wait_for_stderr(r"up to (\d+)s")
        self.assertRegex(run.err.decode(), r"up to (89\d|900)s")
        run.kill()

    def test_timeout_still_caps_the_wait_and_takes_combined_durations(self):
        run = self.start_device("--timeout", "1m30s")
        run.wait_for_stderr(r"up to (\d+)s")
        self.assertRegex(run.err.decode(), r"up to (8\d|90)s")
        run.kill()
        started = time.monotonic()
        run = self.start_device("--timeout", "1.5s", profile="dev2")
        rc, out, err = run.finish()
        self.assertEqual(rc, 5, err)
        self.assertLess(time.monotonic() - started, 15)
        self.assertEqual(out, "")

    def test_code_is_shown_even_when_silent(self):
        run = self.start_device("--silent", "--timeout", "60s")
        code = run.wait_for_stderr(CODE).group(1)
        self.idp.approve_device(code)
        rc, out, err = run.finish()
        self.assertEqual(rc, 0, err)
        self.assertNotIn("Token acquired", err)
        self.assertTrue(out.strip())

    def test_denied_sign_in_exits_3(self):
        run = self.start_device("--timeout", "60s")
        code = run.wait_for_stderr(CODE).group(1)
        self.idp.approve_device(code, approve=False)
        rc, out, err = run.finish()
        self.assertEqual(rc, 3, err)
        self.assertEqual(out, "")
        self.assertIn("declined", err)
        self.assertEqual(err.strip().splitlines()[-1].count("entratool:"), 1)

    def test_slow_down_adds_five_seconds_to_the_interval(self):
        # The first poll is answered slow_down whatever the code's state, so the sign-in can be
        # approved at once: the second poll then gets the token. The gap between the two polls is
        # measured where they arrive (the provider's clock), so a loaded machine can only lengthen it.
        self.idp.fault("json", count=1, status=400, body={"error": "slow_down", "error_description": "poll slower"})
        run = self.start_device("--timeout", "60s")
        self.idp.approve_device(run.wait_for_stderr(CODE).group(1))
        rc, out, err = run.finish()
        self.assertEqual(rc, 0, err)
        polls = self.token_requests()
        self.assertEqual([p.get("fault") for p in polls], ["json", None], "one slowed-down poll, then the token")
        gap = (polls[1]["received_ms"] - polls[0]["received_ms"]) / 1000
        self.assertGreaterEqual(gap, 5.9, "interval 1s + 5s after slow_down")

    def test_ctrl_c_while_waiting_cancels_with_exit_1_and_caches_nothing(self):
        run = self.start_device("--timeout", "60s")
        run.wait_for_stderr(r"Waiting for authentication\.\.\.")
        run.proc.send_signal(signal.SIGINT)
        rc, out, err = run.finish(timeout=10)
        self.assertEqual(rc, 1, err)
        self.assertEqual(out, "")
        self.assertEqual(err.strip().splitlines()[-1], "entratool: cancelled")
        rc, _, err = self.run_tool(["refresh", "-p", "dev"])
        self.assertEqual(rc, 3, err)
        self.assertIn("no refresh token is cached", err)

    def test_on_a_terminal_elapsed_seconds_are_shown_on_one_line(self):
        self.create_profile("dev", self.idp.public, "device-code")
        master, slave = os.openpty()
        proc = subprocess.Popen([entratool_bin(), "get-token", "-p", "dev", "--timeout", "60s"], env=self.sb.env(),
                                stdin=slave, stderr=slave, stdout=subprocess.PIPE)
        os.close(slave)
        self.addCleanup(lambda: (proc.poll() is None and proc.kill(), proc.wait(10), proc.stdout.close()))
        seen = b""
        deadline = time.monotonic() + 20
        while not re.search(rb"\rWaiting for authentication\.\.\. [2-9]s", seen):
            self.assertLess(time.monotonic(), deadline, seen)
            if select.select([master], [], [], 1)[0]:
                seen += os.read(master, 4096)
        code = re.search(rb"enter the code: (\S+)", seen).group(1).decode()
        self.idp.approve_device(code)
        out = proc.stdout.read()
        self.assertEqual(proc.wait(30), 0)
        os.close(master)
        self.assertTrue(out.strip())

    def test_timeout_before_sign_in_exits_5(self):
        # The deadline also covers starting up and asking for the code: 6 s leaves a loaded machine
        # room to show the code first; the 900 s code outlives it by far.
        run = self.start_device("--timeout", "6s")
        run.wait_for_stderr(CODE)
        started = time.monotonic()
        rc, out, err = run.finish(timeout=60)
        self.assertEqual(rc, 5, err)
        self.assertLess(time.monotonic() - started, 30)
        self.assertIn("nobody completed the device code sign-in", err)


class ExpiredDeviceCodeTest(UserFlowCase):
    # oidc-provider keeps expiry in whole seconds, so a code lives between ttl-1 and ttl seconds from
    # its issue: polls at 2 s and 4 s stay a second clear of a 6 s code's end even on a loaded machine.
    provider_options = {"device_interval": 2, "device_code_ttl": 6}

    def test_code_lifetime_running_out_exits_5(self):
        self.create_profile("dev", self.idp.public, "device-code")
        rc, out, err = self.run_tool(["get-token", "-p", "dev", "--timeout", "60s"], timeout=60)
        self.assertEqual(rc, 5, err)
        self.assertIn("expired after 6s", err)
        self.assertEqual(out, "")
        self.assertEqual(len(self.token_requests()), 2, "polls at 2 s and 4 s, none with the expired code")

    def test_provider_expired_token_exits_3(self):
        self.idp.fault("json", count=1, status=400,
                       body={"error": "expired_token", "error_description": "AADSTS70020: The provided value for the "
                             "input parameter 'device_code' is not valid. This device code has expired."})
        self.create_profile("dev", self.idp.public, "device-code")
        rc, out, err = self.run_tool(["get-token", "-p", "dev", "--timeout", "60s"], timeout=60)
        self.assertEqual(rc, 3, err)
        self.assertIn("expired", err)


class ConfidentialDeviceCodeTest(UserFlowCase):
    def test_client_with_secret_authenticates_when_polling(self):
        self.create_profile("devsecret", self.idp.webapp, "device-code", secret=self.idp.webapp.secret)
        run = self.background(["get-token", "-p", "devsecret", "--timeout", "60s"])
        code = run.wait_for_stderr(CODE).group(1)
        self.idp.approve_device(code)
        rc, out, err = run.finish()
        self.assertEqual(rc, 0, err)
        polls = self.token_requests()
        self.assertTrue(polls)
        self.assertEqual(polls[-1].get("auth_method"), "basic", polls[-1])


if __name__ == "__main__":
    unittest.main()
