"""The host's modules in lib/entratool/ get the checks a plugin gets (host/core/host_module.cpp)
before anything of them runs: a module that is missing, writable by others, truncated (glibc's
dlopen would die of SIGBUS) or another library in its place is refused with one line naming it,
ending in "; reinstall entratool". The encryption module (entratool-crypto.so, OpenSSL) has one
loader (host/core/crypto_module.cpp) for its three users: certificate credentials (the signer of
client assertions), profile exports (`config export`) and bundle signing (`plugins bundle
create`), each refusing with exit 1; the network module (entratool-http.so) with exit 4. Before,
the signer, the export and the network module loaded a group-writable module, and bundle signing
died of SIGBUS on a truncated one. Each test runs a copy of the build in its own prefix, so
damaging a module touches nobody else."""

import os
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.environ["ENTRATOOL_SOURCE_DIR"], "tests", "support"))
import canary  # noqa: E402

BUILD = os.environ["ENTRATOOL_BUILD_DIR"]
FIX = "; reinstall entratool\n"
TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
CLIENT = "11111111-aaaa-4000-8000-000000000002"


class HostModuleChecks(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.base = tempfile.mkdtemp(prefix="entratool-crypto-module-")
        cls.template = os.path.join(cls.base, "template")
        os.makedirs(os.path.join(cls.template, "bin"))
        shutil.copy2(os.path.join(BUILD, "bin", "entratool"), os.path.join(cls.template, "bin", "entratool"))
        shutil.copytree(os.path.join(BUILD, "lib", "entratool"), os.path.join(cls.template, "lib", "entratool"))
        for d in (cls.base, cls.template, os.path.join(cls.template, "bin"), os.path.join(cls.template, "lib")):
            os.chmod(d, 0o755)
        cls.cert = os.path.join(cls.base, "client.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", cls.cert, "-out",
                        cls.cert + ".crt", "-days", "2", "-subj", "/CN=entratool-test"], check=True, capture_output=True)
        with open(cls.cert, "a") as out, open(cls.cert + ".crt") as crt:
            out.write(crt.read())  # one PEM file with the key and the certificate
        os.chmod(cls.cert, 0o600)
        cls.signing_key = os.path.join(cls.base, "bundle.pem")
        subprocess.run(["openssl", "genpkey", "-algorithm", "ed25519", "-out", cls.signing_key], check=True,
                       capture_output=True)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.base, ignore_errors=True)

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="case-", dir=self.base)
        os.chmod(self.tmp, 0o755)
        self.prefix = os.path.join(self.tmp, "prefix")
        # Hard links: cheap, and each test still has its own prefix to damage (unlink, then write).
        shutil.copytree(self.template, self.prefix, copy_function=os.link)
        self.bin = os.path.join(self.prefix, "bin", "entratool")
        self.module = os.path.join(self.prefix, "lib", "entratool", "entratool-crypto.so")
        self.network_module = os.path.join(self.prefix, "lib", "entratool", "entratool-http.so")
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("ENTRATOOL_", "XDG_", "AZURE_"))}
        self.env.update({"HOME": self.tmp, "XDG_DATA_HOME": os.path.join(self.tmp, "data"),
                         "XDG_CONFIG_HOME": os.path.join(self.tmp, "xdg"),
                         "ENTRATOOL_CONFIG_DIR": os.path.join(self.tmp, "entratool"),
                         "ENTRATOOL_EXPORT_PASSPHRASE": canary.value("key_password", "an export passphrase")})
        self.run_tool("create-profile", "--name", "app", "--tenant-id", TENANT, "--client-id", CLIENT,
                      "--authority-host", "https://127.0.0.1:9", "--client-secret-stdin",
                      input=canary.value("simple_secret", "a client secret") + "\n", expect=0)
        self.run_tool("create-profile", "--name", "cert", "--tenant-id", TENANT, "--client-id", CLIENT,
                      "--authority-host", "https://127.0.0.1:9", "--certificate-path", self.cert, expect=0)
        self.bundle_dir = os.path.join(self.tmp, "bundle")
        os.mkdir(self.bundle_dir, 0o755)
        for name in ("json.plugin.json", "entratool-json.so"):
            shutil.copy2(os.path.join(self.prefix, "lib", "entratool", "plugins", name), self.bundle_dir)

    def run_tool(self, *args, input="", expect=None):
        p = subprocess.run([self.bin, *args], capture_output=True, text=True, timeout=60, env=self.env, cwd=self.tmp,
                           input=input)
        self.assertGreaterEqual(p.returncode, 0, "killed by signal %d: %s" % (-p.returncode, p.stderr))
        if expect is not None:
            self.assertEqual(p.returncode, expect, p.stderr)
        return p

    # The three users, each with what it does once the module is loaded.
    def export(self):
        return self.run_tool("config", "export", "-p", "app", "--file", os.path.join(self.tmp, "app.export"),
                             "--force")

    def certificate_sign_in(self):
        return self.run_tool("get-token", "-p", "cert", "--force", "--timeout", "5s", "--silent")

    def bundle_signing(self):
        return self.run_tool("plugins", "bundle", "create", self.bundle_dir, "--name", "acme", "--version", "1.0",
                             "--signing-key", self.signing_key)

    def assert_each_user_refuses(self, reason):
        for use in (self.export, self.certificate_sign_in, self.bundle_signing):
            with self.subTest(use=use.__name__):
                p = use()
                self.assertEqual(p.returncode, 1, p.stderr)
                self.assertEqual(p.stdout, "")
                self.assertEqual(p.stderr.count("\n"), 1, p.stderr)
                self.assertIn(reason, p.stderr)
                self.assertTrue(p.stderr.endswith(FIX), p.stderr)

    def replace_module(self, data, module=None):
        module = module or self.module
        os.unlink(module)  # a hard link of the template's: unlinking leaves the template whole
        with open(module, "wb") as f:
            f.write(data)
        os.chmod(module, 0o755)

    def fresh_token(self):
        return self.run_tool("get-token", "-p", "app", "--force", "--timeout", "5s", "--silent")

    def assert_the_network_module_is_refused(self, reason):
        p = self.fresh_token()
        self.assertEqual(p.returncode, 4, p.stderr)
        self.assertEqual(p.stdout, "")
        self.assertEqual(p.stderr.count("\n"), 1, p.stderr)
        self.assertIn(reason, p.stderr)
        self.assertTrue(p.stderr.endswith(FIX), p.stderr)

    def test_the_module_as_built_serves_all_three(self):
        self.assertEqual(self.export().returncode, 0)
        self.assertTrue(os.path.getsize(os.path.join(self.tmp, "app.export")) > 0)
        self.assertEqual(self.bundle_signing().returncode, 0)
        self.assertTrue(os.path.exists(os.path.join(self.bundle_dir, "bundle.json")))
        # The signer works and the request then fails on the closed port: a network error, exit 4.
        p = self.certificate_sign_in()
        self.assertEqual(p.returncode, 4, p.stderr)
        self.assertIn("cannot connect to 127.0.0.1:9", p.stderr)
        p = self.fresh_token()
        self.assertEqual(p.returncode, 4, p.stderr)
        self.assertIn("cannot connect to 127.0.0.1:9", p.stderr)

    def test_a_missing_module(self):
        os.unlink(self.module)
        self.assert_each_user_refuses("encryption module '%s' cannot be read: No such file or directory" % self.module)

    def test_a_module_others_can_write(self):
        with open(self.module, "rb") as f:
            data = f.read()
        self.replace_module(data)
        os.chmod(self.module, 0o775)
        self.assert_each_user_refuses("encryption module '%s' is group- or world-writable" % self.module)

    def test_a_truncated_module(self):
        with open(self.module, "rb") as f:
            head = f.read(4096)
        self.replace_module(head)
        self.assert_each_user_refuses(
            "the encryption module '%s' is truncated: 4096 bytes, its segments need " % self.module)

    def test_another_library_in_its_place(self):
        with open(os.path.join(self.prefix, "lib", "entratool", "entratool-trust.so"), "rb") as f:
            self.replace_module(f.read())
        self.assert_each_user_refuses(
            "the encryption module '%s' lacks 'entratool_crypto_abi_version'" % self.module)

    def test_a_network_module_others_can_write(self):
        with open(self.network_module, "rb") as f:
            self.replace_module(f.read(), self.network_module)
        os.chmod(self.network_module, 0o757)
        self.assert_the_network_module_is_refused(
            "network module '%s' is group- or world-writable" % self.network_module)

    def test_a_truncated_network_module(self):
        with open(self.network_module, "rb") as f:
            self.replace_module(f.read(4096), self.network_module)
        self.assert_the_network_module_is_refused(
            "the network module '%s' is truncated: 4096 bytes, its segments need " % self.network_module)


if __name__ == "__main__":
    unittest.main()
