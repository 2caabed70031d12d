"""`entratool git-credential` driven by real git: `git credential fill` against a git config that
names our helper gets the profile's token as the password (Azure DevOps' scope for dev.azure.com),
and `git ls-remote` against a loopback HTTP server that demands Basic auth with that token as the
password succeeds; `store` does nothing, `erase` (git's reaction to a refused password) marks that
cached token expired so the next `get` fetches a new one; plain http to another host gets nothing."""

import base64
import http.server
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.join(os.environ["ENTRATOOL_SOURCE_DIR"], "tests", "support"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from provider import entratool_bin  # noqa: E402
from test_get_token import GetTokenCase  # noqa: E402

ADO_SCOPE = "499b84ac-1321-427f-aa17-267ca6975798/.default"


class BasicAuthRepo(http.server.ThreadingHTTPServer):
    """Serves a bare repository over git's dumb HTTP protocol on 127.0.0.1, only to a request whose
    Basic password is in `accepted` (any non-empty user name, as Azure DevOps)."""

    def __init__(self, root):
        self.root = root
        self.accepted = set()
        self.seen = []  # (user, password) of every authenticated attempt
        super().__init__(("127.0.0.1", 0), Handler)


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        auth = self.headers.get("Authorization", "")
        if auth.startswith("Basic "):
            user, _, password = base64.b64decode(auth[6:]).decode().partition(":")
            self.server.seen.append((user, password))
            ok = bool(user) and password in self.server.accepted
        else:
            ok = False
        if not ok:
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="test repo"')
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        path = os.path.normpath(self.path.split("?")[0]).lstrip("/")
        full = os.path.join(self.server.root, path)
        if not full.startswith(self.server.root + os.sep) or not os.path.isfile(full):
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        with open(full, "rb") as f:
            data = f.read()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")  # not the smart protocol: git falls back to dumb
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class GitCredential(GetTokenCase):
    def setUp(self):
        super().setUp()
        self.create_profile("ado", self.idp.secret)
        self.gitdir = tempfile.mkdtemp(prefix="entratool-git-")
        self.addCleanup(shutil.rmtree, self.gitdir, True)
        self.gitconfig = os.path.join(self.gitdir, "gitconfig")
        open(self.gitconfig, "w").close()

    def git_env(self, extra=None):
        env = self.sb.env(extra)
        env.update({"GIT_CONFIG_GLOBAL": self.gitconfig, "GIT_CONFIG_NOSYSTEM": "1", "GIT_TERMINAL_PROMPT": "0",
                    "GIT_ASKPASS": "", "SSH_ASKPASS": ""})
        return env

    def git(self, *args, input=None, env=None, check=True):
        r = subprocess.run(["git"] + list(args), input=input, capture_output=True, text=True,
                           env=self.git_env(env), timeout=60)
        if check:
            self.assertEqual(r.returncode, 0, f"git {' '.join(args)}: {r.stderr}")
        return r

    def use_helper(self, url, *helper_args):
        helper = "!" + shlex.quote(entratool_bin()) + " git-credential -p ado " + " ".join(helper_args)
        self.git("config", "--global", f"credential.{url}.helper", helper)

    def fill(self, text):
        out = self.git("credential", "fill", input=text).stdout
        return dict(line.split("=", 1) for line in out.splitlines() if line)

    def test_git_credential_fill_gets_the_token_with_azure_devops_scope(self):
        self.use_helper("https://dev.azure.com")
        got = self.fill("protocol=https\nhost=dev.azure.com\npath=contoso/project/_git/repo\n\n")
        self.assertEqual(got["username"], "entratool")
        self.assertRegex(got["password"], r"^[\w-]+\.[\w-]+\.[\w-]*$")
        last = self.idp.last_request()
        self.assertEqual(last["scope"], ADO_SCOPE)
        self.assertEqual(last["basic_client_id"], self.idp.secret.client_id)
        # A second fill is a cache hit: the same token, no provider call.
        self.assertEqual(self.fill("protocol=https\nhost=dev.azure.com\n\n")["password"], got["password"])
        self.assertEqual(self.idp.count(), 1)
        # A user name in the remote URL is kept.
        self.assertEqual(self.fill("protocol=https\nhost=dev.azure.com\nusername=contoso\n\n")["username"], "contoso")

    def test_helper_speaks_the_protocol_with_expiry_and_only_the_answer_on_stdout(self):
        rc, out, err = self.run_tool(["git-credential", "-p", "ado", "get"],
                                     input="protocol=https\nhost=example.visualstudio.com\n\n")
        self.assertEqual((rc, err), (0, ""))
        lines = out.splitlines()
        self.assertEqual([l.split("=", 1)[0] for l in lines], ["username", "password", "password_expiry_utc"])
        expiry = int(lines[2].split("=", 1)[1])
        self.assertAlmostEqual(expiry, time.time() + 3600, delta=120)
        self.assertEqual(self.idp.last_request()["scope"], ADO_SCOPE)
        # Another host: the profile's scopes; -s overrides.
        self.ok(["git-credential", "-p", "ado", "get"], input="protocol=https\nhost=git.example.com\n\n")
        self.assertEqual(self.idp.last_request()["scope"], "https://graph.microsoft.com/.default")
        self.ok(["git-credential", "-p", "ado", "-s", "api://git-server/.default", "get"],
                input="protocol=https\nhost=dev.azure.com\n\n")
        self.assertEqual(self.idp.last_request()["scope"], "api://git-server/.default")

    def test_git_ls_remote_over_http_with_the_token_as_basic_password(self):
        bare = os.path.join(self.gitdir, "srv", "repo.git")
        work = os.path.join(self.gitdir, "work")
        self.git("init", "-q", "--bare", bare)
        self.git("init", "-q", work)
        self.git("-C", work, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q",
                 "--allow-empty", "-m", "first")
        self.git("-C", work, "push", "-q", bare, "HEAD:refs/heads/main")
        self.git("-C", bare, "update-server-info")
        head = self.git("-C", work, "rev-parse", "HEAD").stdout.strip()

        server = BasicAuthRepo(os.path.join(self.gitdir, "srv"))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self.addCleanup(server.server_close)
        self.addCleanup(server.shutdown)
        url = f"http://127.0.0.1:{server.server_address[1]}/repo.git"

        # Without the helper git has no password and gives up.
        r = self.git("ls-remote", url, check=False)
        self.assertNotEqual(r.returncode, 0)

        self.use_helper(f"http://127.0.0.1:{server.server_address[1]}")
        token, _ = self.ok(["get-token", "-p", "ado", "-q"])
        server.accepted.add(token.strip())
        r = self.git("ls-remote", url)
        self.assertIn(f"{head}\trefs/heads/main", r.stdout)
        self.assertIn(("entratool", token.strip()), server.seen)

        # The server stops accepting that token: git erases it; the next get fetches a new one.
        server.accepted.clear()
        self.idp.reset()
        r = self.git("ls-remote", url, check=False)
        self.assertNotEqual(r.returncode, 0)
        self.assertEqual(self.idp.count(), 0, "erase fetches nothing itself")
        fresh, _ = self.ok(["get-token", "-p", "ado", "-q"])
        self.assertNotEqual(fresh.strip(), token.strip(), "the refused token is no longer served from the cache")
        self.assertEqual(self.idp.count(), 1)
        server.accepted.add(fresh.strip())
        self.assertIn("refs/heads/main", self.git("ls-remote", url).stdout)

    def test_store_and_erase_of_another_password_change_nothing(self):
        token, _ = self.ok(["get-token", "-p", "ado", "-q"])
        for action, text in (("store", f"protocol=https\nhost=dev.azure.com\nusername=x\npassword={token.strip()}\n"),
                             ("erase", "protocol=https\nhost=dev.azure.com\nusername=x\npassword=something-else\n\n"),
                             ("erase", "protocol=https\nhost=dev.azure.com\n\n")):
            rc, out, err = self.run_tool(["git-credential", "-p", "ado", action], input=text)
            self.assertEqual((rc, out, err), (0, "", ""), action)
        self.idp.reset()
        again, _ = self.ok(["get-token", "-p", "ado", "-q"])
        self.assertEqual(again, token)
        self.assertEqual(self.idp.count(), 0)

    def test_refusals(self):
        rc, out, err = self.run_tool(["git-credential", "-p", "ado", "get"],
                                     input="protocol=http\nhost=dev.azure.com\n\n")
        self.assertEqual((rc, out), (1, ""))
        self.assertEqual(err, "entratool: git-credential: refusing to send a token over http to dev.azure.com; "
                              "use an https:// remote\n")
        rc, out, err = self.run_tool(["git-credential", "-p", "ado", "fetch"], input="")
        self.assertEqual((rc, out), (1, ""))
        self.assertIn("unknown git-credential action 'fetch'", err)
        rc, out, err = self.run_tool(["git-credential", "-p", "nope", "get"],
                                     input="protocol=https\nhost=dev.azure.com\n\n")
        self.assertEqual((rc, out), (2, ""))
        rc, out, err = self.run_tool(["git-credential", "-p", "ado", "get"], input="garbage\n\n")
        self.assertEqual((rc, out), (1, ""))
        self.assertIn("expected key=value lines", err)
        self.assertEqual(self.idp.count(), 0)


if __name__ == "__main__":
    unittest.main(verbosity=2)
