"""The encrypted-file store through the real entratool and the test provider: a cached get-token
loads no libcrypto (libsodium decrypts; OpenSSL only on the forced fallback, which reads and writes
the same bytes), and a passphrase store is unlocked once per session (the derived key in the kernel
keyring, with its timeout, `entratool lock`, "unlock_timeout").

Runs under `keyctl session -` (tests/keystore/CMakeLists.txt): the whole test has a session keyring
of its own, so no key reaches the developer's keyrings, and it dies with the test. The test checks
that first instead of trusting it.
"""
import json
import os
import re
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.join(os.environ["ENTRATOOL_SOURCE_DIR"], "tests", "support"))
from provider import ProviderPerClass, Sandbox, TENANT_GUID  # noqa: E402

GRAPH = "https://graph.microsoft.com/.default"
PASSPHRASE = "a session passphrase for the unlock test"
JWT = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$")


def keyctl(*args):
    return subprocess.run(["keyctl", *args], capture_output=True, text=True, timeout=30)


def session_key_ids():
    """The ids of the keys linked (directly or below) in this test's own session keyring: /proc/keys
    also lists keys of this user in other sessions, such as those of tests running in parallel."""
    r = subprocess.run(["keyctl", "show", "@s"], capture_output=True, text=True, timeout=10)
    return {int(m.group(1)) for m in re.finditer(r"^\s*(\d+) ", r.stdout, re.M)}


def entratool_keys():
    """(id, timeout column of /proc/keys) of every live entratool: key in this test's session
    keyring (not the invalidated, revoked, dead or expired ones the kernel has yet to collect)."""
    mine = session_key_ids()
    out = []
    with open("/proc/keys") as f:
        for line in f:
            cols = line.split(None, 8)
            if len(cols) == 9 and cols[7] == "user" and cols[8].startswith("entratool:") \
                    and not set(cols[1]) & set("iRD") and cols[3] != "expd" and int(cols[0], 16) in mine:
                out.append((int(cols[0], 16), cols[3]))
    return out


def loaded_libraries(stderr):
    """The libraries LD_DEBUG=libs says were loaded (their 'calling init' lines)."""
    return [m.group(1) for m in re.finditer(r"calling init: (\S+)", stderr)]


class UnlockSession(ProviderPerClass, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # Refuse to run in the developer's user-session keyring (where keys would outlive the test).
        described = keyctl("rdescribe", "@s")
        if described.returncode != 0 or described.stdout.strip().endswith(";_uid_ses." + str(os.getuid())):
            raise RuntimeError("run this test under 'keyctl session -' (keyutils; scripts/install-deps.sh --test): "
                               + described.stdout + described.stderr)
        super().setUpClass()

    def setUp(self):
        self.idp.reset()
        self.sb = Sandbox()
        self.addCleanup(self.sb.close)
        self.addCleanup(lambda: keyctl("clear", "@s"))

    def run_tool(self, args, env=None, input=None):
        return self.sb.run(args, env=env, input=input)

    def ok(self, args, env=None, input=None):
        rc, out, err = self.run_tool(args, env=env, input=input)
        self.assertEqual(rc, 0, f"entratool {' '.join(args)} failed: {err[-3000:]}")
        return out, err

    def create_profile(self, env=None):
        client = self.idp.secret
        self.ok(["create-profile", "--name", "app", "--tenant-id", TENANT_GUID, "--client-id", client.client_id,
                 "--scope", GRAPH, "--authority-host", self.idp.authority_host, "--client-secret-stdin",
                 "--set-default"], env=env, input=client.secret + "\n")

    def token(self, env=None):
        out, _ = self.ok(["get-token", "-p", "app", "--silent"], env=env)
        self.assertRegex(out.strip(), JWT)
        return out.strip()

    def write_config(self, settings):
        with open(os.path.join(self.sb.config_dir, "config.json"), "w") as f:
            json.dump({"keystore_settings": settings}, f)
        os.chmod(os.path.join(self.sb.config_dir, "config.json"), 0o600)

    def test_plugin_carries_libsodium_needs_no_libkeyutils_and_does_not_link_libcrypto(self):
        # libsodium comes from its static archive (docs/rss.md): its AES-256-GCM is in the plugin's
        # own symbol table (private: the plugin exports only its entry point), no libsodium.so. The
        # kernel keyring is reached through its system calls: no libkeyutils.so either.
        plugin = os.path.join(os.environ["ENTRATOOL_PLUGIN_DIR"], "entratool-encrypted-file.so")
        needed = subprocess.run(["readelf", "-d", plugin], capture_output=True, text=True, check=True).stdout
        self.assertNotIn("libcrypto", needed)
        self.assertNotIn("libsodium", needed)
        self.assertNotIn("libkeyutils", needed)
        symbols = subprocess.run(["readelf", "-sW", plugin], capture_output=True, text=True, check=True).stdout
        self.assertIn("crypto_aead_aes256gcm_decrypt_detached", symbols)
        exported = subprocess.run(["readelf", "--dyn-syms", "-W", plugin], capture_output=True, text=True, check=True).stdout
        self.assertNotIn("crypto_aead_aes256gcm", exported)

    def test_cached_get_token_loads_no_libcrypto_and_the_forced_fallback_reads_the_same_store(self):
        self.create_profile()
        first = self.token()
        self.idp.reset()
        _, err = self.ok(["get-token", "-p", "app", "--silent"], env={"LD_DEBUG": "libs"})
        libs = loaded_libraries(err)
        self.assertFalse(any("libcrypto" in lib for lib in libs), libs)
        self.assertFalse(any("libsodium" in lib for lib in libs), libs)  # linked into the plugin
        self.assertFalse(any("libkeyutils" in lib for lib in libs), libs)  # keyctl(2) directly
        self.assertEqual(self.idp.count(), 0, "a cached call sends nothing")

        # The OpenSSL fallback (a CPU without AES-NI) reads what libsodium wrote, loading libcrypto then.
        out, err = self.ok(["get-token", "-p", "app", "--silent"],
                           env={"LD_DEBUG": "libs", "ENTRATOOL_KEYSTORE_FORCE_OPENSSL": "1"})
        self.assertEqual(out.strip(), first)
        self.assertTrue(any("libcrypto" in lib for lib in loaded_libraries(err)), loaded_libraries(err))
        # ... and what it writes (a fresh token in the cache), libsodium reads.
        out, _ = self.ok(["get-token", "-p", "app", "--silent", "--force"],
                         env={"ENTRATOOL_KEYSTORE_FORCE_OPENSSL": "1"})
        fresh = out.strip()
        self.assertNotEqual(fresh, first)
        self.assertEqual(self.token(), fresh)

    def test_passphrase_store_unlocks_once_and_lock_ends_it(self):
        self.create_profile(env={"ENTRATOOL_KEYSTORE_PASSPHRASE": PASSPHRASE})
        keys = entratool_keys()
        self.assertEqual(len(keys), 1, keys)
        key_id, left = keys[0]
        self.assertIn(left, ("15m", "14m"))  # the default timeout
        # In this session's keyring, nowhere else.
        self.assertIn(str(key_id), keyctl("rlist", "@s").stdout.split())
        self.assertNotIn(str(key_id), keyctl("rlist", "@us").stdout.split())

        # No variable and no terminal, yet the store opens: fresh token, then a cached one.
        first = self.token()
        self.assertEqual(self.token(), first)

        out, _ = self.ok(["lock"])
        self.assertEqual(out, "Locked: the secret store's next use needs its passphrase.\n")
        self.assertEqual(entratool_keys(), [])
        rc, out, err = self.run_tool(["get-token", "-p", "app", "--silent"])
        self.assertEqual(rc, 1)
        self.assertEqual(out, "")
        self.assertIn("is protected by a passphrase: set ENTRATOOL_KEYSTORE_PASSPHRASE", err)
        out, _ = self.ok(["lock"])
        self.assertEqual(out, "The secret store was not unlocked; nothing to lock.\n")

        # A wrong passphrase unlocks nothing; the right one unlocks the session again.
        rc, _, err = self.run_tool(["get-token", "-p", "app", "--silent"],
                                   env={"ENTRATOOL_KEYSTORE_PASSPHRASE": "not it"})
        self.assertEqual(rc, 1)
        self.assertIn("wrong passphrase", err)
        self.assertEqual(entratool_keys(), [])
        self.assertEqual(self.token(env={"ENTRATOOL_KEYSTORE_PASSPHRASE": PASSPHRASE}), first)
        self.assertEqual(len(entratool_keys()), 1)
        self.assertEqual(self.token(), first)

    def test_unlock_timeout_setting(self):
        os.makedirs(self.sb.config_dir, mode=0o700, exist_ok=True)
        self.write_config({"unlock_timeout": "0"})
        self.create_profile(env={"ENTRATOOL_KEYSTORE_PASSPHRASE": PASSPHRASE})
        self.assertEqual(entratool_keys(), [], "0 keeps nothing")
        rc, _, err = self.run_tool(["get-token", "-p", "app", "--silent"])
        self.assertEqual(rc, 1)
        self.assertIn("is protected by a passphrase", err)

        self.write_config({"unlock_timeout": "2h"})
        self.token(env={"ENTRATOOL_KEYSTORE_PASSPHRASE": PASSPHRASE})
        keys = entratool_keys()
        self.assertEqual(len(keys), 1)
        self.assertIn(keys[0][1], ("2h", "1h"))
        self.token()

        self.write_config({"unlock_timeout": "a while"})
        rc, out, err = self.run_tool(["get-token", "-p", "app", "--silent"])
        self.assertEqual(rc, 1)
        self.assertEqual(out, "")
        # The error (after the cache's warning): the store that cannot be opened, then the setting at
        # fault and what to give.
        self.assertIn("the keystore setting 'unlock_timeout' is 'a while'; give seconds (900), or "
                      "minutes or hours (15m, 1h), or 0 to never keep the unlocked key", err.strip().splitlines()[-1])

    def test_lock_on_a_key_file_store_has_nothing_to_lock(self):
        self.create_profile()
        out, err = self.ok(["lock"])
        self.assertEqual(out, "The secret store was not unlocked; nothing to lock.\n")
        self.assertEqual(entratool_keys(), [])
        self.token()


if __name__ == "__main__":
    unittest.main()
