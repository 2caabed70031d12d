"""Plugin trust (issue 11): the safe default against shadowing of secret stores and flows, the
ownership and path checks made before anything is loaded, the system policy file, and signed
bundles, and what the checks load (the plugin-trust module lib/entratool/entratool-trust.so, only
when a policy asks for a check). Each test runs a copy of the build in its own prefix, so its
<prefix>/etc/entratool/policy.json touches nobody else. Tests run as root: foreign owners come
from `chown nobody`. Every refusal has its message asserted."""

import base64
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.environ["ENTRATOOL_SOURCE_DIR"], "tests", "support"))
from provider import ProviderPerClass, TENANT_GUID  # noqa: E402

BUILD = os.environ["ENTRATOOL_BUILD_DIR"]
FIXTURES = os.path.join(BUILD, "tests", "fixtures", "bad_plugins")
NOBODY = 65534
TRUST_MODULE = "entratool-trust.so"
FIX = "; reinstall entratool"


def mapped(stderr):
    """What LD_DEBUG=files says the process mapped, among the libraries plugin trust could bring."""
    return {name for name in ("libcrypto", "libsodium", "entratool-crypto", TRUST_MODULE)
            if re.search(r"file=\S*" + re.escape(name), stderr)}


def sha256_file(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


class PrefixCase(unittest.TestCase):
    """A copy of the build's bin/ and lib/entratool/ in a prefix of each test's own."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.base = tempfile.mkdtemp(prefix="entratool-trust-")
        cls.template = os.path.join(cls.base, "template")
        os.makedirs(os.path.join(cls.template, "bin"))
        shutil.copy2(os.path.join(BUILD, "bin", "entratool"), os.path.join(cls.template, "bin", "entratool"))
        shutil.copytree(os.path.join(BUILD, "lib", "entratool"), os.path.join(cls.template, "lib", "entratool"))
        cls.key = os.path.join(cls.base, "key.pem")
        cls.other_key = os.path.join(cls.base, "other.pem")
        for k in (cls.key, cls.other_key):
            subprocess.run(["openssl", "genpkey", "-algorithm", "ed25519", "-out", k], check=True, capture_output=True)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.base, ignore_errors=True)
        super().tearDownClass()

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="case-", dir=self.base)
        self.prefix = os.path.join(self.tmp, "prefix")
        # Hard links where possible: the copy is cheap, and each test still has its own prefix.
        shutil.copytree(self.template, self.prefix, copy_function=os.link)
        self.bin = os.path.join(self.prefix, "bin", "entratool")
        self.bundled = os.path.join(self.prefix, "lib", "entratool", "plugins")
        self.policy_file = os.path.join(self.prefix, "etc", "entratool", "policy.json")
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("ENTRATOOL_", "XDG_"))}
        self.env.update({"HOME": self.tmp, "XDG_DATA_HOME": os.path.join(self.tmp, "data"),
                         "XDG_CONFIG_HOME": os.path.join(self.tmp, "config"),
                         "ENTRATOOL_CONFIG_DIR": os.path.join(self.tmp, "entratool")})
        self.user_plugins = os.path.join(self.tmp, "data", "entratool", "plugins")
        self.trust_module = os.path.join(self.prefix, "lib", "entratool", TRUST_MODULE)

    def run_tool(self, *args, extra_env=None, input=""):
        env = dict(self.env, **(extra_env or {}))
        p = subprocess.run([self.bin, *args], capture_output=True, text=True, timeout=60, env=env, cwd=self.tmp,
                           input=input)
        self.assertGreaterEqual(p.returncode, 0, p.stderr)
        return p

    def write_policy(self, doc, mode=0o644):
        os.makedirs(os.path.dirname(self.policy_file), exist_ok=True)
        with open(self.policy_file, "w") as f:
            f.write(json.dumps(doc))
        os.chmod(self.policy_file, mode)

    def public_key(self, key):
        p = self.run_tool("plugins", "bundle", "create", self.make_folder("scratch-" + os.path.basename(key)),
                          "--name", "k", "--version", "1", "--signing-key", key, "--public-key")
        self.assertEqual(p.returncode, 0, p.stderr)
        return p.stdout.strip()

    def make_folder(self, name, fixture="good"):
        folder = os.path.join(self.tmp, name)
        shutil.copytree(os.path.join(FIXTURES, fixture), folder)
        return folder

    def bundle(self, folder, key=None):
        p = self.run_tool("plugins", "bundle", "create", folder, "--name", "corp", "--version", "1.0",
                          "--signing-key", key or self.key)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout, "")

    def signed_policy(self, **extra):
        doc = {"plugins": "signed", "trusted_keys": [{"key": self.public_key(self.key), "name": "corp-2026"}]}
        doc.update(extra)
        self.write_policy(doc)

    def lib(self, folder):
        return os.path.join(folder, "entratool-fixture-good.so")


class Trust(PrefixCase):
    # ---- bundles -----------------------------------------------------------------------------

    def test_bundle_create_writes_a_signature_openssl_accepts(self):
        folder = self.make_folder("b")
        self.bundle(folder)
        with open(os.path.join(folder, "bundle.json")) as f:
            doc = json.load(f)
        self.assertEqual((doc["bundle"], doc["version"], doc["libraries"][0]["file"]),
                         ("corp", "1.0", "entratool-fixture-good.so"))
        self.assertEqual(doc["libraries"][0]["components"], [{"kind": "formatter", "id": "fixture-good"}])
        pub = os.path.join(self.tmp, "pub.pem")
        subprocess.run(["openssl", "pkey", "-in", self.key, "-pubout", "-out", pub], check=True)
        v = subprocess.run(["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", pub, "-rawin",
                            "-in", os.path.join(folder, "bundle.json"), "-sigfile", os.path.join(folder, "bundle.json.sig")],
                           capture_output=True, text=True)
        self.assertIn("Signature Verified Successfully", v.stdout)

    def test_signed_policy_accepts_a_signed_bundle_and_shows_signer(self):
        folder = self.make_folder("b")
        self.bundle(folder)
        self.signed_policy()
        self.bundle(self.bundled)
        p = self.run_tool("--plugin-dir", folder, "plugins", "info", "fixture-good", "-o", "json")
        self.assertEqual(p.returncode, 0, p.stderr)
        doc = json.loads(p.stdout)
        self.assertEqual((doc["status"], doc["bundle"], doc["signer"]), ("loaded", "corp 1.0", "corp-2026"))
        self.assertRegex(doc["sha256"], r"^[0-9a-f]{64}$")
        # What was hashed is what is loaded: glibc maps the checked descriptor, not the path.
        p = self.run_tool("--plugin-dir", folder, "plugins", "info", "fixture-good", extra_env={"LD_DEBUG": "files"})
        self.assertEqual(p.returncode, 0, p.stderr[-2000:])
        self.assertRegex(p.stderr, r"file=/proc/self/fd/\d+ ")
        self.assertNotRegex(p.stderr, r"file=\S*entratool-fixture-good\.so")
        # The signature and the hashes are checked by the plugin-trust module, which carries its own
        # SHA-256 and Ed25519: no crypto library is loaded (plugins/trust_crypto.h).
        self.assertEqual(mapped(p.stderr), {TRUST_MODULE})
        p = self.run_tool("--plugin-dir", folder, "plugins", "verify", folder, "-o", "json")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(json.loads(p.stdout)["policy"]["plugins"], "signed")
        p = self.run_tool("--plugin-dir", folder, "plugins", "list")
        self.assertIn("policy: %s: plugins signed, search all" % self.policy_file, p.stdout)

    def test_tampered_library_is_refused(self):
        folder = self.make_folder("b")
        self.bundle(folder)
        self.signed_policy()
        with open(self.lib(folder), "r+b") as f:
            f.seek(100)
            b = f.read(1)
            f.seek(100)
            f.write(bytes([b[0] ^ 1]))
        p = self.run_tool("--plugin-dir", folder, "plugins", "info", "fixture-good")
        self.assertEqual(p.returncode, 1)
        self.assertRegex(p.stderr, r"plugin 'fixture-good' \(%s\) does not match bundle 'corp 1.0': its SHA-256 is [0-9a-f]{64}, "
                                   r"bundle.json lists [0-9a-f]{64}; the file was changed after the bundle was made" % self.lib(folder))
        p = self.run_tool("--plugin-dir", folder, "plugins", "verify", folder)
        self.assertEqual(p.returncode, 1)
        self.assertIn("does not match bundle 'corp 1.0'", p.stdout)

    def test_library_swapped_after_bundle_create_is_refused(self):
        folder = self.make_folder("b")
        self.bundle(folder)
        self.signed_policy()
        os.unlink(self.lib(folder))
        shutil.copy2(os.path.join(FIXTURES, "fails", "entratool-fails.so"), self.lib(folder))
        p = self.run_tool("--plugin-dir", folder, "plugins", "info", "fixture-good")
        self.assertEqual(p.returncode, 1)
        self.assertIn("does not match bundle 'corp 1.0': its SHA-256 is", p.stderr)

    def test_unsigned_bundle_under_signed_is_refused(self):
        folder = self.make_folder("b")
        self.bundle(folder)
        os.unlink(os.path.join(folder, "bundle.json.sig"))
        self.signed_policy()
        p = self.run_tool("--plugin-dir", folder, "plugins", "info", "fixture-good")
        self.assertEqual(p.returncode, 1)
        self.assertEqual(p.stderr, "entratool: plugin 'fixture-good' (%s): bundle 'corp' (%s/bundle.json) is not signed "
                                   "(no bundle.json.sig); the system policy '%s' requires a signature by a trusted key\n"
                         % (self.lib(folder), folder, self.policy_file))

    def test_signature_by_an_unknown_key_is_refused(self):
        folder = self.make_folder("b")
        self.bundle(folder, key=self.other_key)
        self.signed_policy()
        p = self.run_tool("--plugin-dir", folder, "plugins", "verify", folder, "-o", "json")
        self.assertEqual(p.returncode, 1)
        row = json.loads(p.stdout)["plugins"][0]
        self.assertEqual(row["status"], "refused")
        self.assertIn("bundle 'corp' (%s/bundle.json) is signed by an unknown key %s (not in the policy's \"trusted_keys\")"
                      % (folder, self.public_key(self.other_key)), row["reason"])

    def test_valid_signature_over_a_modified_bundle_json_is_refused(self):
        folder = self.make_folder("b")
        self.bundle(folder)
        self.signed_policy()
        path = os.path.join(folder, "bundle.json")
        with open(path) as f:
            text = f.read().replace('"version": "1.0"', '"version": "1.1"')
        with open(path, "w") as f:
            f.write(text)
        p = self.run_tool("--plugin-dir", folder, "plugins", "info", "fixture-good")
        self.assertEqual(p.returncode, 1)
        self.assertIn("bundle 'corp' (%s/bundle.json) has a bad signature: bundle.json was changed after it was signed, "
                      "or bundle.json.sig belongs to another file" % folder, p.stderr)

    def test_plugin_not_in_a_bundle_is_refused_under_signed(self):
        folder = self.make_folder("b")
        self.signed_policy()
        p = self.run_tool("--plugin-dir", folder, "plugins", "info", "fixture-good")
        self.assertEqual(p.returncode, 1)
        self.assertIn("plugin 'fixture-good' (%s) is not in a bundle: no bundle.json in '%s' lists "
                      "'entratool-fixture-good.so'" % (self.lib(folder), folder), p.stderr)

    def test_pin_mismatch_under_pinned_is_refused_and_a_match_loads(self):
        folder = self.make_folder("b")
        self.write_policy({"plugins": "pinned", "pins": {"fixture-good": "0" * 64}})
        p = self.run_tool("--plugin-dir", folder, "plugins", "info", "fixture-good")
        self.assertEqual(p.returncode, 1)
        self.assertRegex(p.stderr, r"plugin 'fixture-good' \(%s\) does not match its pin: its SHA-256 is ([0-9a-f]{64}), "
                                   r"the system policy '%s' pins 0{64}" % (self.lib(folder), self.policy_file))
        actual = p.stderr.split("its SHA-256 is ")[1][:64]
        self.write_policy({"plugins": "pinned", "pins": {"fixture-good": actual}})
        p = self.run_tool("--plugin-dir", folder, "plugins", "info", "fixture-good", extra_env={"LD_DEBUG": "files"})
        self.assertEqual(p.returncode, 0, p.stderr[-2000:])
        # The pin is checked by the plugin-trust module, without a crypto library (plugins/trust_crypto.h).
        self.assertEqual(mapped(p.stderr), {TRUST_MODULE})
        p = self.run_tool("--plugin-dir", folder, "plugins", "info", "json")
        self.assertEqual(p.returncode, 1)
        self.assertIn("plugin 'json' (%s/entratool-json.so) is neither pinned nor in a bundle" % self.bundled, p.stderr)

    def pinned_fixture(self):
        folder = self.make_folder("b")
        self.write_policy({"plugins": "pinned", "pins": {"fixture-good": sha256_file(self.lib(folder))}})
        return folder

    def assert_refused_for_the_trust_module(self, folder, reason):
        p = self.run_tool("--plugin-dir", folder, "plugins", "info", "fixture-good")
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn("status:      refused\n", p.stdout)
        self.assertEqual(p.stderr.count("\n"), 1, p.stderr)
        self.assertTrue(p.stderr.startswith("entratool: cannot check '%s': " % self.lib(folder)), p.stderr)
        self.assertIn(reason, p.stderr)
        self.assertTrue(p.stderr.endswith(FIX + "\n"), p.stderr)

    def test_pinned_fails_closed_without_the_trust_module(self):
        folder = self.pinned_fixture()
        os.unlink(self.trust_module)  # a hard link of the template's: unlinking leaves the template whole
        self.assert_refused_for_the_trust_module(
            folder, "plugin-trust module '%s' cannot be read: No such file or directory" % self.trust_module)
        # No policy: nothing is checked, so nothing needs the module.
        os.unlink(self.policy_file)
        p = self.run_tool("--plugin-dir", folder, "plugins", "info", "fixture-good")
        self.assertEqual(p.returncode, 0, p.stderr)

    def test_pinned_fails_closed_with_a_truncated_trust_module(self):
        folder = self.pinned_fixture()
        with open(self.trust_module, "rb") as f:
            head = f.read(4096)
        os.unlink(self.trust_module)
        with open(self.trust_module, "wb") as f:
            f.write(head)
        # A truncated library makes glibc's dlopen die of SIGBUS: it is refused before that.
        self.assert_refused_for_the_trust_module(
            folder, "the plugin-trust module '%s' is truncated: 4096 bytes, its segments need " % self.trust_module)

    def test_a_trust_module_of_another_version_is_never_used(self):
        # The fixture module calls every hash all zeros and every signature valid.
        folder = self.make_folder("b")
        self.write_policy({"plugins": "pinned", "pins": {"fixture-good": "0" * 64}})
        os.unlink(self.trust_module)
        shutil.copy2(os.path.join(BUILD, "tests", "fixtures", "trust_wrong_version", TRUST_MODULE), self.trust_module)
        self.assert_refused_for_the_trust_module(
            folder, "the plugin-trust module '%s' has interface version 99, this entratool needs 1" % self.trust_module)

    def test_signed_fails_closed_with_a_foreign_owned_trust_module(self):
        folder = self.make_folder("b")
        self.bundle(folder)
        self.signed_policy()
        shutil.copy2(self.trust_module, self.trust_module + ".new")
        os.replace(self.trust_module + ".new", self.trust_module)
        os.chown(self.trust_module, NOBODY, -1)
        self.assert_refused_for_the_trust_module(
            folder, "plugin-trust module '%s' is owned by user 'nobody' (uid 65534)" % self.trust_module)

    def test_the_executable_links_no_openssl_or_libsodium_object(self):
        # Linking libcrypto.a into the executable put OPENSSL_cpuid_setup in its .init: about ten
        # CPUID instructions (each a trap to the hypervisor on a VM) in every process. The build's
        # executable is unstripped, so its symbol table names every object linked in.
        exe = os.path.join(BUILD, "bin", "entratool")
        nm = subprocess.run(["nm", exe], capture_output=True, text=True, timeout=60)
        self.assertEqual(nm.returncode, 0, nm.stderr)
        self.assertGreater(len(nm.stdout.splitlines()), 1000, "no symbol table: was the build's executable stripped?")
        self.assertNotIn("OPENSSL_cpuid_setup", nm.stdout)
        self.assertEqual([line for line in nm.stdout.splitlines() if re.search(r"(?i)openssl|sodium", line)], [])
        self.assertTrue(os.path.isfile(os.path.join(BUILD, "lib", "entratool", TRUST_MODULE)))

    # ---- shadowing -----------------------------------------------------------------------------

    def impostor_store(self):
        os.makedirs(self.user_plugins)
        for f in ("encrypted-file.plugin.json", "entratool-encrypted-file.so"):
            shutil.copy2(os.path.join(self.bundled, f), self.user_plugins)

    def test_user_store_may_not_replace_the_bundled_one(self):
        self.impostor_store()
        p = self.run_tool("plugins", "info", "encrypted-file", "-o", "json")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(json.loads(p.stdout)["origin"], "bundled")
        config = os.path.join(self.tmp, "entratool", "config.json")
        self.assertIn("entratool: warning: ignoring secret-store plugin 'encrypted-file' from %s/entratool-encrypted-file.so "
                      "(user) would replace the bundled one at %s/entratool-encrypted-file.so; to allow this deliberately, "
                      "set \"allow_shadowing\": true in %s\n" % (self.user_plugins, self.bundled, config), p.stderr)
        rows = json.loads(self.run_tool("plugins", "list", "-o", "json").stdout)
        user = [r for r in rows if r["id"] == "encrypted-file" and r["origin"] == "user"][0]
        self.assertEqual(user["status"], "refused")
        self.assertTrue(user["reason"].startswith("refused: secret-store plugin 'encrypted-file' from "))

    def test_allow_shadowing_lets_the_user_store_replace_it(self):
        self.impostor_store()
        os.makedirs(os.path.join(self.tmp, "entratool"))
        with open(os.path.join(self.tmp, "entratool", "config.json"), "w") as f:
            f.write('{"allow_shadowing": true}')
        p = self.run_tool("plugins", "info", "encrypted-file", "-o", "json")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(json.loads(p.stdout)["origin"], "user")
        self.assertNotIn("warning", p.stderr)

    def test_a_user_formatter_may_shadow_with_a_warning(self):
        os.makedirs(self.user_plugins)
        for f in ("json.plugin.json", "entratool-json.so"):
            shutil.copy2(os.path.join(self.bundled, f), self.user_plugins)
        p = self.run_tool("plugins", "info", "json", "-o", "json")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(json.loads(p.stdout)["origin"], "user")
        self.assertEqual(p.stderr, "entratool: warning: formatter 'json' from %s/entratool-json.so (user) shadows the "
                                   "bundled one at %s/entratool-json.so\n" % (self.user_plugins, self.bundled))

    # ---- ownership and paths ---------------------------------------------------------------------

    def test_foreign_owned_library_is_refused(self):
        folder = self.make_folder("b")
        os.chown(self.lib(folder), NOBODY, -1)
        p = self.run_tool("--plugin-dir", folder, "plugins", "info", "fixture-good")
        self.assertEqual(p.returncode, 1)
        self.assertIn("library '%s' is owned by user 'nobody' (uid 65534), not by root or you; only files of root or "
                      "your own are trusted" % self.lib(folder), p.stderr)

    def test_foreign_owned_manifest_and_folder_are_refused(self):
        folder = self.make_folder("b")
        os.chown(os.path.join(folder, "fixture-good.plugin.json"), NOBODY, -1)
        p = self.run_tool("--plugin-dir", folder, "plugins", "info", "fixture-good")
        self.assertIn("manifest '%s/fixture-good.plugin.json' is owned by user 'nobody' (uid 65534)" % folder, p.stderr)
        os.chown(folder, NOBODY, -1)
        p = self.run_tool("--plugin-dir", folder, "plugins", "list")
        self.assertIn("note: plugin folder '%s' is owned by user 'nobody' (uid 65534), not by root or you" % folder, p.stdout)

    def test_world_writable_parent_is_refused(self):
        parent = os.path.join(self.tmp, "shared")
        os.mkdir(parent)
        folder = os.path.join(parent, "plugins")
        shutil.copytree(os.path.join(FIXTURES, "good"), folder)
        os.chmod(parent, 0o777)
        p = self.run_tool("--plugin-dir", folder, "plugins", "info", "fixture-good")
        self.assertEqual(p.returncode, 1)
        self.assertIn("plugin folder '%s': folder '%s' on its way is group- or world-writable (and not sticky); "
                      "fix with: chmod go-w '%s'" % (folder, parent, parent), p.stderr)
        os.chmod(parent, 0o1777)  # sticky, like /tmp: acceptable as an ancestor
        p = self.run_tool("--plugin-dir", folder, "plugins", "info", "fixture-good")
        self.assertEqual(p.returncode, 0, p.stderr)

    def test_symlink_through_a_world_writable_folder_is_refused(self):
        shared = os.path.join(self.tmp, "ww")
        os.mkdir(shared)
        shutil.copy2(self.lib(os.path.join(FIXTURES, "good")), shared)
        os.chmod(shared, 0o777)
        folder = self.make_folder("b")
        os.unlink(self.lib(folder))
        os.symlink(os.path.join(shared, "entratool-fixture-good.so"), self.lib(folder))
        p = self.run_tool("--plugin-dir", folder, "plugins", "info", "fixture-good")
        self.assertEqual(p.returncode, 1)
        self.assertIn("library '%s': folder '%s' on its way is group- or world-writable (and not sticky)"
                      % (self.lib(folder), shared), p.stderr)

    # ---- the policy file -------------------------------------------------------------------------

    def test_policy_with_an_unknown_field_is_an_error(self):
        self.write_policy({"plugin": "signed"})
        p = self.run_tool("plugins", "list")
        self.assertEqual(p.returncode, 1)
        self.assertEqual(p.stderr, "entratool: the system policy '%s' is invalid: unknown field 'plugin' (known: plugins, "
                                   "pins, trusted_keys, search, secret_store); ask your administrator to fix it\n" % self.policy_file)
        self.assertEqual(p.stdout, "")

    def test_world_writable_policy_is_ignored_with_a_warning(self):
        self.write_policy({"plugins": "signed", "trusted_keys": []}, mode=0o666)
        p = self.run_tool("plugins", "info", "json")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stderr, "entratool: warning: ignoring the system policy: policy file '%s' is group- or "
                                   "world-writable; fix with: chmod go-w '%s'\n" % (self.policy_file, self.policy_file))

    def test_search_system_ignores_plugin_dir(self):
        folder = self.make_folder("b")
        self.write_policy({"search": "system"})
        p = self.run_tool("--plugin-dir", folder, "plugins", "list")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertNotIn("fixture-good", p.stdout.split("note:")[0])
        self.assertIn("note: ignoring plugin folder '%s' (--plugin-dir): the system policy '%s' allows only system "
                      "plugin folders (\"search\": \"system\")" % (folder, self.policy_file), p.stdout)
        self.assertIn("(--plugin-dir, ENTRATOOL_PLUGIN_PATH and the user folder are ignored)", p.stdout)
        p = self.run_tool("--plugin-dir", folder, "plugins", "info", "fixture-good")
        self.assertEqual(p.returncode, 1)

    def test_policy_secret_store_overrides_the_environment(self):
        self.write_policy({"secret_store": "no-such-store"})
        self.env["ENTRATOOL_KEYSTORE"] = "encrypted-file"
        p = self.run_tool("create-profile", "--name", "x", "--tenant-id", "contoso.onmicrosoft.com",
                          "--client-id", "00000000-0000-0000-0000-000000000001", "--client-secret", "s3cret")
        self.assertEqual(p.returncode, 1)
        self.assertIn("no secret-store plugin 'no-such-store'", p.stderr)
        self.assertNotIn("s3cret", p.stderr)
        # Issue 12: the message says the policy chose it, and nothing lets the user move away.
        self.assertIn("the secret store 'no-such-store' (forced by the system policy %s) cannot be used"
                      % self.policy_file, p.stderr)
        self.assertIn("ask your administrator", p.stderr)
        p = self.run_tool("config", "store", "migrate", "--to", "encrypted-file")
        self.assertEqual(p.returncode, 1)
        self.assertIn("the system policy forces the secret store 'no-such-store'", p.stderr)


class CachedGetToken(ProviderPerClass, PrefixCase):
    """A cached get-token against the test provider, with and without a policy."""

    def setUp(self):
        super().setUp()
        self.idp.reset()
        p = self.run_tool("create-profile", "--name", "app", "--tenant-id", TENANT_GUID,
                          "--client-id", self.idp.simple.client_id, "--scope", "https://graph.microsoft.com/.default",
                          "--authority-host", self.idp.authority_host, "--client-secret-stdin",
                          input=self.idp.simple.secret + "\n")
        self.assertEqual(p.returncode, 0, p.stderr)
        p = self.run_tool("get-token", "-p", "app", "-q")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.token = p.stdout

    def cached_call_maps(self):
        p = self.run_tool("get-token", "-p", "app", "-q", extra_env={"LD_DEBUG": "files"})
        self.assertEqual(p.returncode, 0, p.stderr[-2000:])
        self.assertEqual(p.stdout, self.token)
        return mapped(p.stderr)

    def test_no_policy_maps_no_crypto_library_and_not_the_trust_module(self):
        self.assertEqual(self.cached_call_maps(), set())
        self.assertEqual(self.idp.count(), 1)

    def test_pinned_loads_the_trust_module_and_no_crypto_library(self):
        # Every plugin a cached call loads must be pinned (a missing pin names the plugin).
        pins = {pid: sha256_file(os.path.join(self.bundled, "entratool-%s.so" % pid))
                for pid in ("encrypted-file", "token", "client-credentials")}
        self.write_policy({"plugins": "pinned", "pins": pins})
        self.assertEqual(self.cached_call_maps(), {TRUST_MODULE})
        self.assertEqual(self.idp.count(), 1)


if __name__ == "__main__":
    unittest.main()
