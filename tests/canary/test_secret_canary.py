"""Secret canary test (issue 14 item 14): the integration suite's flows run with canary secrets
and passphrases (tests/support/canary.py: client secrets, certificate and PFX passwords, keystore
and export passphrases, the federated token and the GitHub Actions / Azure Pipelines request
tokens, the App Service identity header), every entratool run recorded by
tests/support/canary_exec.py. Afterwards no file a run created or changed (the secret store's
encrypted files excepted), no stdout or stderr, and no environment or argv of a browser entratool
started holds any of them, in plain, base64, url-encoded or hex form.

Every integration suite runs in canary mode but those in EXCLUDED below, which say why. Also checked:
that the recordings really cover the suite (runs, browsers, every kind of secret reached
entratool), that the scanner finds a planted secret in every form, and one run with every secret
set at once and a browser started, for what no single suite test combines.
"""

import base64
import concurrent.futures
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.parse

SOURCE = os.environ["ENTRATOOL_SOURCE_DIR"]
sys.path.insert(0, os.path.join(SOURCE, "tests", "support"))
import canary  # noqa: E402

HERE = os.path.join(SOURCE, "tests")
# Every integration suite (new ones included by default) and the keystore's command-line suite,
# but for these, which run no entratool with a secret through ENTRATOOL_BIN:
EXCLUDED = {
    "test_install.py": "runs an installed copy (cmake --install), not ENTRATOOL_BIN",
    "test_plugin_trust.py": "runs copies of the build in their own prefixes, with no secret",
    "test_host_modules.py": "runs copies of the build in their own prefixes, each with a damaged module",
    "test_crash_safety.py": "kill -9 of the run itself: a killed run leaves no recording",
    "test_host_names_no_flow.py": "reads sources only",
    "test_http.py": "runs the HTTP probe, not entratool",
    "test_help_golden.py": "prints help only",
    "test_no_iostream_start_up.py": "reads the executable's symbol table, runs nothing",
    "test_cached_path_layout.py": "reads the binaries' symbol tables, runs nothing",
    "test_standard_streams.py": "gives entratool a full or closed stdout, which the recording wrapper stands between",
}
CANARY_SUITES = sorted(
    os.path.join("integration", name) for name in os.listdir(os.path.join(HERE, "integration"))
    if name.startswith("test_") and name.endswith(".py") and name not in EXCLUDED) + ["keystore/test_store_cli.py"]
# The kinds of secret that must have reached entratool at least once during the suites.
REQUIRED_KINDS = {
    "client secret": ("AZURE_CLIENT_SECRET", "stdin of --client-secret-stdin", "--client-secret"),
    "certificate password": ("AZURE_CLIENT_CERTIFICATE_PASSWORD", "stdin of --certificate-password-stdin",
                             "--certificate-password"),
    "keystore passphrase": ("ENTRATOOL_KEYSTORE_PASSPHRASE",),
    "export passphrase": ("ENTRATOOL_EXPORT_PASSPHRASE",),
    "federated token": ("federated token",),
    "GitHub Actions request token": ("ACTIONS_ID_TOKEN_REQUEST_TOKEN",),
    "Azure Pipelines request token": ("SYSTEM_ACCESSTOKEN",),
    "App Service identity header": ("IDENTITY_HEADER",),
}
SUITE_TIMEOUT = 600


def make_wrapper(folder):
    """<folder>/entratool: runs the real entratool through canary_exec.py into `folder`."""
    path = os.path.join(folder, "entratool")
    real = os.environ["ENTRATOOL_BIN"]
    with open(path, "w") as f:
        f.write("#!/bin/sh\nexec '%s' '%s' --dir '%s' --real '%s' -- \"$@\"\n" % (
            sys.executable, os.path.join(HERE, "support", "canary_exec.py"), folder, real))
    os.chmod(path, 0o700)
    return path


def canary_env(folder):
    return dict(os.environ, ENTRATOOL_BIN=make_wrapper(folder), **{canary.ENV: folder})


def new_folder():
    folder = tempfile.mkdtemp(prefix="entratool-canary-")
    for sub in ("runs", "children"):
        os.mkdir(os.path.join(folder, sub))
    return folder


def run_suite(suite, env):
    started = time.monotonic()
    try:
        p = subprocess.run([sys.executable, os.path.join(HERE, suite)], env=env, capture_output=True, text=True,
                           timeout=SUITE_TIMEOUT, stdin=subprocess.DEVNULL)
        return suite, p.returncode, (p.stdout + p.stderr)[-3000:], time.monotonic() - started
    except subprocess.TimeoutExpired:
        return suite, None, f"did not finish within {SUITE_TIMEOUT}s", time.monotonic() - started


def all_at_once_browsers(folder):
    """The recordings of browsers started by the all-secrets run (complete ones: .json, not .tmp)."""
    found = []
    for name in os.listdir(os.path.join(folder, "children")):
        if name.endswith(".json"):
            with open(os.path.join(folder, "children", name)) as f:
                child = json.load(f)
            if child["environ"].get("CANARY_ALL_AT_ONCE") == "1":
                found.append(child)
    return found


class ScannerTest(unittest.TestCase):
    """The scanner finds a planted secret in each form, and does not count what a test passed."""

    def test_every_form_of_a_planted_secret_is_found(self):
        secret = canary.CANARIES["client_secret"]
        raw = secret.encode()
        planted = {
            "plain": b"error: " + raw,
            "base64 at offset 0": base64.b64encode(raw),
            "base64 at offset 1": base64.b64encode(b"x" + raw + b"yz"),
            "base64 at offset 2": base64.b64encode(b"xy" + raw + b"z"),
            "base64url in a JWT": b"eyJ." + base64.urlsafe_b64encode(b"{\"s\":\"" + raw + b"\"}").rstrip(b"="),
            "basic auth header": b"Authorization: Basic " + base64.b64encode(
                b"id:" + urllib.parse.quote_plus(secret).encode()),
            "form-urlencoded": b"client_secret=" + urllib.parse.quote_plus(secret).encode(),
            "percent-encoded": urllib.parse.quote(secret, safe="").encode(),
            "lower-case percent-encoding": urllib.parse.quote(secret, safe="").lower().encode(),
            "hex": raw.hex().encode(),
            "upper-case hex": raw.hex().upper().encode(),
        }
        folder = new_folder()
        self.addCleanup(shutil.rmtree, folder, True)
        for i, (name, data) in enumerate(planted.items()):
            run = os.path.join(folder, "runs", str(i))
            os.makedirs(os.path.join(run, "files", "home"))
            with open(os.path.join(run, "argv.json"), "w") as f:
                json.dump(["get-token", "--client-secret", secret], f)  # input, not output: ignored
            with open(os.path.join(run, "files", "home", name), "wb") as f:
                f.write(b"prefix " + data + b" suffix")
        found = {os.path.basename(where) for where, kind, _ in canary.scan(folder)}
        self.assertEqual(found, set(planted))
        with open(os.path.join(folder, "children", "b.json"), "w") as f:
            json.dump({"argv": ["/bin/true"], "environ": {"X": canary.CANARIES["identity_header"]}}, f)
        self.assertIn(("children/b.json", "identity_header"), {(w, k) for w, k, _ in canary.scan(folder)})

    def test_a_harvested_secret_is_a_canary(self):
        folder = new_folder()
        self.addCleanup(shutil.rmtree, folder, True)
        canary.record("ENTRATOOL_EXPORT_PASSPHRASE", "a long export passphrase", folder)
        canary.record("ENTRATOOL_EXPORT_PASSPHRASE", "short", folder)  # too short to tell apart
        os.makedirs(os.path.join(folder, "runs", "r"))
        with open(os.path.join(folder, "runs", "r", "stderr"), "w") as f:
            f.write("the passphrase is too short; 'a long export passphrase' was used\n")
        self.assertEqual([(w, k) for w, k, _ in canary.scan(folder)],
                         [(os.path.join("runs", "r", "stderr"), "ENTRATOOL_EXPORT_PASSPHRASE")])


class CanaryTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.folder = new_folder()
        cls.env = canary_env(cls.folder)
        started = time.monotonic()
        # Two at a time, as ctest -j2 runs the suite.
        # ENTRATOOL_CANARY_SUITES=a.py,b.py runs only those (while working on them; the coverage
        # checks below then fail, so it cannot pass as the whole test).
        only = [s for s in os.environ.get("ENTRATOOL_CANARY_SUITES", "").split(",") if s]
        suites = [s for s in CANARY_SUITES if not only or os.path.basename(s) in only]
        with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
            cls.results = list(pool.map(lambda s: run_suite(s, cls.env), suites))
        cls.elapsed = time.monotonic() - started
        cls.all_at_once()

    @classmethod
    def tearDownClass(cls):
        if os.environ.get("ENTRATOOL_KEEP_CANARY"):
            print(f"canary recordings kept in {cls.folder}", file=sys.stderr)
        else:
            shutil.rmtree(cls.folder, True)

    @classmethod
    def all_at_once(cls):
        """Every secret entratool reads, set at once, while it starts a browser (the interactive
        sign-in, which times out): the browser's environment must hold none of them."""
        # The fixtures read canary mode when first imported: set it first.
        os.environ[canary.ENV] = cls.folder
        os.environ["ENTRATOOL_BIN"] = cls.env["ENTRATOOL_BIN"]
        from cloud_fakes import IDENTITY_HEADER, PIPELINES_TOKEN, REQUEST_TOKEN
        from provider import (GITHUB_ISSUER, GITHUB_SUBJECT, KEY_PASSWORD, TENANT_GUID, TRICKY_SECRET, Provider,
                              Sandbox)
        with Provider() as idp, Sandbox() as sb:
            token_file = os.path.join(sb.home, "federated-token")
            with open(token_file, "w") as f:
                f.write(idp.mint_federated(GITHUB_ISSUER, GITHUB_SUBJECT))
            rc, out, err = sb.run(["create-profile", "--name", "me", "--tenant-id", TENANT_GUID, "--client-id",
                                   idp.public.client_id, "--scope", "https://graph.microsoft.com/.default",
                                   "--authority-host", idp.authority_host, "--default-flow", "interactive-browser",
                                   "--auth-method", "none"])
            if rc != 0:
                raise AssertionError(f"create-profile failed: {err}")
            # 6 s: the browser must be started before the deadline, which also covers starting up
            # (in the recording wrapper) and checking the authorize URL on a loaded machine.
            cls.all_at_once_result = sb.run(["get-token", "-p", "me", "--timeout", "6s"], env={
                "BROWSER": "/bin/true",
                "CANARY_ALL_AT_ONCE": "1",
                "AZURE_CLIENT_SECRET": TRICKY_SECRET,
                "AZURE_CLIENT_CERTIFICATE_PASSWORD": KEY_PASSWORD,
                "ENTRATOOL_KEYSTORE_PASSPHRASE": "cnry9-keystore passphrase",
                "ENTRATOOL_EXPORT_PASSPHRASE": "cnry10-export passphrase",
                "AZURE_FEDERATED_TOKEN_FILE": token_file,
                "ACTIONS_ID_TOKEN_REQUEST_URL": "http://127.0.0.1:9/_apis/token",
                "ACTIONS_ID_TOKEN_REQUEST_TOKEN": REQUEST_TOKEN,
                "SYSTEM_OIDCREQUESTURI": "http://127.0.0.1:9/oidctoken",
                "SYSTEM_ACCESSTOKEN": PIPELINES_TOKEN,
                "IDENTITY_ENDPOINT": "http://127.0.0.1:9/msi/token",
                "IDENTITY_HEADER": IDENTITY_HEADER,
            })
        # entratool waits for its browser only briefly: on a loaded machine the probe may record
        # after entratool's exit. Wait for the recording (before any test scans) rather than race it.
        deadline = time.monotonic() + 30
        while not all_at_once_browsers(cls.folder) and time.monotonic() < deadline:
            time.sleep(0.1)

    def test_the_suites_pass_in_canary_mode(self):
        failed = [f"{suite}: exit {rc}\n{tail}" for suite, rc, tail, _ in self.results if rc != 0]
        self.assertEqual(failed, [], "\n\n".join(failed))
        print("canary suites: %.0fs in all (%s)" % (self.elapsed, ", ".join(
            "%s %.0fs" % (os.path.basename(s), t) for s, _, _, t in self.results)), file=sys.stderr)

    def test_the_recordings_cover_the_suite(self):
        runs = os.listdir(os.path.join(self.folder, "runs"))
        self.assertGreater(len(runs), 300, "every entratool run of the suites is recorded")
        with_output = sum(os.path.exists(os.path.join(self.folder, "runs", r, "stderr")) for r in runs)
        self.assertGreater(with_output, 300)
        with_files = sum(os.path.isdir(os.path.join(self.folder, "runs", r, "files")) for r in runs)
        self.assertGreater(with_files, 50, "files entratool wrote are recorded")
        children = os.listdir(os.path.join(self.folder, "children"))
        self.assertGreater(len(children), 3, "browsers entratool started are recorded")
        harvested = canary.harvested(self.folder)
        kinds = {kind for kind, _ in harvested}
        for what, names in REQUIRED_KINDS.items():
            self.assertTrue(kinds & set(names), f"no {what} reached entratool in canary mode ({sorted(kinds)})")
        # Each of the fixtures' canaries was given to entratool by some test.
        values = {value for _, value in harvested}
        for kind, value in canary.CANARIES.items():
            self.assertIn(value, values, f"the fixtures' {kind} reached entratool")

    def test_all_secrets_at_once_do_not_reach_the_browser(self):
        rc, out, err = self.all_at_once_result
        self.assertEqual(rc, 5, err)
        browsers = all_at_once_browsers(self.folder)
        self.assertEqual(len(browsers), 1, "the browser of the all-secrets run was recorded")
        env = browsers[0]["environ"]
        self.assertIn("PATH", env, "the rest of the environment is passed on")
        reached = [name for name in canary.SECRET_VARIABLES + ("AZURE_FEDERATED_TOKEN_FILE",) if name in env]
        self.assertEqual(reached, [], "these reached the browser")

    def test_no_canary_in_any_output_file_or_child(self):
        findings = canary.scan(self.folder)
        shown = sorted({f"{where}: {kind} as {form!r}" for where, kind, form in findings})
        self.assertEqual(shown[:40], [], f"{len(findings)} leak(s):\n" + "\n".join(shown[:40]))


if __name__ == "__main__":
    unittest.main(verbosity=2)
