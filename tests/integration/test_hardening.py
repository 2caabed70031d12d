"""Regression tests of the red-team findings of issue 14, through the real entratool: profiles.json
trust (item 2), key files others can read (3), interrupted deletes (4), token fields with control
characters and any claim string through -o json/yaml (6), FIFOs (7), one validator for
profiles.json and config import (8), duplicate claims (10). Each test is named after what it
guards."""

import base64
import json
import os
import shutil
import stat
import sys
import time
import unittest

import yaml

sys.path.insert(0, os.path.join(os.environ["ENTRATOOL_SOURCE_DIR"], "tests", "support"))
from provider import TENANT_GUID, Sandbox, _material  # noqa: E402

GRAPH = "https://graph.microsoft.com/.default"
CLIENT = "11111111-2222-3333-4444-555555555555"
GENERAL, NOT_FOUND, NETWORK = 1, 2, 4


def b64(obj):
    return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()


class Hardening(unittest.TestCase):
    def setUp(self):
        self.sb = Sandbox()
        self.addCleanup(self.sb.close)
        self.profiles = os.path.join(self.sb.config_dir, "profiles.json")

    def run_tool(self, args, input=None, timeout=30, env=None):
        return self.sb.run(args, input=input, timeout=timeout, env=env)

    def one_error(self, rc, out, err, code):
        self.assertEqual((rc, out), (code, ""), err)
        self.assertEqual(err.count("\n"), 1, repr(err))
        return err

    def create(self, name="app"):
        rc, out, err = self.run_tool(["create-profile", "--name", name, "--tenant-id", TENANT_GUID, "--client-id",
                                      CLIENT, "--scope", GRAPH, "--client-secret-stdin"], input="s3cret\n")
        self.assertEqual(rc, 0, err)

    def write_profiles(self, profiles, mode=0o600):
        os.makedirs(self.sb.config_dir, mode=0o700, exist_ok=True)
        with open(self.profiles, "w") as f:
            json.dump({"version": 1, "default": "", "profiles": profiles}, f)
        os.chmod(self.profiles, mode)

    def entry(self, **kw):
        e = {"name": "app", "tenant_id": TENANT_GUID, "client_id": CLIENT, "scopes": [GRAPH], "auth_method": "secret"}
        e.update(kw)
        return e

    # item 2
    def test_profiles_json_through_a_symlink_is_refused(self):
        self.create()
        planted = os.path.join(self.sb.home, "planted.json")
        shutil.move(self.profiles, planted)
        os.symlink(planted, self.profiles)
        err = self.one_error(*self.run_tool(["config", "show", "-p", "app"]), GENERAL)
        self.assertIn("symbolic link", err)

    def test_profiles_json_writable_by_others_is_refused_with_the_chmod(self):
        self.create()
        os.chmod(self.profiles, 0o666)
        err = self.one_error(*self.run_tool(["config", "list"]), GENERAL)
        self.assertIn(f"chmod go-w {self.profiles}", err)

    def test_config_folder_writable_by_others_is_refused(self):
        self.create()
        os.chmod(self.sb.config_dir, 0o777)
        err = self.one_error(*self.run_tool(["config", "list"]), GENERAL)
        self.assertIn("chmod 700", err)

    # item 3
    def test_private_key_readable_by_others_is_refused_with_the_chmod(self):
        pki = os.path.join(self.sb.home, "pki")
        os.makedirs(pki)
        for f in ("client.pem", "client.key"):
            shutil.copy(os.path.join(_material(), f), pki)
        key = os.path.join(pki, "client.key")
        os.chmod(key, 0o644)
        err = self.one_error(*self.run_tool(["create-profile", "--name", "c", "--tenant-id", TENANT_GUID,
                                             "--client-id", CLIENT, "--scope", GRAPH, "--certificate-path",
                                             os.path.join(pki, "client.pem"), "--private-key-path", key]), GENERAL)
        self.assertIn(f"chmod 600 {key}", err)

    # item 7
    def test_fifo_at_profiles_json_is_refused_without_hanging(self):
        os.makedirs(self.sb.config_dir, mode=0o700)
        os.mkfifo(self.profiles, 0o600)
        start = time.monotonic()
        err = self.one_error(*self.run_tool(["config", "show", "-p", "app"], timeout=10), GENERAL)
        self.assertIn("not a regular file", err)
        self.assertLess(time.monotonic() - start, 10)

    def test_fifo_at_the_store_key_file_is_refused_without_hanging(self):
        self.create()
        store = os.path.join(self.sb.home, ".local", "share", "entratool", "secrets")
        keys = [os.path.join(r, f) for r, _, fs in os.walk(self.sb.home) for f in fs if f == "key"]
        self.assertEqual(len(keys), 1, f"one store key file expected under {store}")
        os.unlink(keys[0])
        os.mkfifo(keys[0], 0o600)
        rc, out, err = self.run_tool(["get-token", "-p", "app", "--timeout", "2s"], timeout=10)
        self.assertNotEqual(rc, 0)
        self.assertEqual(out, "")

    # item 8
    def test_profiles_json_with_unknown_auth_method_is_refused(self):
        self.write_profiles([self.entry(auth_method="magic")])
        err = self.one_error(*self.run_tool(["get-token", "-p", "app", "--timeout", "2s"]), GENERAL)
        self.assertIn("magic", err)

    def test_profiles_json_with_control_characters_in_a_name_is_refused_and_escaped(self):
        self.write_profiles([self.entry(name="evil\x1b[31m\nname")])
        rc, out, err = self.run_tool(["config", "list"])
        self.one_error(rc, out, err, GENERAL)
        self.assertNotIn("\x1b", err)
        self.assertIn("\\x1b", err)

    def test_profiles_json_with_a_plaintext_client_secret_is_refused(self):
        self.write_profiles([self.entry(client_secret="hunter2")])
        err = self.one_error(*self.run_tool(["config", "show", "-p", "app"]), GENERAL)
        self.assertIn("client_secret", err)
        self.assertNotIn("hunter2", err)

    def test_profiles_json_with_duplicate_names_is_refused(self):
        self.write_profiles([self.entry(), self.entry()])
        err = self.one_error(*self.run_tool(["config", "list"]), GENERAL)
        self.assertIn("twice", err)

    # item 4
    def test_config_delete_of_a_missing_profile_removes_leftover_secrets(self):
        self.create()
        # What a delete killed after the profile entry went and before the secrets did leaves behind.
        with open(self.profiles) as f:
            doc = json.load(f)
        doc["profiles"] = []
        doc["default"] = ""
        with open(self.profiles, "w") as f:
            json.dump(doc, f)
        rc, out, err = self.run_tool(["config", "delete", "-p", "app", "--yes"])
        self.assertEqual(rc, 0, err)
        self.assertIn("leftover", err)
        rc, out, err = self.run_tool(["config", "delete", "-p", "app", "--yes"])
        self.assertEqual(rc, NOT_FOUND, err)

    # item 10
    def test_duplicate_claims_are_refused_by_inspect(self):
        payload = base64.urlsafe_b64encode(b'{"exp":1,"exp":4102444800}').rstrip(b"=").decode()
        token = b64({"alg": "none"}) + "." + payload + ".c2ln"
        rc, out, err = self.run_tool(["inspect", token])
        self.one_error(rc, out, err, GENERAL)
        self.assertIn("duplicate", err)

    # item 6, the output half: any claim string survives -o json and -o yaml
    def test_any_claim_string_reads_back_from_json_and_yaml_output(self):
        odd = "".join(chr(c) for c in range(0, 0x20)) + "\x7f\x85\x9b\u2028\u2029\ufeff:- #&*!|>'\"%@`"
        claims = {"s": odd, "nl": "a\nb", "esc": "\x1b[31mred", "nul": "a\x00b", "yes": "yes", "num": "0x1f"}
        token = b64({"alg": "none"}) + "." + b64(claims) + ".c2ln"
        for fmt, load in (("json", json.loads), ("yaml", yaml.safe_load)):
            with self.subTest(format=fmt):
                rc, out, err = self.run_tool(["inspect", "-o", fmt, token])
                self.assertEqual(rc, 0, err)
                self.assertEqual(load(out)["payload"], claims)


if __name__ == "__main__":
    unittest.main()
