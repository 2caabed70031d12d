"""Profiles and the config commands, run through the real entratool with the real secret-store
plugin: create-profile (secret, certificate, PFX, validation), config list/show/edit/delete/
set-default/export/import, file modes, secrets never in files or output, 20 parallel creators,
a corrupt profiles.json left byte-identical. The provider-backed cases prove that a rotated,
exported or deleted secret really is what get-token uses."""

import json
import os
import stat
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.join(os.environ["ENTRATOOL_SOURCE_DIR"], "tests", "support"))
from provider import (PFX_PASSWORD, TENANT_GUID, ProviderPerClass, Sandbox, _material,  # noqa: E402
                      entratool_bin)

GRAPH = "https://graph.microsoft.com/.default"
SECRET = "Sup3r-s3cret~value%+:"  # distinctive, so a leak is found by a plain search
PASSPHRASE = "export pass phrase 1"


class ProfileCase(unittest.TestCase):
    def setUp(self):
        self.sb = Sandbox()
        self.addCleanup(self.sb.close)
        self.secrets_given = []

    def run_tool(self, args, env=None, input=None, timeout=60):
        rc, out, err = self.sb.run(args, env=env, input=input, timeout=timeout)
        self.outputs.append(out + err)
        return rc, out, err

    @property
    def outputs(self):
        if not hasattr(self, "_outputs"):
            self._outputs = []
        return self._outputs

    def ok(self, args, env=None, input=None):
        rc, out, err = self.run_tool(args, env=env, input=input)
        self.assertEqual(rc, 0, f"entratool {' '.join(args)} failed: {err}")
        return out, err

    def fails(self, args, code=1, env=None, input=None):
        rc, out, err = self.run_tool(args, env=env, input=input)
        self.assertEqual(rc, code, f"entratool {' '.join(args)}: expected exit {code}, got {rc}: {err}")
        self.assertEqual(out, "")
        self.assertTrue(err.startswith("entratool: "), err)
        self.assertEqual(err.count("\n"), 1, f"one error line expected: {err!r}")
        return err

    def create(self, name, *extra, secret=SECRET, tenant=TENANT_GUID, client="11111111-2222-3333-4444-555555555555"):
        args = ["create-profile", "--name", name, "--tenant-id", tenant, "--client-id", client, "--scope", GRAPH]
        data = None
        if secret is not None:
            args.append("--client-secret-stdin")
            data = secret + "\n"
            self.secrets_given.append(secret)
        return self.ok(args + list(extra), input=data)

    def profiles_json(self):
        with open(os.path.join(self.sb.config_dir, "profiles.json")) as f:
            return json.load(f)

    def secret_files(self):
        d = os.path.join(self.sb.config_dir, "keystore-encrypted-file")
        return sorted(f for f in os.listdir(d) if f.endswith(".sec")) if os.path.isdir(d) else []

    def assert_no_secret_anywhere(self):
        """No secret given to any command is in any file under the config folder or in any output."""
        for secret in set(self.secrets_given):
            needle = secret.encode()
            for root, _, files in os.walk(self.sb.home):
                for f in files:
                    with open(os.path.join(root, f), "rb") as fh:
                        self.assertNotIn(needle, fh.read(), f"secret found in {os.path.join(root, f)}")
            for text in self.outputs:
                self.assertNotIn(secret, text)

    def tearDown(self):
        self.assert_no_secret_anywhere()


class CreateProfileTest(ProfileCase):
    def test_secret_profile_is_listed_shown_and_its_secret_stays_in_the_store(self):
        out, err = self.create("demo")
        self.assertEqual(out, "")
        self.assertIn("Profile 'demo' created", err)
        doc = self.profiles_json()
        self.assertEqual(doc["version"], 1)
        self.assertEqual(doc["default"], "demo")  # the first profile becomes the default
        p = doc["profiles"][0]
        self.assertEqual((p["name"], p["tenant_id"], p["auth_method"], p["scopes"]), ("demo", TENANT_GUID, "secret", [GRAPH]))
        self.assertEqual(len(self.secret_files()), 1)
        out, _ = self.ok(["config", "show", "-p", "demo"])
        self.assertRegex(out, r"Client secret:\s+stored in encrypted file store at ")
        self.assertIn(os.path.join(self.sb.config_dir, "keystore-encrypted-file"), out)

    def test_client_secret_flag_warns_about_the_process_list(self):
        self.secrets_given.append("argv-secret-123")
        _, err = self.ok(["create-profile", "--name", "ci", "--tenant-id", "common", "--client-id", "abc",
                          "--client-secret", "argv-secret-123"])
        self.assertIn("warning: --client-secret is visible", err)
        self.assertIn("--client-secret-stdin", err)
        self.assertEqual(self.profiles_json()["profiles"][0]["auth_method"], "secret")

    def test_secret_from_azure_client_secret(self):
        self.secrets_given.append("env-secret-456")
        self.ok(["create-profile", "--name", "env", "--tenant-id", "contoso.onmicrosoft.com", "--client-id", "abc"],
                env={"AZURE_CLIENT_SECRET": "env-secret-456"})
        self.assertEqual(self.profiles_json()["profiles"][0]["auth_method"], "secret")
        self.assertEqual(len(self.secret_files()), 1)

    def test_public_client_and_every_optional_field(self):
        self.ok(["create-profile", "--name", "pub", "--tenant-id", "organizations", "--client-id", "abc",
                 "--scope", "openid, profile", "--scope", "https://graph.microsoft.com/User.Read",
                 "--default-flow", "DeviceCode", "--redirect-uri", "http://localhost:8400/cb",
                 "--authority-host", "https://login.microsoftonline.us/", "--client-auth", "body"])
        p = self.profiles_json()["profiles"][0]
        self.assertEqual(p["auth_method"], "none")
        self.assertEqual(p["scopes"], ["openid", "profile", "https://graph.microsoft.com/User.Read"])
        self.assertEqual(p["default_flow"], "device-code")
        self.assertEqual(p["authority_host"], "https://login.microsoftonline.us")
        self.assertEqual(p["settings"], {"client_auth": "body"})
        self.assertEqual(self.secret_files(), [])
        for spelling, canonical in (("interactive", "interactive-browser"), ("ClientCredentials", "client-credentials"),
                                    ("authorization-code", "authorization-code")):
            self.ok(["config", "edit", "-p", "pub", "--default-flow", spelling])
            self.assertEqual(self.profiles_json()["profiles"][0]["default_flow"], canonical)

    def test_no_scope_means_graph_default(self):
        _, err = self.ok(["create-profile", "--name", "bare", "--tenant-id", "common", "--client-id", "abc"])
        self.assertIn("No --scope given", err)
        self.assertEqual(self.profiles_json()["profiles"][0]["scopes"], [GRAPH])

    def test_validation_errors_say_what_to_fix_and_create_nothing(self):
        base = ["create-profile", "--tenant-id", "common", "--client-id", "abc"]
        cases = [
            (["create-profile", "--tenant-id", "common", "--client-id", "abc"], "missing --name"),
            (["create-profile", "--name", "x", "--client-id", "abc"], "missing --tenant-id"),
            (["create-profile", "--name", "x", "--tenant-id", "common"], "missing --client-id"),
            (base + ["--name", "bad name"], "invalid profile name"),
            (base + ["--name", "-x"], "invalid profile name"),
            (["create-profile", "--name", "x", "--tenant-id", "not a tenant", "--client-id", "abc"], "invalid tenant id"),
            (["create-profile", "--name", "x", "--tenant-id", "contoso", "--client-id", "abc"], "contoso.onmicrosoft.com"),
            (["create-profile", "--name", "x", "--tenant-id", "common", "--client-id", "a b"], "must not contain spaces"),
            (["create-profile", "--name", "x", "--tenant-id", "common", "--client-id", ""], "client id is empty"),
            (base + ["--name", "x", "--scope", " , "], "no scopes given"),
            (base + ["--name", "x", "--auth-method", "secret"], "needs the client secret"),
            (base + ["--name", "x", "--auth-method", "password"], "unknown authentication method"),
            (base + ["--name", "x", "--use-certificate"], "--certificate-path"),
            (base + ["--name", "x", "--authority-host", "http://evil.example"], "https://"),
            (base + ["--name", "x", "--client-auth", "header"], "basic or body"),
            (base + ["--name", "x", "--assertion-alg", "ES256"], "PS256 or RS256"),
            (base + ["--name", "x", "--client-secret-stdin"], "standard input was empty"),
            (base + ["--name", "x", "--bogus"], "unknown flag '--bogus'"),
        ]
        for args, message in cases:
            with self.subTest(args=args):
                err = self.fails(args)
                self.assertIn(message, err)
        self.assertFalse(os.path.exists(os.path.join(self.sb.config_dir, "profiles.json")))

    def test_existing_name_needs_force(self):
        self.create("app")
        err = self.fails(["create-profile", "--name", "app", "--tenant-id", "common", "--client-id", "other"])
        self.assertIn("already exists; pass --force", err)
        self.assertEqual(self.profiles_json()["profiles"][0]["client_id"], "11111111-2222-3333-4444-555555555555")
        created = self.profiles_json()["profiles"][0]["created_at"]
        self.ok(["create-profile", "--name", "app", "--tenant-id", "common", "--client-id", "other", "--force"])
        p = self.profiles_json()["profiles"][0]
        self.assertEqual((p["client_id"], p["auth_method"], p["created_at"]), ("other", "none", created))
        self.assertEqual(self.secret_files(), [])  # the replaced profile's secret went with it

    def test_file_modes_folder_0700_files_0600(self):
        self.create("a")
        self.create("b", "--set-default")
        self.assertEqual(self.profiles_json()["default"], "b")
        for root, dirs, files in os.walk(self.sb.config_dir):
            self.assertEqual(stat.S_IMODE(os.stat(root).st_mode), 0o700, root)
            for f in files:
                self.assertEqual(stat.S_IMODE(os.stat(os.path.join(root, f)).st_mode), 0o600, f)

    def test_twenty_parallel_creators_all_succeed_and_are_listed(self):
        procs = []
        env = self.sb.env()
        for i in range(20):
            secret = f"parallel-secret-{i:02d}-xyz"
            self.secrets_given.append(secret)
            p = subprocess.Popen([entratool_bin(), "create-profile", "--name", f"p{i:02d}", "--tenant-id", "common",
                                  "--client-id", f"client-{i}", "--client-secret-stdin"], env=env,
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            procs.append(p)
        for i, p in enumerate(procs):
            out, err = p.communicate(f"parallel-secret-{i:02d}-xyz\n", timeout=120)
            self.outputs.append(out + err)
            self.assertEqual(p.returncode, 0, err)
        out, _ = self.ok(["config", "list", "-o", "json"])
        names = [p["name"] for p in json.loads(out)]
        self.assertEqual(names, [f"p{i:02d}" for i in range(20)])
        self.assertEqual(len(self.secret_files()), 20)
        leftovers = [f for f in os.listdir(self.sb.config_dir) if ".tmp" in f]
        self.assertEqual(leftovers, [])


class CertificateProfileTest(ProfileCase):
    def setUp(self):
        super().setUp()
        self.pki = _material()

    def base(self, name):
        return ["create-profile", "--name", name, "--tenant-id", TENANT_GUID, "--client-id", "cert-client"]

    def test_pem_certificate_and_key(self):
        self.ok(self.base("pem") + ["--use-certificate", "--certificate-path", os.path.join(self.pki, "client.pem"),
                                    "--private-key-path", os.path.join(self.pki, "client.key")])
        p = self.profiles_json()["profiles"][0]
        self.assertEqual(p["auth_method"], "certificate")
        self.assertEqual(p["certificate_path"], os.path.join(self.pki, "client.pem"))
        self.assertEqual(self.secret_files(), [])
        out, _ = self.ok(["config", "show", "-p", "pem"])
        self.assertRegex(out, r"Certificate:\s+" + os.path.join(self.pki, "client.pem"))

    def test_relative_certificate_paths_are_stored_absolute(self):
        r = subprocess.run([entratool_bin()] + self.base("rel") + ["--use-certificate", "--certificate-path", "client.pem",
                                                                   "--private-key-path", "client.key"],
                           cwd=self.pki, env=self.sb.env(), capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.profiles_json()["profiles"][0]["private_key_path"], os.path.join(self.pki, "client.key"))

    def test_certificate_problems_are_clear(self):
        cert = os.path.join(self.pki, "client.pem")
        key = os.path.join(self.pki, "client.key")
        cases = [
            (["--use-certificate", "--certificate-path", os.path.join(self.pki, "nope.pem"), "--private-key-path", key],
             "does not exist"),
            (["--use-certificate", "--certificate-path", cert], "--private-key-path"),
            (["--use-certificate", "--certificate-path", key, "--private-key-path", key], "not a PEM certificate"),
            (["--use-certificate", "--certificate-path", cert, "--private-key-path", cert], "not a PEM private key"),
            (["--certificate-path", cert, "--client-secret", "x-secret-x"], "authentication method is"),
        ]
        self.secrets_given.append("x-secret-x")
        for extra, message in cases:
            with self.subTest(extra=extra):
                self.assertIn(message, self.fails(self.base("c") + extra))

    def test_pfx_with_password_from_stdin(self):
        pfx = os.path.join(self.pki, "client.pfx")
        self.secrets_given.append(PFX_PASSWORD)
        self.ok(self.base("pfx") + ["--use-certificate", "--certificate-path", pfx, "--certificate-password-stdin"],
                input=PFX_PASSWORD + "\n")
        p = self.profiles_json()["profiles"][0]
        self.assertEqual((p["auth_method"], p["certificate_path"]), ("certificate", pfx))
        self.assertNotIn("private_key_path", p)
        self.assertEqual(len(self.secret_files()), 1)
        out, _ = self.ok(["config", "show", "-p", "pfx"])
        self.assertRegex(out, r"Certificate password:\s+stored in ")

    def test_pfx_with_a_wrong_or_missing_password_is_refused(self):
        pfx = os.path.join(self.pki, "client.pfx")
        err = self.fails(self.base("pfx") + ["--use-certificate", "--certificate-path", pfx,
                                             "--certificate-password-stdin"], input="wrong password\n")
        self.assertIn("password is wrong", err)
        err = self.fails(self.base("pfx") + ["--use-certificate", "--certificate-path", pfx])
        self.assertIn("--certificate-password-stdin", err)
        self.assertFalse(os.path.exists(os.path.join(self.sb.config_dir, "profiles.json")))


class ConfigCommandsTest(ProfileCase):
    def test_list_table_and_json(self):
        out, err = self.ok(["config", "list"])
        self.assertEqual(out, "")
        self.assertIn("No profiles yet", err)
        self.create("beta")
        self.ok(["create-profile", "--name", "alpha", "--tenant-id", "common", "--client-id", "pub-client",
                 "--default-flow", "device-code"])
        out, _ = self.ok(["config", "list"])
        lines = out.splitlines()
        self.assertEqual(lines[0].split(), ["NAME", "TENANT", "CLIENT", "ID", "AUTH", "DEFAULT", "FLOW"])
        self.assertEqual(lines[1].split(), ["alpha", "common", "pub-client", "none", "device-code"])
        self.assertEqual(lines[2].split(), ["*", "beta", TENANT_GUID, "11111111-2222-3333-4444-555555555555", "secret", "-"])
        self.ok(["config", "set-default", "alpha"])
        out, _ = self.ok(["config", "list", "-o", "json"])
        doc = json.loads(out)
        self.assertEqual([(p["name"], p["default"]) for p in doc], [("alpha", True), ("beta", False)])
        self.assertNotIn("secret\"", out.replace("\"auth_method\": \"secret\"", ""))
        self.assertIn("unknown output format", self.fails(["config", "list", "-o", "xml"]))

    def test_show_never_prints_a_secret_and_says_where_it_is(self):
        self.create("app", "--default-flow", "client-credentials")
        out, _ = self.ok(["config", "show", "-p", "app", "-o", "json"])
        doc = json.loads(out)
        self.assertEqual(doc["name"], "app")
        self.assertTrue(doc["default"])
        self.assertTrue(doc["client_secret"].startswith("stored in encrypted file store at "))
        self.assertEqual(doc["profiles_file"], os.path.join(self.sb.config_dir, "profiles.json"))
        out2, _ = self.ok(["config", "show", "app"])  # the name may also be the argument
        self.assertIn("Default flow:         client-credentials", out2)

    def test_missing_profile_exits_2_and_names_the_existing_ones(self):
        err = self.fails(["config", "show", "-p", "ghost"], code=2)
        self.assertEqual(err, "entratool: profile 'ghost' not found (no profiles yet; create one with "
                              "'entratool config create')\n")
        self.create("b")
        self.create("a")
        for args in (["config", "show", "-p", "ghost"], ["config", "edit", "-p", "ghost", "--client-id", "x"],
                     ["config", "delete", "-p", "ghost", "--yes"], ["config", "set-default", "ghost"],
                     ["config", "export", "-p", "ghost", "--file", os.path.join(self.sb.home, "x")]):
            with self.subTest(args=args):
                err = self.fails(args, code=2)
                self.assertEqual(err, "entratool: profile 'ghost' not found (existing profiles: a, b)\n")

    def test_edit_changes_only_what_is_given(self):
        self.create("app", "--default-flow", "client-credentials")
        before = self.profiles_json()["profiles"][0]
        self.ok(["config", "edit", "-p", "app", "--tenant-id", "fabrikam.onmicrosoft.com", "--scope", "a b"])
        after = self.profiles_json()["profiles"][0]
        self.assertEqual(after["tenant_id"], "fabrikam.onmicrosoft.com")
        self.assertEqual(after["scopes"], ["a", "b"])
        for field in ("client_id", "auth_method", "default_flow", "created_at"):
            self.assertEqual(after[field], before[field], field)
        self.assertEqual(len(self.secret_files()), 1)
        self.assertIn("invalid tenant id", self.fails(["config", "edit", "-p", "app", "--tenant-id", "x y"]))
        self.assertEqual(self.profiles_json()["profiles"][0]["tenant_id"], "fabrikam.onmicrosoft.com")
        # Without flags and without a terminal there is no one to ask.
        self.assertIn("no terminal to ask questions on", self.fails(["config", "edit", "-p", "app"]))

    def test_edit_to_a_public_client_erases_the_secret(self):
        self.create("app")
        self.assertEqual(len(self.secret_files()), 1)
        self.ok(["config", "edit", "-p", "app", "--auth-method", "none"])
        self.assertEqual(self.profiles_json()["profiles"][0]["auth_method"], "none")
        self.assertEqual(self.secret_files(), [])
        out, _ = self.ok(["config", "show", "-p", "app"])
        self.assertNotIn("Client secret", out)

    def test_delete_asks_unless_yes_and_removes_secrets(self):
        self.create("keep")
        self.create("gone")
        self.assertEqual(len(self.secret_files()), 2)
        err = self.fails(["config", "delete", "-p", "gone"])
        self.assertIn("pass --yes", err)
        self.assertEqual(len(self.profiles_json()["profiles"]), 2)
        _, err = self.ok(["config", "delete", "-p", "gone", "--yes"])
        self.assertIn("deleted", err)
        self.assertEqual([p["name"] for p in self.profiles_json()["profiles"]], ["keep"])
        self.assertEqual(len(self.secret_files()), 1)
        self.ok(["config", "delete", "-p", "keep", "-y"])
        doc = self.profiles_json()
        self.assertEqual((doc["profiles"], doc["default"]), ([], ""))
        self.assertEqual(self.secret_files(), [])

    def test_config_usage_errors(self):
        self.assertIn("needs a subcommand", self.fails(["config"]))
        self.assertIn("unknown subcommand 'config frob'", self.fails(["config", "frob"]))
        self.assertIn("which profile?", self.fails(["config", "show"]))
        out, _ = self.ok(["config", "--help"])
        for sub in ("create", "list", "show", "edit", "delete", "set-default", "export", "import"):
            self.assertIn(sub, out)
        out, _ = self.ok(["create-profile", "--help"])
        for flag in ("--name", "--tenant-id", "--client-id", "--scope", "--client-secret", "--client-secret-stdin",
                     "--use-certificate", "--certificate-path", "--private-key-path", "--certificate-password-stdin",
                     "--default-flow", "--redirect-uri", "--authority-host", "--ca-bundle", "--force"):
            self.assertIn(flag, out)

    def test_corrupt_profiles_json_is_reported_and_left_byte_identical(self):
        self.create("app")
        path = os.path.join(self.sb.config_dir, "profiles.json")
        corrupt = b'{"version": 1, "profiles": [ {"name": "app", \x00 oops'
        with open(path, "wb") as f:
            f.write(corrupt)
        for args in (["config", "list"], ["config", "show", "-p", "app"], ["config", "set-default", "app"],
                     ["config", "delete", "-p", "app", "--yes"], ["config", "edit", "-p", "app", "--client-id", "x"],
                     ["create-profile", "--name", "new", "--tenant-id", "common", "--client-id", "abc"],
                     ["get-token", "-p", "app"]):
            with self.subTest(args=args):
                err = self.fails(args)
                self.assertIn(f"profiles file '{path}' is not valid JSON", err)
                self.assertIn("left untouched", err)
                with open(path, "rb") as f:
                    self.assertEqual(f.read(), corrupt)


class ExportImportTest(ProfileCase):
    def export(self, name, path, *extra, passphrase=PASSPHRASE):
        return self.ok(["config", "export", "-p", name, "--file", path] + list(extra),
                       env={"ENTRATOOL_EXPORT_PASSPHRASE": passphrase})

    def test_round_trip_without_and_with_secrets(self):
        self.create("app", "--default-flow", "client-credentials", "--redirect-uri", "http://localhost:9999/")
        plain = os.path.join(self.sb.home, "plain.export")
        full = os.path.join(self.sb.home, "full.export")
        _, err = self.export("app", plain)
        self.assertIn("without its secrets", err)
        self.export("app", full, "--include-secrets")
        for path in (plain, full):
            self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o600)
            with open(path) as f:
                text = f.read()
            self.assertTrue(text.startswith("entratool-profile-export v1\n"))
            self.assertNotIn(SECRET, text)
            self.assertNotIn("11111111-2222", text)  # encrypted, not just encoded
        self.assertIn("already exists; pass --force", self.fails(
            ["config", "export", "-p", "app", "--file", full], env={"ENTRATOOL_EXPORT_PASSPHRASE": PASSPHRASE}))

        with Sandbox() as other:
            env = {"ENTRATOOL_EXPORT_PASSPHRASE": PASSPHRASE}
            rc, _, err = other.run(["config", "import", "--file", plain], env=env)
            self.assertEqual(rc, 0, err)
            self.assertIn("the export had no client secret", err)
            rc, _, err = other.run(["config", "import", "--file", full, "--name", "copy"], env=env)
            self.assertEqual(rc, 0, err)
            with open(full) as f:  # and from standard input
                rc, _, err = other.run(["config", "import", "--name", "piped"], env=env, input=f.read())
            self.assertEqual(rc, 0, err)
            with open(os.path.join(other.config_dir, "profiles.json")) as f:
                doc = json.load(f)
            by_name = {p["name"]: p for p in doc["profiles"]}
            self.assertEqual(sorted(by_name), ["app", "copy", "piped"])
            for p in by_name.values():
                self.assertEqual((p["client_id"], p["default_flow"], p["redirect_uri"]),
                                 ("11111111-2222-3333-4444-555555555555", "client-credentials", "http://localhost:9999/"))
            secret_dir = os.path.join(other.config_dir, "keystore-encrypted-file")
            self.assertEqual(len([f for f in os.listdir(secret_dir) if f.endswith(".sec")]), 2)
            rc, _, err = other.run(["config", "import", "--file", full], env=env)
            self.assertEqual(rc, 1)
            self.assertIn("already exists; pass --name NEW", err)

    def test_wrong_passphrase_and_tampered_file_are_clear_errors(self):
        self.create("app")
        path = os.path.join(self.sb.home, "app.export")
        self.export("app", path, "--include-secrets")
        err = self.fails(["config", "import", "--file", path, "--name", "x"],
                         env={"ENTRATOOL_EXPORT_PASSPHRASE": "not the passphrase"})
        self.assertIn("wrong passphrase, or the file was modified", err)
        with open(path) as f:
            lines = f.read().split("\n")
        line = lines[2]
        lines[2] = line[:10] + ("A" if line[10] != "A" else "B") + line[11:]
        tampered = os.path.join(self.sb.home, "tampered.export")
        with open(tampered, "w") as f:
            f.write("\n".join(lines))
        err = self.fails(["config", "import", "--file", tampered, "--name", "x"],
                         env={"ENTRATOOL_EXPORT_PASSPHRASE": PASSPHRASE})
        self.assertIn("wrong passphrase, or the file was modified", err)
        with open(tampered, "w") as f:
            f.write("hello\n")
        err = self.fails(["config", "import", "--file", tampered], env={"ENTRATOOL_EXPORT_PASSPHRASE": PASSPHRASE})
        self.assertIn("not an entratool profile export", err)
        self.assertEqual([p["name"] for p in self.profiles_json()["profiles"]], ["app"])

    def test_short_passphrase_and_no_passphrase_source(self):
        self.create("app")
        path = os.path.join(self.sb.home, "x.export")
        self.assertIn("too short", self.fails(["config", "export", "-p", "app", "--file", path],
                                              env={"ENTRATOOL_EXPORT_PASSPHRASE": "short"}))
        self.assertIn("ENTRATOOL_EXPORT_PASSPHRASE", self.fails(["config", "export", "-p", "app", "--file", path]))
        self.assertFalse(os.path.exists(path))


class ProfilesAgainstProviderTest(ProviderPerClass, ProfileCase):
    """The secret that create-profile, edit, export/import store is the one get-token sends."""

    def provider_profile(self, name, secret):
        self.secrets_given.append(secret)
        self.ok(["create-profile", "--name", name, "--tenant-id", TENANT_GUID, "--client-id",
                 self.idp.simple.client_id, "--scope", GRAPH, "--authority-host", self.idp.authority_host,
                 "--client-secret-stdin"], input=secret + "\n")

    def test_rotating_the_secret_with_edit(self):
        self.provider_profile("app", "an-old-and-wrong-secret")
        rc, out, err = self.run_tool(["get-token", "-p", "app"])
        self.assertEqual(rc, 3, err)
        self.secrets_given.append(self.idp.simple.secret)
        self.ok(["config", "edit", "-p", "app", "--client-secret-stdin"], input=self.idp.simple.secret + "\n")
        out, _ = self.ok(["get-token", "-p", "app"])
        self.assertEqual(out.count("."), 2)
        self.assertEqual(len(self.secret_files()), 2)  # the secret and the cached token

    def test_delete_removes_cached_tokens_too(self):
        before = len(self.secret_files())
        self.provider_profile("app", self.idp.simple.secret)
        self.ok(["get-token", "-p", "app"])
        self.assertEqual(len(self.secret_files()), before + 2)
        self.ok(["config", "delete", "-p", "app", "--yes"])
        self.assertEqual(len(self.secret_files()), before)

    def test_exported_secret_works_after_import(self):
        self.provider_profile("app", self.idp.simple.secret)
        path = os.path.join(self.sb.home, "app.export")
        self.ok(["config", "export", "-p", "app", "--include-secrets", "--file", path],
                env={"ENTRATOOL_EXPORT_PASSPHRASE": PASSPHRASE})
        with Sandbox() as other:
            rc, _, err = other.run(["config", "import", "--file", path],
                                   env={"ENTRATOOL_EXPORT_PASSPHRASE": PASSPHRASE})
            self.assertEqual(rc, 0, err)
            rc, out, err = other.run(["get-token", "-p", "app"])
            self.assertEqual(rc, 0, err)
            self.assertEqual(out.count("."), 2)


if __name__ == "__main__":
    unittest.main(verbosity=2)
