"""Guards the installed layout: `cmake --install` into a fresh prefix gives a working entratool,
the entra-auth-cli alias, the bundled plugins found beside the executable, the lazily loaded
modules (a network request, an export and a pin check work from the installed tree), and the shell
completions and man page in the folders bash-completion, zsh, fish and man look in."""
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import unittest

BUILD = os.environ["ENTRATOOL_BUILD_DIR"]


class Install(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.prefix = tempfile.mkdtemp(prefix="entratool-install-")
        r = subprocess.run(["cmake", "--install", BUILD, "--prefix", cls.prefix], capture_output=True, text=True,
                           timeout=300)
        assert r.returncode == 0, r.stderr
        cls.home = tempfile.mkdtemp(prefix="entratool-install-home-")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.prefix, ignore_errors=True)
        shutil.rmtree(cls.home, ignore_errors=True)

    def run_tool(self, name, args, **kw):
        env = {"PATH": "/usr/bin:/bin", "HOME": self.home, "ENTRATOOL_CONFIG_DIR": os.path.join(self.home, "cfg"),
               "ENTRATOOL_EXPORT_PASSPHRASE": "a long enough passphrase"}
        return subprocess.run([os.path.join(self.prefix, "bin", name)] + args, capture_output=True, text=True,
                              env=env, timeout=60, **kw)

    def test_alias_is_the_same_program(self):
        a = self.run_tool("entratool", ["--version"])
        b = self.run_tool("entra-auth-cli", ["--version"])
        self.assertEqual(a.returncode, 0, a.stderr)
        self.assertEqual(a.stdout, b.stdout)
        self.assertTrue(os.path.islink(os.path.join(self.prefix, "bin", "entra-auth-cli")))

    def test_bundled_plugins_are_found_beside_the_executable(self):
        r = self.run_tool("entratool", ["plugins", "list", "-o", "json"])
        self.assertEqual(r.returncode, 0, r.stderr)
        for plugin in ("token", "json", "yaml", "encrypted-file", "client-credentials", "device-code",
                       "interactive-browser", "authorization-code", "refresh"):
            self.assertIn(f'"{plugin}"', r.stdout)
        self.assertIn(os.path.join(self.prefix, "lib", "entratool", "plugins"), r.stdout)
        self.assertNotIn('"refused"', r.stdout)
        self.assertNotIn('"invalid"', r.stdout)

    def test_completions_and_man_page_are_installed_where_shells_and_man_look(self):
        share = os.path.join(self.prefix, "share")
        for path, first in (("bash-completion/completions/entratool", "# bash completion for entratool"),
                            ("zsh/vendor-completions/_entratool", "#compdef entratool"),
                            ("fish/vendor_completions.d/entratool.fish", "# fish completion for entratool")):
            with open(os.path.join(share, path)) as f:
                self.assertTrue(f.read().startswith(first), path)
        self.assertTrue(os.path.islink(os.path.join(share, "bash-completion/completions/entra-auth-cli")))
        page = os.path.join(share, "man", "man1", "entratool.1.gz")
        r = subprocess.run(["man", "-l", page], capture_output=True, text=True, timeout=60,
                           env={"PATH": "/usr/bin:/bin", "MANPAGER": "cat", "HOME": self.home, "LANG": "C"})
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("entratool doctor", r.stdout)

    def test_modules_load_from_the_installed_tree(self):
        created = self.run_tool("entratool", ["create-profile", "--name", "inst", "--tenant-id", "contoso.onmicrosoft.com",
                                              "--client-id", "app-id", "--client-secret-stdin",
                                              "--authority-host", "http://127.0.0.1:9"], input="s3cret-value\n")
        self.assertEqual(created.returncode, 0, created.stderr)
        # The network module: a closed loopback port is a network error (4), not "module missing".
        r = self.run_tool("entratool", ["get-token", "-p", "inst", "--timeout", "10s"])
        self.assertEqual(r.returncode, 4, r.stderr)
        self.assertNotIn("module", r.stderr.lower())
        # The crypto module: an encrypted export.
        r = self.run_tool("entratool", ["config", "export", "-p", "inst", "--file", os.path.join(self.home, "x.export")])
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_trust_module_loads_from_the_installed_tree(self):
        # lib/entratool/entratool-trust.so hashes the pinned formatter under a "pinned" policy in
        # the prefix (<prefix>/etc/entratool/policy.json; removed again for the other tests).
        lib = os.path.join(self.prefix, "lib", "entratool", "plugins", "entratool-token.so")
        with open(lib, "rb") as f:
            pin = hashlib.sha256(f.read()).hexdigest()
        policy = os.path.join(self.prefix, "etc", "entratool", "policy.json")
        os.makedirs(os.path.dirname(policy), exist_ok=True)
        self.addCleanup(os.unlink, policy)
        with open(policy, "w") as f:
            json.dump({"plugins": "pinned", "pins": {"token": pin}}, f)
        r = self.run_tool("entratool", ["plugins", "info", "token", "-o", "json"])
        self.assertEqual(r.returncode, 0, r.stderr)
        doc = json.loads(r.stdout)
        self.assertEqual((doc["status"], doc["sha256"]), ("loaded", pin))


if __name__ == "__main__":
    unittest.main()
