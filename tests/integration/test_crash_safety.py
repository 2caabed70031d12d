"""kill -9 at random points (issue 14 item 13): during create-profile, config delete and get-token,
50 times each against the real provider. Afterwards every file the tool keeps parses, nothing is
orphaned (no secret or cached token without its profile, no temporary file once the next writer
ran), and the next command succeeds. Kill points are drawn from a fixed seed, so a failure
repeats; each case is bounded by the tool's own --timeout and a kill."""

import json
import os
import random
import signal
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.environ["ENTRATOOL_SOURCE_DIR"], "tests", "support"))
from provider import TENANT_GUID, ProviderPerClass, Sandbox, entratool_bin  # noqa: E402

GRAPH = "https://graph.microsoft.com/.default"
ROUNDS = 50


class CrashSafety(ProviderPerClass, unittest.TestCase):
    def setUp(self):
        self.sb = Sandbox()
        self.addCleanup(self.sb.close)
        self.rng = random.Random(14)
        self.client = self.idp.simple
        self.profiles = os.path.join(self.sb.config_dir, "profiles.json")
        self.kills = 0
        # A test whose kills all land after the process ended proves nothing.
        self.addCleanup(lambda: self.assertGreaterEqual(self.kills, ROUNDS // 10, "too few runs were killed mid-way"))

    def run_tool(self, args, input=None):
        return self.sb.run(args, input=input, timeout=60)

    def create_args(self, name):
        return ["create-profile", "--name", name, "--tenant-id", TENANT_GUID, "--client-id", self.client.client_id,
                "--scope", GRAPH, "--authority-host", self.idp.authority_host, "--client-secret-stdin", "--force"]

    def measured(self, args, input=None):
        """How long a complete run of `args` takes here, now (kill points scale with it, so the
        share of runs killed mid-way does not depend on the machine's load)."""
        start = time.monotonic()
        rc, _, err = self.run_tool(args, input=input)
        self.assertEqual(rc, 0, err)
        return time.monotonic() - start

    def killed(self, args, input=None, max_delay=0.15):
        """Starts entratool and kills it with SIGKILL after a random delay (it may finish first)."""
        p = subprocess.Popen([entratool_bin()] + args, env=self.sb.env(), stdin=subprocess.PIPE,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if input is not None:
            try:
                p.stdin.write(input.encode())
                p.stdin.close()
            except BrokenPipeError:
                pass
        else:
            p.stdin.close()
        time.sleep(self.rng.uniform(0, max_delay))
        p.send_signal(signal.SIGKILL)
        p.wait(timeout=30)
        self.kills += p.returncode == -signal.SIGKILL
        print("rc", p.returncode, file=sys.stderr)
        return p.returncode

    @staticmethod
    def adapted(span, rc):
        """The next kill window: a run measured under a burst of load and then run on a quieter
        machine would finish before most kills. A run that finished first shrinks the window, a
        killed one widens it a little, so kill points keep spanning the whole run (about four
        runs in five are killed) however the machine's load changes during the test."""
        return span * (1.05 if rc == -signal.SIGKILL else 0.8)

    def store_files(self):
        out = []
        for root, _, files in os.walk(self.sb.home):
            out += [os.path.join(root, f) for f in files]
        return out

    def assert_files_parse(self):
        for path in self.store_files():
            name = os.path.basename(path)
            if name.endswith(".json"):
                with open(path) as f:
                    json.load(f)  # a torn write would not parse

    def assert_no_temporaries(self):
        # Readers never see temporaries; after a completed writer none is left behind.
        leftovers = [p for p in self.store_files() if ".tmp-" in os.path.basename(p)]
        self.assertEqual(leftovers, [], "temporary files left after the next writer ran: %s" % [os.path.relpath(p, self.sb.home) for p in leftovers])

    def profile_names(self):
        if not os.path.exists(self.profiles):
            return []
        with open(self.profiles) as f:
            return [p["name"] for p in json.load(f)["profiles"]]

    def sec_files(self):
        return [p for p in self.store_files() if p.endswith(".sec")]

    def test_kill_during_create_profile_leaves_parseable_files_and_the_next_create_succeeds(self):
        span = self.measured(self.create_args("app"), input=self.client.secret + "\n")
        for i in range(ROUNDS):
            with self.subTest(round=i):
                rc = self.killed(self.create_args("app"), input=self.client.secret + "\n", max_delay=span)
                span = self.adapted(span, rc)
                self.assert_files_parse()
                rc, _, err = self.run_tool(self.create_args("app"), input=self.client.secret + "\n")
                self.assertEqual(rc, 0, err)
                self.assert_no_temporaries()
        rc, out, err = self.run_tool(["get-token", "-p", "app"])
        self.assertEqual(rc, 0, err)

    def test_kill_during_config_delete_leaves_no_orphans(self):
        for i in range(ROUNDS):
            with self.subTest(round=i):
                rc, _, err = self.run_tool(self.create_args("app"), input=self.client.secret + "\n")
                self.assertEqual(rc, 0, err)
                rc, _, err = self.run_tool(["get-token", "-p", "app"])  # a cached token to delete too
                self.assertEqual(rc, 0, err)
                if i == 0:
                    start = time.monotonic()
                    rc, _, err = self.run_tool(["config", "delete", "-p", "app", "--yes"])
                    self.assertEqual(rc, 0, err)
                    span = time.monotonic() - start
                    continue
                rc = self.killed(["config", "delete", "-p", "app", "--yes"], max_delay=span)
                span = self.adapted(span, rc)
                self.assert_files_parse()
                if "app" not in self.profile_names():
                    # The profile is gone only after its secret and tokens went.
                    self.assertEqual(self.sec_files(), [], "secrets or tokens outlived their profile")
                rc, _, err = self.run_tool(["config", "delete", "-p", "app", "--yes"])
                self.assertIn(rc, (0, 2), err)
                self.assertEqual(self.sec_files(), [])
                self.assertEqual(self.profile_names(), [])

    def test_kill_during_get_token_leaves_a_usable_cache(self):
        rc, _, err = self.run_tool(self.create_args("app"), input=self.client.secret + "\n")
        self.assertEqual(rc, 0, err)
        for i in range(ROUNDS):
            with self.subTest(round=i):
                # A slow provider widens the window between the request and the cache write.
                self.idp.fault("slow", seconds=0.1)
                self.killed(["get-token", "-p", "app", "--force", "--timeout", "10s"], max_delay=0.2)
                self.assert_files_parse()
                rc, out, err = self.run_tool(["get-token", "-p", "app", "--timeout", "10s"])
                self.assertEqual(rc, 0, err)
                self.assertTrue(out.strip(), "a token on stdout")


if __name__ == "__main__":
    unittest.main()
