"""Guards `entratool doctor`: every check passes (exit 0) on a sound setup against a loopback
authority, and each failure that can be provoked is one FAIL line saying what to do, with exit 1:
an open config folder or file, a broken profiles.json, a shadowing plugin, secrets of a deleted
profile (and --remove-leftovers), an unreachable authority (a closed loopback port), a clock
skewed against the authority's Date header, incomplete AZURE_* variables (names only, never a
value), and a browser sign-in profile on a machine that cannot open a browser."""
import email.utils
import http.server
import json
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from provider import Provider  # noqa: E402

BIN = os.environ["ENTRATOOL_BIN"]
PLUGINS = os.environ["ENTRATOOL_PLUGIN_DIR"]


class DateServer:
    """A loopback HTTP server whose Date header is `skew` seconds off."""

    def __init__(self, skew=0):
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def date_time_string(self, timestamp=None):
                return email.utils.formatdate(time.time() + outer.skew, usegmt=True)

            def do_GET(self):
                outer.requests += 1
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.skew = skew
        self.requests = 0
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def closed_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Doctor(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="entratool-doctor-")
        self.cfg = os.path.join(self.tmp, "cfg")
        self.env = {k: v for k, v in os.environ.items()
                    if not k.startswith(("ENTRATOOL_", "XDG_", "AZURE_", "HTTPS_PROXY", "https_proxy"))
                    and k not in ("BROWSER", "DISPLAY", "WAYLAND_DISPLAY", "WSL_DISTRO_NAME", "WSL_INTEROP",
                                  "SSL_CERT_FILE")}
        self.env.update({"HOME": self.tmp, "ENTRATOOL_CONFIG_DIR": self.cfg, "LANG": "C.UTF-8",
                         "XDG_DATA_HOME": os.path.join(self.tmp, "data")})
        self.server = DateServer()
        self.addCleanup(self.server.close)
        self.addCleanup(shutil.rmtree, self.tmp, True)

    def run_tool(self, *args, env=None, input=None):
        return subprocess.run([BIN, *args], capture_output=True, text=True, env=env or self.env, input=input,
                              timeout=120)

    def create(self, name, authority=None, public=False):
        args = ["create-profile", "--name", name, "--tenant-id", "contoso.example", "--client-id", "app-" + name,
                "--authority-host", authority or self.server.url]
        if not public:
            args.append("--client-secret-stdin")
        r = self.run_tool(*args, input="s3cret-value\n")
        self.assertEqual(r.returncode, 0, r.stderr)

    def doctor(self, *args, env=None):
        r = self.run_tool("doctor", *args, env=env)
        lines = r.stdout.splitlines()
        return r, lines

    def failing(self, lines, check):
        return [line for line in lines if line.startswith("FAIL  ") and line[6:].startswith(check + ":")]

    def test_a_sound_setup_passes_every_check(self):
        self.create("app")
        r, lines = self.doctor()
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(r.stderr, "")
        for line in lines:
            self.assertRegex(line, r"^(ok|info|skip)  +[a-z-]+: ")
        checks = {line.split()[1].rstrip(":") for line in lines}
        for check in ("config-folder", "file-modes", "profiles", "secret-store", "store-leftovers", "plugins",
                      "policy", "environment", "proxy", "ca-bundle", "authority", "clock", "browser"):
            self.assertIn(check, checks)
        self.assertGreater(self.server.requests, 0, "the authority was contacted")
        self.assertIn("encrypted-file (the default on Linux)", r.stdout)

        j = self.run_tool("doctor", "-o", "json")
        self.assertEqual(j.returncode, 0, j.stderr)
        doc = json.loads(j.stdout)
        self.assertTrue(doc["ok"])
        self.assertEqual({c["status"] for c in doc["checks"]} - {"ok", "info", "skip"}, set())

    def test_offline_contacts_nothing(self):
        self.create("app")
        before = self.server.requests
        r, lines = self.doctor("--offline")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(self.server.requests, before)
        self.assertTrue(any(line.startswith("skip ") and "authority:" in line for line in lines))

    def test_a_config_folder_open_to_others_fails_with_the_chmod_to_run(self):
        self.create("app")
        os.chmod(self.cfg, 0o755)
        r, lines = self.doctor("--offline")
        self.assertEqual(r.returncode, 1)
        [line] = self.failing(lines, "config-folder")
        self.assertIn("chmod 700 '%s'" % self.cfg, line)
        self.assertIn("checks failed", r.stderr)

    def test_a_file_readable_by_others_fails_with_the_chmod_to_run(self):
        self.create("app")
        os.chmod(os.path.join(self.cfg, "profiles.json"), 0o644)
        r, lines = self.doctor("--offline")
        self.assertEqual(r.returncode, 1)
        [line] = self.failing(lines, "file-modes")
        self.assertIn("profiles.json (0644)", line)
        self.assertIn("chmod -R go-rwx", line)

    def test_a_broken_profiles_json_fails(self):
        self.create("app")
        with open(os.path.join(self.cfg, "profiles.json"), "w") as f:
            f.write("{ broken")
        r, lines = self.doctor("--offline")
        self.assertEqual(r.returncode, 1)
        [line] = self.failing(lines, "profiles")
        self.assertIn("profiles.json", line)

    def test_a_shadowing_plugin_fails_and_names_both(self):
        self.create("app")
        user = os.path.join(self.tmp, "user-plugins")
        os.makedirs(user)
        for name in os.listdir(PLUGINS):
            if name.startswith(("json.", "entratool-json.")):
                shutil.copy2(os.path.join(PLUGINS, name), user)
        env = dict(self.env, ENTRATOOL_PLUGIN_PATH=user)
        r, lines = self.doctor("--offline", env=env)
        self.assertEqual(r.returncode, 1, r.stdout)
        [line] = self.failing(lines, "plugins")
        self.assertIn("'json'", line)
        self.assertIn("shadowed by " + os.path.join(user, ""), line)
        self.assertIn("remove one of them", line)

    def test_secrets_of_a_deleted_profile_are_leftovers_that_can_be_removed(self):
        self.create("keep")
        self.create("gone")
        path = os.path.join(self.cfg, "profiles.json")
        with open(path) as f:
            doc = json.load(f)
        doc["profiles"] = [p for p in doc["profiles"] if p["name"] != "gone"]
        with open(path, "w") as f:
            json.dump(doc, f)
        r, lines = self.doctor("--offline")
        self.assertEqual(r.returncode, 1)
        [line] = self.failing(lines, "store-leftovers")
        self.assertIn("(gone)", line)
        self.assertIn("entratool doctor --remove-leftovers", line)
        r, lines = self.doctor("--offline", "--remove-leftovers")
        self.assertEqual(r.returncode, 0, r.stdout)
        r, lines = self.doctor("--offline")
        self.assertEqual(r.returncode, 0, r.stdout)
        # The remaining profile's secret is still there: its token request gets to the authority.
        show = self.run_tool("config", "show", "-p", "keep")
        self.assertEqual(show.returncode, 0, show.stderr)

    def test_an_unreachable_authority_fails_with_advice(self):
        self.create("app", authority="http://127.0.0.1:%d" % closed_port())
        r, lines = self.doctor("--timeout", "10s")
        self.assertEqual(r.returncode, 1)
        [line] = self.failing(lines, "authority")
        self.assertIn("is not reachable", line)
        self.assertIn("HTTPS_PROXY", line)

    def test_a_skewed_clock_fails_against_the_date_header(self):
        self.server.skew = 3600  # the authority's clock is an hour ahead: ours is behind
        self.create("app")
        r, lines = self.doctor("-p", "app")
        self.assertEqual(r.returncode, 1, r.stdout)
        [line] = self.failing(lines, "clock")
        self.assertRegex(line, r"clock is (59m5\ds|60m[0-9]s) behind http://127\.0\.0\.1:")  # Date has 1s resolution
        self.assertIn("synchronise the clock", line)
        self.server.skew = 0
        r, lines = self.doctor("-p", "app")
        self.assertEqual(r.returncode, 0, r.stdout)

    def test_a_managed_identity_profile_contacts_no_authority(self):
        r = self.run_tool("create-profile", "--name", "mi", "--managed-identity", "--scope",
                          "https://management.azure.com/.default")
        self.assertEqual(r.returncode, 0, r.stderr)
        before = self.server.requests
        r, lines = self.doctor("-p", "mi")
        self.assertEqual(r.returncode, 0, r.stdout)
        self.assertTrue(any(line.startswith("info  authority: no authority to check") for line in lines))
        self.assertEqual(self.server.requests, before)

    def test_an_unknown_profile_is_exit_2(self):
        self.create("app")
        r, _ = self.doctor("-p", "nope")
        self.assertEqual(r.returncode, 2)
        self.assertIn("nope", r.stderr)

    def test_azure_variables_are_named_never_shown(self):
        env = dict(self.env, AZURE_CLIENT_SECRET="very-secret-value-123", AZURE_TENANT_ID="contoso.example",
                   AZURE_AUTHORITY_HOST=self.server.url)
        r, lines = self.doctor("--offline", env=env)
        self.assertEqual(r.returncode, 1)
        [line] = self.failing(lines, "environment")
        self.assertIn("AZURE_CLIENT_SECRET", line)
        self.assertIn("set AZURE_CLIENT_ID", line)
        self.assertNotIn("very-secret-value-123", r.stdout + r.stderr)
        j = self.run_tool("doctor", "--offline", "-o", "json", env=env)
        self.assertNotIn("very-secret-value-123", j.stdout + j.stderr)
        self.assertFalse(json.loads(j.stdout)["ok"])

    def test_a_browser_profile_without_a_browser_fails_and_suggests_device_code(self):
        self.create("me", public=True)
        r, lines = self.doctor("--offline")
        self.assertEqual(r.returncode, 1, r.stdout)
        [line] = self.failing(lines, "browser")
        self.assertIn("no DISPLAY", line)
        self.assertIn("-f device-code", line)
        r, lines = self.doctor("--offline", env=dict(self.env, BROWSER="/bin/true"))
        self.assertEqual(r.returncode, 0, r.stdout)
        self.assertTrue(any(line.startswith("ok") and "browser:" in line and "/bin/true" in line for line in lines))


class DoctorAgainstProvider(unittest.TestCase):
    """The authority check over HTTPS against the suite's provider: with its CA bundle the
    authority answers and the clocks agree; without it the TLS failure is a FAIL naming the CA."""

    @classmethod
    def setUpClass(cls):
        cls.idp = Provider(https=True)
        cls.idp.start()

    @classmethod
    def tearDownClass(cls):
        cls.idp.stop()

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="entratool-doctor-idp-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.env = {k: v for k, v in os.environ.items()
                    if not k.startswith(("ENTRATOOL_", "XDG_", "AZURE_")) and k != "SSL_CERT_FILE"}
        self.env.update({"HOME": self.tmp, "ENTRATOOL_CONFIG_DIR": os.path.join(self.tmp, "cfg")})

    def run_tool(self, *args, input=None):
        return subprocess.run([BIN, *args], capture_output=True, text=True, env=self.env, input=input, timeout=120)

    def create(self, name, *extra):
        r = self.run_tool("create-profile", "--name", name, "--tenant-id", self.idp.tenant, "--client-id",
                          self.idp.simple.client_id, "--client-secret-stdin", "--authority-host", self.idp.base_url,
                          *extra, input=self.idp.simple.secret + "\n")
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_with_the_providers_ca_the_authority_answers_and_the_clock_agrees(self):
        self.create("tls", "--ca-bundle", self.idp.ca_path)
        r = self.run_tool("doctor", "-p", "tls")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("ca-bundle: %s: system CAs plus %s" % (self.idp.base_url, self.idp.ca_path), r.stdout)
        self.assertIn("authority: %s answers" % self.idp.base_url, r.stdout)
        self.assertRegex(r.stdout, r"ok +clock: within \d+s of ")

    def test_without_the_ca_the_tls_failure_says_to_give_the_bundle(self):
        self.create("notls")
        r = self.run_tool("doctor", "-p", "notls")
        self.assertEqual(r.returncode, 1, r.stdout)
        line = [x for x in r.stdout.splitlines() if x.startswith("FAIL  authority:")]
        self.assertEqual(len(line), 1, r.stdout)
        self.assertIn("--ca-bundle", line[0])


if __name__ == "__main__":
    unittest.main()
