"""Guards how the host writes stdout and stderr and reads stdin (host/core/output.h), which it
does without iostreams: the same bytes, the same order and the same outcome when stdout cannot be
written as when std::cout and std::cerr did it.
- stdout and stderr on one pipe (2>&1) keep their order: stdout is flushed before stderr is
  written (std::cerr's tie to std::cout), so a summary comes before the error line after it;
- a closed pipe on stdout ends the process with SIGPIPE, as for any Unix filter;
- a full device (/dev/full) or a closed descriptor on stdout is one line on stderr and exit 1 (it
  was silent, exit 0, when std::cout wrote: a script took the empty output for a token);
- stdin is read whole (--client-secret-stdin) and line by line (git-credential)."""

import os
import signal
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.environ["ENTRATOOL_SOURCE_DIR"], "tests", "integration"))
from test_get_token import GetTokenCase  # noqa: E402
from test_inspect import ENTRA_HEADER, entra_v1, make_token  # noqa: E402

BIN = os.environ["ENTRATOOL_BIN"]


class StandardStreams(GetTokenCase):
    def setUp(self):
        super().setUp()
        self.create_profile("app", self.idp.simple)
        self.token = self.token_of(self.ok(["get-token", "-p", "app", "--silent"])[0])
        self.idp.reset()

    def spawn(self, args, stdout, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL):
        p = subprocess.run([BIN, *args], env=self.sb.env(), stdin=stdin, stdout=stdout, stderr=stderr, timeout=60)
        return p.returncode, (p.stderr or b"").decode()

    def test_a_cached_token_and_its_status_line_on_one_pipe(self):
        p = subprocess.run([BIN, "get-token", "-p", "app"], env=self.sb.env(), stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)
        self.assertEqual(p.returncode, 0)
        status, token = p.stdout.decode().splitlines()
        self.assertRegex(status, r"^Using the cached token for profile 'app' \(valid for \d+ more minutes\)$")
        self.assertEqual(token, self.token)
        self.assertEqual(self.idp.count(), 0)

    def test_stdout_is_flushed_before_an_error_line_on_stderr(self):
        now = int(time.time())
        expired = make_token(ENTRA_HEADER, entra_v1(now - 3600, nbf=now - 7200))
        p = subprocess.run([BIN, "discover", expired], env=self.sb.env(), stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)
        self.assertEqual(p.returncode, 1)
        lines = p.stdout.decode().splitlines()
        self.assertEqual(lines[0], "Token Information:")
        self.assertRegex(lines[-1], r"^entratool: the token expired 1 hour ago \(at .* UTC\)$")
        self.assertEqual(sum(line.startswith("entratool:") for line in lines), 1)

    def test_a_closed_pipe_on_stdout_ends_the_process_with_sigpipe(self):
        for args in (["get-token", "-p", "app", "--silent"], ["get-token", "-p", "app", "-o", "json", "--silent"],
                     ["--help"], ["--version"]):
            with self.subTest(args=args):
                read_end, write_end = os.pipe()
                os.close(read_end)
                try:
                    rc, err = self.spawn(args, stdout=write_end)
                finally:
                    os.close(write_end)
                self.assertEqual((rc, err), (-signal.SIGPIPE, ""))

    def test_a_full_device_or_a_closed_stdout_is_reported_with_exit_1(self):
        for args in (["get-token", "-p", "app", "--silent"], ["get-token", "-p", "app", "-o", "yaml", "--silent"],
                     ["--help"]):
            with self.subTest(args=args, stdout="/dev/full"):
                with open("/dev/full", "wb") as full:
                    rc, err = self.spawn(args, stdout=full)
                self.assertEqual(rc, 1)
                self.assertEqual(err.count("\n"), 1, err)
                self.assertIn("entratool: cannot write to standard output: No space left on device", err)
            with self.subTest(args=args, stdout="closed"):
                p = subprocess.run(["sh", "-c", 'exec "$@" >&-', "sh", BIN, *args], env=self.sb.env(),
                                   stdin=subprocess.DEVNULL, capture_output=True, timeout=60)
                self.assertEqual(p.returncode, 1)
                self.assertIn(b"entratool: cannot write to standard output: Bad file descriptor", p.stderr)

    def test_stdin_read_whole_and_by_lines(self):
        # --client-secret-stdin reads all of stdin: the secret with '%', '+', ':' and spaces works.
        self.create_profile("tricky", self.idp.secret)
        self.token_of(self.ok(["get-token", "-p", "tricky", "--silent"])[0])
        # git-credential reads key=value lines up to the first blank line and no further.
        request = "protocol=https\nhost=127.0.0.1:8443\n\nnot a key=value line\n"
        out, _ = self.ok(["git-credential", "-p", "app", "get"], input=request)
        self.assertIn("password=%s\n" % self.token, out)
        rc, out, err = self.run_tool(["git-credential", "-p", "app", "get"], input="protocol=https\nnonsense\n")
        self.assertEqual((rc, out), (1, ""))
        self.assertEqual(err, "entratool: git-credential: expected key=value lines from git, got 'nonsense'\n")

if __name__ == "__main__":
    unittest.main()
