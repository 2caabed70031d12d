"""Ten get-token processes at once on a cold cache: all succeed with the same token, the cache is
not corrupted, and the per-key lock lets only one of them call the provider."""

import fcntl
import hashlib
import os
import subprocess
import time
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_get_token import GRAPH, GetTokenCase  # noqa: E402
from provider import TENANT_GUID, entratool_bin  # noqa: E402


class ColdCacheStampede(GetTokenCase):
    def test_ten_processes_make_one_provider_call(self):
        self.create_profile("app", self.idp.simple)
        env = self.sb.env()
        procs = [subprocess.Popen([entratool_bin(), "get-token", "-p", "app", "--silent", "--timeout", "50s"], env=env,
                                  stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for _ in range(10)]
        results = []
        try:
            for p in procs:
                out, err = p.communicate(timeout=60)
                results.append((p.returncode, out, err))
        finally:
            for p in procs:
                if p.poll() is None:
                    p.kill()
                    p.wait()
        for rc, out, err in results:
            self.assertEqual(rc, 0, err)
            self.assertEqual(err, "")
        tokens = {out for _, out, _ in results}
        self.assertEqual(len(tokens), 1, "every process printed the same cached token")
        self.assertEqual(self.idp.count(), 1)
        out, _ = self.ok(["get-token", "-p", "app", "-q"])
        self.assertEqual({out}, tokens)
        self.assertEqual(self.idp.count(), 1)

    def test_a_lock_held_past_the_timeout_is_exit_5(self):
        self.create_profile("app", self.idp.simple)
        key = "\n".join(["v1", self.idp.authority_host.lower(), TENANT_GUID, self.idp.simple.client_id,
                         "client-credentials", GRAPH])
        locks = os.path.join(self.sb.config_dir, "locks")
        os.makedirs(locks, mode=0o700, exist_ok=True)
        path = os.path.join(locks, hashlib.sha256(key.encode()).hexdigest() + ".lock")
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)  # another entratool, stuck while getting the same token
            start = time.monotonic()
            rc, out, err = self.run_tool(["get-token", "-p", "app", "--timeout", "2s"])
            elapsed = time.monotonic() - start
            self.assertEqual(rc, 5, err)
            self.assertEqual(out, "")
            self.assertIn("waiting for another entratool", err)
            self.assertLess(elapsed, 6)
            self.assertEqual(self.idp.count(), 0)
            # --no-cache takes no lock: it is not held up.
            out, _ = self.ok(["get-token", "-p", "app", "-q", "--no-cache", "--timeout", "10s"])
            self.token_of(out)
        finally:
            os.close(fd)
        out, _ = self.ok(["get-token", "-p", "app", "-q"])  # released: works again
        self.token_of(out)

    def test_different_keys_in_parallel_each_get_their_own_token(self):
        self.create_profile("app", self.idp.simple)
        resources = ["https://graph.microsoft.com", "https://management.azure.com", "https://vault.azure.net",
                     "https://storage.azure.com"]
        env = self.sb.env()
        procs = [subprocess.Popen([entratool_bin(), "get-token", "-p", "app", "-q", "-s", r + "/.default"], env=env,
                                  stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for r in resources]
        try:
            outs = [p.communicate(timeout=60) for p in procs]
        finally:
            for p in procs:
                if p.poll() is None:
                    p.kill()
                    p.wait()
        for p, (out, err) in zip(procs, outs):
            self.assertEqual(p.returncode, 0, err)
        self.assertEqual(len({o for o, _ in outs}), 4)
        self.assertEqual(self.idp.count(), 4)
        for r, (out, _) in zip(resources, outs):
            again, _ = self.ok(["get-token", "-p", "app", "-q", "-s", r + "/.default"])
            self.assertEqual(again, out)
        self.assertEqual(self.idp.count(), 4)


if __name__ == "__main__":
    unittest.main()
