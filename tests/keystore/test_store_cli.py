"""The encrypted-file store as users meet it: through the real entratool and the built plugin.

Covers what the unit tests cannot: the host opens the plugin under the config folder, key-file and
passphrase mode chosen by the environment at creation, the messages and exit codes a command shows
for a wrong passphrase or a damaged file, and that deleting a profile removes even a damaged secret.
"""
import os
import shutil
import stat
import subprocess
import tempfile
import unittest

ENTRATOOL = os.environ["ENTRATOOL_BIN"]
SECRET = "Kx9~store-cli-secret-value-0d3a"
EXPORT_PASSPHRASE = "an export passphrase long enough"
TIMEOUT = 60


class StoreThroughCliTest(unittest.TestCase):
    def setUp(self):
        self.home = tempfile.mkdtemp(prefix="entratool-store-cli-")
        self.config = os.path.join(self.home, "config")
        self.store = os.path.join(self.config, "keystore-encrypted-file")
        self.env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": self.home,
            "XDG_CONFIG_HOME": os.path.join(self.home, "xdg-config"),
            "XDG_DATA_HOME": os.path.join(self.home, "xdg-data"),
            "XDG_CACHE_HOME": os.path.join(self.home, "xdg-cache"),
            "ENTRATOOL_CONFIG_DIR": self.config,
        }
        plugin_dir = os.environ.get("ENTRATOOL_PLUGIN_DIR")
        if plugin_dir:
            self.env["ENTRATOOL_PLUGIN_DIR"] = plugin_dir

    def tearDown(self):
        shutil.rmtree(self.home, ignore_errors=True)

    def run_tool(self, *args, stdin="", passphrase=None):
        env = dict(self.env)
        if passphrase is not None:
            env["ENTRATOOL_KEYSTORE_PASSPHRASE"] = passphrase
        env["ENTRATOOL_EXPORT_PASSPHRASE"] = EXPORT_PASSPHRASE
        return subprocess.run([ENTRATOOL, *args], input=stdin, capture_output=True, text=True, env=env,
                              timeout=TIMEOUT, stdin=None if stdin is not None else subprocess.DEVNULL)

    def create_profile(self, passphrase=None):
        r = self.run_tool("create-profile", "--name", "app", "--tenant-id", "contoso.onmicrosoft.com",
                          "--client-id", "11111111-2222-3333-4444-555555555555",
                          "--scope", "https://graph.microsoft.com/.default", "--client-secret-stdin",
                          stdin=SECRET + "\n", passphrase=passphrase)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotIn(SECRET, r.stdout + r.stderr)

    def export_secret(self, passphrase=None):
        return self.run_tool("config", "export", "-p", "app", "--include-secrets", "--file",
                             os.path.join(self.home, "export-%d.bin" % len(os.listdir(self.home))),
                             passphrase=passphrase)

    def sec_files(self):
        return sorted(f for f in os.listdir(self.store) if f.endswith(".sec"))

    def assert_secret_in_no_file(self):
        for root, _, files in os.walk(self.home):
            for name in files:
                with open(os.path.join(root, name), "rb") as f:
                    self.assertNotIn(SECRET.encode(), f.read(), os.path.join(root, name))

    def test_key_file_mode_is_private_and_encrypted(self):
        self.create_profile()
        self.assertEqual(stat.S_IMODE(os.stat(self.store).st_mode), 0o700)
        for name in os.listdir(self.store):
            self.assertEqual(stat.S_IMODE(os.stat(os.path.join(self.store, name)).st_mode), 0o600, name)
        self.assertTrue(os.path.exists(os.path.join(self.store, "key")))
        self.assertEqual(len(self.sec_files()), 1)
        self.assert_secret_in_no_file()
        show = self.run_tool("config", "show", "-p", "app")
        self.assertEqual(show.returncode, 0, show.stderr)
        self.assertIn("AES-256-GCM, key file %s/key" % self.store, show.stdout)
        self.assertNotIn(SECRET, show.stdout + show.stderr)
        self.assertEqual(self.export_secret().returncode, 0)

        # A key-file store is not silently used when the user meant a passphrase.
        r = self.export_secret(passphrase="late passphrase")
        self.assertEqual(r.returncode, 1)
        self.assertIn("was created with a key file, but ENTRATOOL_KEYSTORE_PASSPHRASE is set", r.stderr)

    def test_passphrase_mode_wrong_and_missing_passphrase(self):
        self.create_profile(passphrase="the right passphrase")
        self.assertFalse(os.path.exists(os.path.join(self.store, "key")))
        self.assert_secret_in_no_file()
        show = self.run_tool("config", "show", "-p", "app", passphrase="the right passphrase")
        self.assertEqual(show.returncode, 0, show.stderr)
        self.assertIn("passphrase with scrypt N=131072 r=8 p=1", show.stdout)

        ok = self.export_secret(passphrase="the right passphrase")
        self.assertEqual(ok.returncode, 0, ok.stderr)
        # Unlocked once, the store stays unlocked for the session (test_unlock_session.py); lock it
        # so that the passphrase is checked again.
        self.assertEqual(self.run_tool("lock").returncode, 0)
        wrong = self.export_secret(passphrase="a wrong passphrase")
        self.assertEqual(wrong.returncode, 1)
        self.assertEqual(wrong.stderr.strip().splitlines()[-1],
                         "entratool: wrong passphrase for the secret store at %s "
                         "(from ENTRATOOL_KEYSTORE_PASSPHRASE)" % self.store)
        # No variable and no terminal to ask: one clear line, no hang.
        missing = self.export_secret()
        self.assertEqual(missing.returncode, 1)
        self.assertIn("is protected by a passphrase: set ENTRATOOL_KEYSTORE_PASSPHRASE", missing.stderr)

    def test_damaged_secret_is_reported_kept_and_removable(self):
        self.create_profile()
        path = os.path.join(self.store, self.sec_files()[0])
        with open(path, "rb") as f:
            data = bytearray(f.read())
        data[len(data) // 2] ^= 0x40
        with open(path, "wb") as f:
            f.write(data)
        r = self.export_secret()
        self.assertEqual(r.returncode, 1)
        self.assertIn("secret store file '%s' (secret '" % path, r.stderr)
        self.assertIn("cannot be decrypted (wrong key or damaged); it was left untouched", r.stderr)
        self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)
        with open(path, "rb") as f:
            self.assertEqual(f.read(), bytes(data))
        # Deleting the profile is an explicit removal: it works without decrypting.
        d = self.run_tool("config", "delete", "-p", "app", "--yes")
        self.assertEqual(d.returncode, 0, d.stderr)
        self.assertEqual(self.sec_files(), [])


if __name__ == "__main__":
    unittest.main(verbosity=2)
