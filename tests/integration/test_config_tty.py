"""The interactive profile commands driven through a pseudo-terminal, as a person (or tmux) would:
the tutorial's `config create` prompts, a bad answer asked again (three at most), secrets and
passphrases read without echo, `config edit` with the current values as defaults, the
`config delete` confirmation, and an export that refuses to go to the terminal."""

import json
import os
import pty
import re
import select
import signal
import sys
import termios
import time
import unittest

sys.path.insert(0, os.path.join(os.environ["ENTRATOOL_SOURCE_DIR"], "tests", "support"))
from provider import PFX_PASSWORD, TENANT_GUID, Sandbox, _material, entratool_bin  # noqa: E402

SECRET = "tty-Secret-value-9f8e7d"
PASSPHRASE = "a long export passphrase"
GRAPH = "https://graph.microsoft.com/.default"


class Terminal:
    """entratool on a new pseudo-terminal (its controlling terminal). Every wait is bounded."""

    def __init__(self, args, env):
        pid, fd = pty.fork()
        if pid == 0:  # the child: becomes entratool
            try:
                os.execve(entratool_bin(), [entratool_bin()] + list(args), env)
            finally:
                os._exit(127)
        self.pid, self.fd = pid, fd
        self.output = b""
        self.pos = 0
        self.rc = None

    def _read(self, timeout):
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if not ready:
            return True
        try:
            data = os.read(self.fd, 4096)
        except OSError:  # EIO: the child closed the terminal
            return False
        if not data:
            return False
        self.output += data
        return True

    def expect(self, pattern, timeout=20):
        """Waits for `pattern` (a regex) in the output after the previous match."""
        deadline = time.monotonic() + timeout
        regex = re.compile(pattern)
        while True:
            m = regex.search(self.text(), self.pos)
            if m:
                self.pos = m.end()
                return m
            left = deadline - time.monotonic()
            if left <= 0 or not self._read(min(left, 0.5)):
                m = regex.search(self.text(), self.pos)
                if m:
                    self.pos = m.end()
                    return m
                raise AssertionError(f"timed out waiting for {pattern!r}; terminal so far:\n{self.text()}")

    def text(self):
        return self.output.decode(errors="replace")

    def send(self, line):
        os.write(self.fd, (line + "\n").encode())

    def send_secret(self, line, timeout=10):
        """Types a secret once the program has switched echo off (as a person would, after the prompt)."""
        deadline = time.monotonic() + timeout
        while termios.tcgetattr(self.fd)[3] & termios.ECHO:
            if time.monotonic() > deadline:
                raise AssertionError("echo was never switched off for a secret prompt")
            self._read(0.02)
        self.send(line)

    def finish(self, timeout=30):
        deadline = time.monotonic() + timeout
        while self._read(0.2) and time.monotonic() < deadline:
            pass
        while time.monotonic() < deadline:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.rc = os.waitstatus_to_exitcode(status)
                os.close(self.fd)
                return self.rc
            time.sleep(0.05)
        self.kill()
        raise AssertionError(f"entratool did not exit; terminal:\n{self.text()}")

    def kill(self):
        if self.rc is None:
            try:
                os.kill(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass
            self.rc = -9
            try:
                os.close(self.fd)
            except OSError:
                pass


class TtyCase(unittest.TestCase):
    def setUp(self):
        self.sb = Sandbox()
        self.addCleanup(self.sb.close)

    def terminal(self, *args, env=None):
        t = Terminal(args, self.sb.env(env))
        self.addCleanup(t.kill)
        return t

    def profiles(self):
        with open(os.path.join(self.sb.config_dir, "profiles.json")) as f:
            return {p["name"]: p for p in json.load(f)["profiles"]}

    def secret_files(self):
        d = os.path.join(self.sb.config_dir, "keystore-encrypted-file")
        return [f for f in os.listdir(d) if f.endswith(".sec")] if os.path.isdir(d) else []

    def assert_nowhere(self, secret, term_text):
        self.assertNotIn(secret, term_text)
        for root, _, files in os.walk(self.sb.home):
            for f in files:
                with open(os.path.join(root, f), "rb") as fh:
                    self.assertNotIn(secret.encode(), fh.read(), os.path.join(root, f))

    def answer_names(self, t, name, tenant, client, scopes):
        """Answers the first four prompts of config create: profile name, tenant, client id, scopes."""
        for pattern, line in ((r"Profile name: ", name), (r"Tenant ID: ", tenant), (r"Client ID: ", client),
                              (r"Scopes \(comma-separated\): ", scopes)):
            t.expect(pattern)
            t.send(line)

    def decline_flow_and_redirect(self, t):
        """Answers no to setting a default flow and to a custom redirect URI."""
        t.expect(r"Set default OAuth2 flow\? \[y/N\]: ")
        t.send("n")
        t.expect(r"Configure custom redirect URI\? \[y/N\]: ")
        t.send("n")
        self.public_cloud(t)

    def public_cloud(self, t):
        """Enter at the authority question: the public cloud (stored as the default, no field)."""
        t.expect(r"Authority host or cloud \(public, usgov, china, or a URL\) \[public\]: ")
        t.send("")

    def tutorial(self, t, name="demo-profile"):
        self.answer_names(t, name, TENANT_GUID, "11111111-2222-3333-4444-555555555555", GRAPH + ", openid")
        t.expect(r"Authentication method \(secret, certificate, none\) \[secret\]: ")
        t.send("ClientSecret")
        t.expect(r"Client secret: ")
        t.send_secret(SECRET)
        t.expect(r"Set default OAuth2 flow\? \[y/N\]: ")
        t.send("y")
        t.expect(r"Default flow \(.*\): ")
        t.send("ClientCredentials")
        t.expect(r"Configure custom redirect URI\? \[y/N\]: ")
        t.send("n")
        self.public_cloud(t)


class ConfigCreateTest(TtyCase):
    def test_tutorial_prompts_create_the_profile_without_echoing_the_secret(self):
        t = self.terminal("config", "create")
        self.tutorial(t)
        t.expect(r"Profile 'demo-profile' created")
        self.assertEqual(t.finish(), 0, t.text())
        p = self.profiles()["demo-profile"]
        self.assertEqual((p["tenant_id"], p["auth_method"], p["default_flow"]), (TENANT_GUID, "secret", "client-credentials"))
        self.assertEqual(p["scopes"], [GRAPH, "openid"])
        self.assertNotIn("redirect_uri", p)
        self.assertEqual(len(self.secret_files()), 1)
        self.assert_nowhere(SECRET, t.text())

    def test_bad_answers_are_asked_again_three_times_at_most(self):
        t = self.terminal("config", "create")
        t.expect(r"Profile name: ")
        t.send("bad name!")
        t.expect(r"invalid profile name 'bad name!'")
        t.expect(r"Profile name: ")
        t.send("ok-name")
        for attempt in range(3):
            t.expect(r"Tenant ID: ")
            t.send("not a tenant")
            t.expect(r"invalid tenant id 'not a tenant'")
        t.expect(r"entratool: .*gave up after 3 attempts")
        self.assertEqual(t.finish(), 1, t.text())
        self.assertFalse(os.path.exists(os.path.join(self.sb.config_dir, "profiles.json")))

    def test_an_existing_name_is_refused_at_the_prompt(self):
        t = self.terminal("config", "create")
        self.tutorial(t, "first")
        self.assertEqual(t.finish(), 0, t.text())
        t = self.terminal("config", "create")
        t.expect(r"Profile name: ")
        t.send("first")
        t.expect(r"profile 'first' already exists")
        self.answer_names(t, "second", "common", "public-app", "openid profile")
        t.expect(r"Authentication method .*: ")
        t.send("none")
        t.expect(r"Set default OAuth2 flow\? \[y/N\]: ")
        t.send("")
        t.expect(r"Configure custom redirect URI\? \[y/N\]: ")
        t.send("y")
        t.expect(r"Redirect URI: ")
        t.send("http://localhost:8400/callback")
        self.public_cloud(t)
        self.assertEqual(t.finish(), 0, t.text())
        p = self.profiles()["second"]
        self.assertEqual((p["auth_method"], p["redirect_uri"]), ("none", "http://localhost:8400/callback"))
        self.assertNotIn("default_flow", p)
        self.assertEqual(len(self.secret_files()), 1)  # only first's secret

    def test_create_profile_without_flags_on_a_terminal_asks_too(self):
        t = self.terminal("create-profile")
        self.tutorial(t, "asked")
        self.assertEqual(t.finish(), 0, t.text())
        self.assertIn("asked", self.profiles())
        self.assert_nowhere(SECRET, t.text())

    def test_create_profile_use_certificate_asks_with_certificate_as_the_default(self):
        pki = _material()
        t = self.terminal("create-profile", "--use-certificate")
        self.answer_names(t, "myapp-cert", "common", "cert-app", GRAPH)
        t.expect(r"Authentication method \(secret, certificate, none\) \[certificate\]: ")
        t.send("")
        t.expect(r"Certificate path .*: ")
        t.send(os.path.join(pki, "client.pem"))
        t.expect(r"Private key path .*: ")
        t.send(os.path.join(pki, "client.key"))
        self.decline_flow_and_redirect(t)
        self.assertEqual(t.finish(), 0, t.text())
        self.assertEqual(self.profiles()["myapp-cert"]["auth_method"], "certificate")

    def test_certificate_answers_pem_and_pfx(self):
        pki = _material()
        t = self.terminal("config", "create")
        self.answer_names(t, "pem", "contoso.onmicrosoft.com", "cert-app", GRAPH)
        t.expect(r"Authentication method .*: ")
        t.send("certificate")
        t.expect(r"Certificate path \(PEM, or \.pfx/\.p12\): ")
        t.send(os.path.join(pki, "missing.pem"))
        t.expect(r"does not exist")
        t.expect(r"Certificate path .*: ")
        t.send(os.path.join(pki, "client.pem"))
        t.expect(r"Private key path .*: ")
        t.send(os.path.join(pki, "client.key"))
        self.decline_flow_and_redirect(t)
        self.assertEqual(t.finish(), 0, t.text())
        p = self.profiles()["pem"]
        self.assertEqual((p["certificate_path"], p["private_key_path"]),
                         (os.path.join(pki, "client.pem"), os.path.join(pki, "client.key")))

        t = self.terminal("config", "create")
        self.answer_names(t, "pfx", "common", "cert-app", GRAPH)
        t.expect(r"Authentication method .*: ")
        t.send("cert")
        t.expect(r"Certificate path .*: ")
        t.send(os.path.join(pki, "client.pfx"))
        t.expect(r"Certificate password \(Enter if none\): ")
        t.send_secret("wrong password")
        t.expect(r"password is wrong")
        t.expect(r"Certificate password \(Enter if none\): ")
        t.send_secret(PFX_PASSWORD)
        self.decline_flow_and_redirect(t)
        self.assertEqual(t.finish(), 0, t.text())
        self.assertEqual(self.profiles()["pfx"]["certificate_path"], os.path.join(pki, "client.pfx"))
        self.assertEqual(len(self.secret_files()), 1)
        self.assert_nowhere(PFX_PASSWORD, t.text())


class AuthorityQuestionTest(TtyCase):
    def create(self, name, answers):
        t = self.terminal("config", "create")
        self.answer_names(t, name, "common", "public-app", GRAPH)
        t.expect(r"Authentication method .*: ")
        t.send("none")
        t.expect(r"Set default OAuth2 flow\? \[y/N\]: ")
        t.send("")
        t.expect(r"Configure custom redirect URI\? \[y/N\]: ")
        t.send("")
        for pattern, line in answers:
            t.expect(pattern)
            if line is not None:
                t.send(line)
        self.assertEqual(t.finish(), 0, t.text())
        return self.profiles()[name]

    def test_config_create_asks_for_the_cloud_or_authority_host(self):
        q = r"Authority host or cloud \(public, usgov, china, or a URL\) \[public\]: "
        p = self.create("gov", [(q, "moon"), (r"answer public, usgov, china, or the authority's https:// URL", None),
                                (q, "USGov")])
        self.assertEqual(p["authority_host"], "https://login.microsoftonline.us")
        p = self.create("cn", [(q, "china")])
        self.assertEqual(p["authority_host"], "https://login.chinacloudapi.cn")
        p = self.create("url", [(q, "http://login.example.com"), (r"plain http://", None),
                                (q, "https://Login.Example.com/")])
        self.assertEqual(p["authority_host"], "https://login.example.com")
        p = self.create("pub", [(q, "public")])
        self.assertNotIn("authority_host", p)

    def test_config_edit_offers_the_current_authority(self):
        self.create("gov", [(r"\[public\]: ", "usgov")])
        t = self.terminal("config", "edit", "-p", "gov")
        for pattern in (r"Tenant ID .*: ", r"Client ID .*: ", r"Scopes .*: ", r"Authentication method .*: ",
                        r"Set default OAuth2 flow\? \[y/N\]: ", r"Configure custom redirect URI\? \[y/N\]: "):
            t.expect(pattern)
            t.send("")
        t.expect(r"Authority host or cloud \(public, usgov, china, or a URL\) \[https://login\.microsoftonline\.us\]: ")
        t.send("")
        self.assertEqual(t.finish(), 0, t.text())
        self.assertEqual(self.profiles()["gov"]["authority_host"], "https://login.microsoftonline.us")


class CreateProfileAsksWhatIsMissingTest(TtyCase):
    def test_spec_004_certificate_example_asks_tenant_and_client_id(self):
        pki = _material()
        args = ("create-profile", "--name", "secure-app", "--use-certificate",
                "--certificate-path", os.path.join(pki, "client.pem"), "--private-key-path", os.path.join(pki, "client.key"))
        t = self.terminal(*args)
        t.expect(r"Tenant ID: ")
        t.send("not a tenant")
        t.expect(r"invalid tenant id 'not a tenant'")
        t.expect(r"Tenant ID: ")
        t.send("contoso.onmicrosoft.com")
        t.expect(r"Client ID: ")
        t.send("cert-app")
        t.expect(r"Profile 'secure-app' created")
        self.assertEqual(t.finish(), 0, t.text())
        p = self.profiles()["secure-app"]
        self.assertEqual((p["tenant_id"], p["client_id"], p["auth_method"], p["certificate_path"]),
                         ("contoso.onmicrosoft.com", "cert-app", "certificate", os.path.join(pki, "client.pem")))
        self.assertEqual(p["scopes"], [GRAPH])

        # Not a terminal: the flags' own error, as before.
        rc, out, err = self.sb.run(list(args))
        self.assertEqual((rc, out), (1, ""))
        self.assertEqual(err, "entratool: missing --tenant-id: give the directory (tenant) id from the app "
                              "registration's overview (or --issuer URL for another OpenID provider)\n")

    def test_name_and_secret_are_asked_and_the_secret_without_echo(self):
        t = self.terminal("create-profile", "--tenant-id", TENANT_GUID, "--client-id", "ci-app",
                          "--auth-method", "secret")
        t.expect(r"Profile name: ")
        t.send("asked-ci")
        t.expect(r"Client secret: ")
        t.send_secret(SECRET)
        t.expect(r"Profile 'asked-ci' created; the client secret is in the secret store")
        self.assertEqual(t.finish(), 0, t.text())
        p = self.profiles()["asked-ci"]
        self.assertEqual((p["auth_method"], p["client_id"]), ("secret", "ci-app"))
        self.assertEqual(len(self.secret_files()), 1)
        self.assert_nowhere(SECRET, t.text())
        self.assertNotIn("--client-secret is visible", t.text())

    def test_certificate_path_key_and_pfx_password_are_asked(self):
        pki = _material()
        t = self.terminal("create-profile", "--name", "pem-app", "--tenant-id", "common", "--client-id", "cert-app",
                          "--use-certificate")
        t.expect(r"Certificate path \(PEM, or \.pfx/\.p12\): ")
        t.send(os.path.join(pki, "client.pem"))
        t.expect(r"Private key path \(PEM\): ")
        t.send(os.path.join(pki, "client.key"))
        self.assertEqual(t.finish(), 0, t.text())
        self.assertEqual(self.profiles()["pem-app"]["private_key_path"], os.path.join(pki, "client.key"))

        t = self.terminal("create-profile", "--name", "pfx-app", "--tenant-id", "common", "--client-id", "cert-app",
                          "--certificate-path", os.path.join(pki, "client.pfx"))
        t.expect(r"Certificate password: ")
        t.send_secret("wrong")
        t.expect(r"password is wrong")
        t.expect(r"Certificate password: ")
        t.send_secret(PFX_PASSWORD)
        t.expect(r"Profile 'pfx-app' created")
        self.assertEqual(t.finish(), 0, t.text())
        self.assertEqual(self.profiles()["pfx-app"]["certificate_path"], os.path.join(pki, "client.pfx"))
        self.assertEqual(len(self.secret_files()), 1)
        self.assert_nowhere(PFX_PASSWORD, t.text())


class EditDeleteExportTest(TtyCase):
    def setUp(self):
        super().setUp()
        t = self.terminal("config", "create")
        self.tutorial(t, "app")
        self.assertEqual(t.finish(), 0, t.text())

    def test_edit_without_flags_offers_the_current_values(self):
        before = self.profiles()["app"]
        t = self.terminal("config", "edit", "-p", "app")
        t.expect(r"Tenant ID \[" + TENANT_GUID + r"\]: ")
        t.send("")
        t.expect(r"Client ID \[11111111-2222-3333-4444-555555555555\]: ")
        t.send("99999999-2222-3333-4444-555555555555")
        t.expect(r"Scopes \(comma-separated\) \[" + re.escape(GRAPH + ",openid") + r"\]: ")
        t.send("")
        t.expect(r"Authentication method \(secret, certificate, none\) \[secret\]: ")
        t.send("")
        t.expect(r"Client secret \(Enter keeps the stored one\): ")
        t.send_secret("")
        t.expect(r"Set default OAuth2 flow\? \[Y/n\]: ")
        t.send("")
        t.expect(r"Default flow \(.*\) \[client-credentials\]: ")
        t.send("")
        t.expect(r"Configure custom redirect URI\? \[y/N\]: ")
        t.send("")
        t.expect(r"Authority host or cloud \(public, usgov, china, or a URL\) \[public\]: ")
        t.send("")
        t.expect(r"Profile 'app' updated")
        self.assertEqual(t.finish(), 0, t.text())
        after = self.profiles()["app"]
        self.assertEqual(after["client_id"], "99999999-2222-3333-4444-555555555555")
        for field in ("tenant_id", "scopes", "auth_method", "default_flow", "created_at"):
            self.assertEqual(after[field], before[field], field)
        self.assertEqual(len(self.secret_files()), 1)

    def test_delete_asks_and_no_keeps_the_profile(self):
        t = self.terminal("config", "delete", "-p", "app")
        t.expect(r"Delete profile 'app' with its secrets and cached tokens\? \[y/N\] ")
        t.send("n")
        t.expect(r"Profile 'app' kept")
        self.assertEqual(t.finish(), 0, t.text())
        self.assertIn("app", self.profiles())
        t = self.terminal("config", "delete", "-p", "app")
        t.expect(r"\[y/N\] ")
        t.send("y")
        t.expect(r"deleted")
        self.assertEqual(t.finish(), 0, t.text())
        self.assertEqual(self.profiles(), {})
        self.assertEqual(self.secret_files(), [])

    def test_export_refuses_the_terminal_and_asks_the_passphrase_twice(self):
        t = self.terminal("config", "export", "-p", "app", env={"ENTRATOOL_EXPORT_PASSPHRASE": PASSPHRASE})
        t.expect(r"entratool: refusing to write the export to a terminal; pass --file FILE")
        self.assertEqual(t.finish(), 1, t.text())

        path = os.path.join(self.sb.home, "app.export")
        t = self.terminal("config", "export", "-p", "app", "--include-secrets", "--file", path)
        t.expect(r"Passphrase to encrypt the export: ")
        t.send_secret(PASSPHRASE)
        t.expect(r"Repeat the passphrase: ")
        t.send_secret(PASSPHRASE + "x")
        t.expect(r"the passphrases differ")
        t.expect(r"Passphrase to encrypt the export: ")
        t.send_secret(PASSPHRASE)
        t.expect(r"Repeat the passphrase: ")
        t.send_secret(PASSPHRASE)
        t.expect(r"exported to ")
        self.assertEqual(t.finish(), 0, t.text())
        self.assertNotIn(PASSPHRASE, t.text())

        t = self.terminal("config", "import", "--file", path, "--name", "copy")
        t.expect(r"Passphrase of the export: ")
        t.send_secret(PASSPHRASE)
        t.expect(r"Profile 'copy' imported")
        self.assertEqual(t.finish(), 0, t.text())
        self.assertNotIn(PASSPHRASE, t.text())
        self.assertEqual(sorted(self.profiles()), ["app", "copy"])
        self.assertEqual(len(self.secret_files()), 2)
        self.assert_nowhere(SECRET, t.text())


if __name__ == "__main__":
    unittest.main(verbosity=2)
