"""Guards the man page and the Debian packages: entratool.1 is generated from the help texts (every
command of the table, every flag of a command's --help) and renders without groff warnings;
`cpack -G DEB` makes an `entratool` package with its dependencies declared (dpkg-shlibdeps) that
holds the program, its plugins and modules, the completions and the man page under /usr, and an
`entratool-dev` package with the SDK; the program extracted from the package into a scratch root
runs and finds its plugins there, and its plugin-trust module checks a pin."""
import glob
import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
import unittest

BIN = os.environ["ENTRATOOL_BIN"]
BUILD = os.environ["ENTRATOOL_BUILD_DIR"]
MAN = os.path.join(BUILD, "share", "man", "man1", "entratool.1")


def render(path):
    """The man page as plain text, and groff's warnings."""
    r = subprocess.run(["groff", "-man", "-Tascii", "-ww", "-P-cbou", path], capture_output=True, text=True,
                       timeout=60, env={"PATH": "/usr/bin:/bin", "LANG": "C"})
    assert r.returncode == 0, r.stderr
    return r.stdout, r.stderr


def clean_env(home):
    return {"PATH": "/usr/bin:/bin", "HOME": home, "ENTRATOOL_CONFIG_DIR": os.path.join(home, "cfg"), "LANG": "C"}


class ManPage(unittest.TestCase):
    def test_man_page_lists_every_command_and_flag_of_the_help(self):
        text, warnings = render(MAN)
        self.assertEqual(warnings, "", "groff warns about entratool.1")
        home = tempfile.mkdtemp(prefix="entratool-man-")
        self.addCleanup(shutil.rmtree, home, True)
        help_text = subprocess.run([BIN, "--help"], capture_output=True, text=True, env=clean_env(home)).stdout
        commands = [line.split()[0] for line in help_text.split("Commands:\n")[1].split("\n\n")[0].splitlines()]
        self.assertIn("doctor", commands)
        for command in commands:
            self.assertIn("entratool " + command, text)
            sub_help = subprocess.run([BIN, command, "--help"], capture_output=True, text=True,
                                      env=clean_env(home)).stdout
            for flag in re.findall(r"^  (?:-\w, )?(--[\w-]+)", sub_help, re.M):
                self.assertIn(flag, text, "%s %s is not in the man page" % (command, flag))
        self.assertIn("entratool config create", text)
        self.assertIn("EXIT STATUS", text)
        self.assertNotIn("__complete", text)

    def test_the_built_page_is_what_the_tool_prints(self):
        with open(MAN) as f:
            built = f.read()
        home = tempfile.mkdtemp(prefix="entratool-man-")
        self.addCleanup(shutil.rmtree, home, True)
        r = subprocess.run([BIN, "__man"], capture_output=True, text=True, env=clean_env(home))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, built)


class DebianPackage(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.out = tempfile.mkdtemp(prefix="entratool-deb-")
        r = subprocess.run(["cpack", "-G", "DEB", "-B", cls.out, "--config", os.path.join(BUILD, "CPackConfig.cmake")],
                           cwd=BUILD, capture_output=True, text=True, timeout=900)
        assert r.returncode == 0, r.stdout + r.stderr
        debs = glob.glob(os.path.join(cls.out, "*.deb"))
        cls.deb = [d for d in debs if os.path.basename(d).startswith("entratool_")][0]
        cls.dev = [d for d in debs if os.path.basename(d).startswith("entratool-dev_")][0]
        cls.root = tempfile.mkdtemp(prefix="entratool-deb-root-")
        r = subprocess.run(["dpkg-deb", "-x", cls.deb, cls.root], capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, r.stderr
        cls.home = tempfile.mkdtemp(prefix="entratool-deb-home-")

    @classmethod
    def tearDownClass(cls):
        for d in (cls.out, cls.root, cls.home):
            shutil.rmtree(d, ignore_errors=True)

    def field(self, deb, name):
        r = subprocess.run(["dpkg-deb", "-f", deb, name], capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stdout.strip()

    def contents(self, deb):
        r = subprocess.run(["dpkg-deb", "-c", deb], capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        return [line.split()[5] for line in r.stdout.splitlines()]

    def test_control_declares_the_package_and_its_dependencies(self):
        info = subprocess.run(["dpkg-deb", "-I", self.deb], capture_output=True, text=True, timeout=60)
        self.assertEqual(info.returncode, 0, info.stderr)
        self.assertEqual(self.field(self.deb, "Package"), "entratool")
        depends = self.field(self.deb, "Depends")
        for lib in ("libc6", "libssl3"):
            self.assertIn(lib, depends)
        self.assertNotIn("libpoco", depends)  # the network module is OpenSSL and sockets only
        self.assertTrue(self.field(self.deb, "Description").startswith("OAuth2 access tokens"))
        self.assertEqual(self.field(self.dev, "Package"), "entratool-dev")

    def test_package_holds_program_plugins_completions_and_man_page_under_usr(self):
        files = self.contents(self.deb)
        for path in ("./usr/bin/entratool", "./usr/bin/entra-auth-cli",
                     "./usr/lib/entratool/entratool-http.so", "./usr/lib/entratool/entratool-crypto.so",
                     "./usr/lib/entratool/entratool-trust.so",
                     "./usr/share/bash-completion/completions/entratool",
                     "./usr/share/bash-completion/completions/entra-auth-cli",
                     "./usr/share/zsh/vendor-completions/_entratool",
                     "./usr/share/fish/vendor_completions.d/entratool.fish",
                     "./usr/share/man/man1/entratool.1.gz"):
            self.assertIn(path, files)
        for plugin in ("json", "token", "yaml", "encrypted-file", "client-credentials", "device-code"):
            self.assertIn("./usr/lib/entratool/plugins/%s.plugin.json" % plugin, files)
        self.assertFalse([f for f in files if f.startswith("./usr/include")], "the SDK is in entratool-dev")
        self.assertFalse([f for f in files if "fixture" in f or "/tests/" in f], "no test fixture is packaged")
        self.assertIn("./usr/include/entratool/sdk/abi.h", self.contents(self.dev))

    def test_the_installed_program_runs_and_finds_its_plugins(self):
        tool = os.path.join(self.root, "usr", "bin", "entratool")
        env = clean_env(self.home)
        r = subprocess.run([tool, "--version"], capture_output=True, text=True, env=env, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(r.stdout.startswith("entratool "))
        r = subprocess.run([tool, "plugins", "list", "-o", "json"], capture_output=True, text=True, env=env,
                           timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(os.path.join(self.root, "usr", "lib", "entratool", "plugins", ""), r.stdout)
        self.assertNotIn('"refused"', r.stdout)
        self.assertNotIn('"invalid"', r.stdout)
        r = subprocess.run([tool, "__complete", "get-token", "-o", ""], capture_output=True, text=True, env=env,
                           timeout=60)
        self.assertIn("json", r.stdout.split())

    def test_the_installed_trust_module_checks_a_pin(self):
        # The packaged (stripped) entratool-trust.so still hashes: under a "pinned" policy in the
        # scratch root (<root>/usr/etc/entratool/policy.json) the pinned formatter loads.
        tool = os.path.join(self.root, "usr", "bin", "entratool")
        lib = os.path.join(self.root, "usr", "lib", "entratool", "plugins", "entratool-token.so")
        with open(lib, "rb") as f:
            pin = hashlib.sha256(f.read()).hexdigest()
        policy = os.path.join(self.root, "usr", "etc", "entratool", "policy.json")
        os.makedirs(os.path.dirname(policy), exist_ok=True)
        self.addCleanup(shutil.rmtree, os.path.dirname(os.path.dirname(policy)), True)
        with open(policy, "w") as f:
            json.dump({"plugins": "pinned", "pins": {"token": pin}}, f)
        r = subprocess.run([tool, "plugins", "info", "token", "-o", "json"], capture_output=True, text=True,
                           env=clean_env(self.home), timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual((json.loads(r.stdout)["status"], json.loads(r.stdout)["sha256"]), ("loaded", pin))

    def test_the_installed_man_page_renders(self):
        page = os.path.join(self.root, "usr", "share", "man", "man1", "entratool.1.gz")
        r = subprocess.run(["man", "-l", page], capture_output=True, text=True, timeout=60,
                           env={"PATH": "/usr/bin:/bin", "MANPAGER": "cat", "MANWIDTH": "100", "LANG": "C",
                                "HOME": self.home})
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("get-token", r.stdout)
        self.assertIn("ENTRATOOL(1)", r.stdout)


if __name__ == "__main__":
    unittest.main()
