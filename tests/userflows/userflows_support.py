"""Shared pieces of the user sign-in flow integration tests (device code, interactive browser,
authorization code, refresh): a test case with one provider per class and a fresh HOME per test,
profiles for the provider's public and web clients, and entratool runs in the background whose
stderr can be watched (for the device code, or the URL printed by --no-browser). Every wait is
bounded and every process started here is killed at the end of its test."""

import os
import re
import selectors
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.environ["ENTRATOOL_SOURCE_DIR"], "tests", "support"))
from provider import Provider, ProviderPerClass, Sandbox, TENANT_GUID, decode_jwt, entratool_bin  # noqa: E402,F401

GRAPH = "https://graph.microsoft.com/.default"
USER_READ = "https://graph.microsoft.com/User.Read"
SOURCE_DIR = os.environ["ENTRATOOL_SOURCE_DIR"]
BROWSER_SH = os.path.join(SOURCE_DIR, "tests", "browser", "browser.sh")


class Background:
    """An entratool run in the background; stderr is read incrementally."""

    def __init__(self, args, env):
        self.proc = subprocess.Popen([entratool_bin()] + list(args), env=env, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.err = b""
        self.out = b""

    def wait_for_stderr(self, pattern, timeout=20):
        """Reads stderr until `pattern` (regex) matches; returns the match. Fails after `timeout` s."""
        sel = selectors.DefaultSelector()
        sel.register(self.proc.stderr, selectors.EVENT_READ)
        deadline = time.monotonic() + timeout
        try:
            while True:
                m = re.search(pattern, self.err.decode("utf-8", "replace"))
                if m:
                    return m
                left = deadline - time.monotonic()
                if left <= 0 or not sel.select(left):
                    raise AssertionError(f"no {pattern!r} on stderr within {timeout}s: {self.err.decode()!r}")
                chunk = os.read(self.proc.stderr.fileno(), 4096)
                if not chunk:
                    raise AssertionError(f"entratool exited before printing {pattern!r}: {self.err.decode()!r}")
                self.err += chunk
        finally:
            sel.close()

    def finish(self, timeout=60):
        """Waits for the exit; returns (rc, stdout, stderr) as text."""
        try:
            out, err = self.proc.communicate(timeout=timeout)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.communicate(timeout=10)
        self.out += out
        self.err += err
        return self.proc.returncode, self.out.decode("utf-8", "replace"), self.err.decode("utf-8", "replace")

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.communicate(timeout=10)


class UserFlowCase(ProviderPerClass, unittest.TestCase):
    """One provider per class (provider_options), a fresh HOME per test."""

    def setUp(self):
        self.idp.reset()
        self.sb = Sandbox()
        self.addCleanup(self.sb.close)

    def run_tool(self, args, env=None, input=None, timeout=60):
        return self.sb.run(args, env=env, input=input, timeout=timeout)

    def ok(self, args, env=None, input=None, timeout=60):
        rc, out, err = self.run_tool(args, env=env, input=input, timeout=timeout)
        self.assertEqual(rc, 0, f"entratool {' '.join(args)} failed: {err}\nprovider log: {self.idp.log()[-1500:]}")
        return out, err

    def background(self, args, env=None):
        b = Background(args, self.sb.env(env))
        self.addCleanup(b.kill)
        return b

    def create_profile(self, name, client, flow, scope=GRAPH, redirect_uri=None, secret=None):
        """create-profile for a provider client; a secret goes through stdin, never argv."""
        args = ["create-profile", "--name", name, "--tenant-id", TENANT_GUID, "--client-id", client.client_id,
                "--scope", scope, "--authority-host", self.idp.authority_host, "--default-flow", flow]
        if redirect_uri:
            args += ["--redirect-uri", redirect_uri]
        data = None
        if secret is not None:
            args.append("--client-secret-stdin")
            data = secret + "\n"
        else:
            args += ["--auth-method", "none"]
        self.ok(args, input=data)

    def token_requests(self, grant_type=None):
        reqs = [r for r in self.idp.requests()["requests"] if r["endpoint"] == "token"]
        if grant_type:
            reqs = [r for r in reqs if r.get("grant_type") == grant_type]
        return reqs


def browser_skip_reason():
    """Why the real-browser tests cannot run here, or None. Under CI=true they must run."""
    missing = []
    if not os.path.exists(os.environ.get("CHROMIUM", "/usr/bin/chromium")):
        missing.append("/usr/bin/chromium")
    if not os.path.isdir(os.path.join(SOURCE_DIR, "tests", "browser", "node_modules", "playwright-core")):
        missing.append("tests/browser/node_modules/playwright-core")
    if not missing or os.environ.get("CI") == "true":
        return None
    return "needs " + " and ".join(missing) + ": run scripts/install-deps.sh --test"


class BrowserLog:
    """The JSON lines tests/browser/browser.js writes; lets a test wait for the browser to exit."""

    def __init__(self, directory):
        self.path = os.path.join(directory, "browser.log")

    def events(self):
        import json
        try:
            with open(self.path) as f:
                return [json.loads(line) for line in f if line.strip()]
        except FileNotFoundError:
            return []

    def wait_exit(self, timeout=30):
        """Waits until every browser that started has logged its exit; kills any that did not."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            ev = self.events()
            started = {e["pid"] for e in ev if e["event"] == "start"}
            exited = {e["pid"] for e in ev if e["event"] == "exit"}
            if started <= exited:
                return ev
            time.sleep(0.2)
        for e in self.events():
            if e["event"] == "start":
                try:
                    os.kill(e["pid"], 9)
                except ProcessLookupError:
                    pass
        raise AssertionError(f"the browser did not exit within {timeout}s: {self.events()}")
