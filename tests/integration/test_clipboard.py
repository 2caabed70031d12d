"""get-token --copy and config.json's "copy_to_clipboard": the token goes to the first clipboard
tool that works (wl-copy under Wayland, xclip or xsel under X11, pbcopy, clip.exe) on its standard
input — never on its command line or in its environment, which is scrubbed of secrets — and
stdout stays empty; on a terminal the tutorial's summary is printed on stderr; with no tool, a
clear error (exit 1) and the token stays cached. The tools here are fakes that record what they got."""

import json
import os
import re
import stat
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.environ["ENTRATOOL_SOURCE_DIR"], "tests", "support"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_config_tty import Terminal  # noqa: E402
from test_get_token import GRAPH, GetTokenCase  # noqa: E402

FAKE = """#!/bin/sh
# A stand-in clipboard tool: records its arguments, environment and standard input.
/usr/bin/env > "{log}/${{0##*/}}.env"
PATH=/usr/bin:/bin
log="{log}/${{0##*/}}"
printf '%s\\n' "$@" > "$log.argv"
cat > "$log.stdin"
echo "${{0##*/}} ran" >&2
exit {code}
"""


class Clipboard(GetTokenCase):
    def setUp(self):
        super().setUp()
        self.bin = tempfile.mkdtemp(prefix="entratool-clip-bin-")
        self.log = tempfile.mkdtemp(prefix="entratool-clip-log-")
        self.create_profile("app", self.idp.secret)

    def tearDown(self):
        import shutil
        shutil.rmtree(self.bin, ignore_errors=True)
        shutil.rmtree(self.log, ignore_errors=True)

    def fake(self, name, code=0):
        path = os.path.join(self.bin, name)
        with open(path, "w") as f:
            f.write(FAKE.format(log=self.log, code=code))
        os.chmod(path, stat.S_IRWXU)

    def env(self, **extra):
        # Only our fakes can be found; a real clipboard tool on this machine would not be seen.
        env = {"PATH": self.bin, "DISPLAY": "", "WAYLAND_DISPLAY": ""}
        env.update(extra)
        return env

    def recorded(self, name):
        base = os.path.join(self.log, name)
        if not os.path.exists(base + ".stdin"):
            return None
        with open(base + ".stdin") as f, open(base + ".argv") as g, open(base + ".env") as h:
            return f.read(), g.read(), h.read()

    def cached_token(self):
        out, _ = self.ok(["get-token", "-p", "app", "-q"])
        return out.strip()

    def test_copy_puts_the_token_on_the_tools_stdin_only_and_prints_nothing_on_stdout(self):
        self.fake("xclip")
        # Secrets entratool may be given in its environment (the profile's own secret is in the store).
        secret_env = {"AZURE_CLIENT_SECRET": "env-secret-value-123", "ENTRATOOL_EXPORT_PASSPHRASE": "pass-phrase-456",
                      "AZURE_CLIENT_CERTIFICATE_PASSWORD": "cert-password-789"}
        rc, out, err = self.run_tool(["get-token", "-p", "app", "--copy"], env=self.env(DISPLAY=":42", **secret_env))
        self.assertEqual(rc, 0, err)
        self.assertEqual(out, "")
        self.assertIn("Token copied to clipboard (xclip).\n", err)  # stderr is no terminal: one line
        stdin, argv, env = self.recorded("xclip")
        token = self.cached_token()
        self.assertEqual(stdin, token)
        self.assertEqual(argv, "-selection\nclipboard\n")
        self.assertNotIn(token, env)
        for value in secret_env.values():
            self.assertNotIn(value, env)
            self.assertNotIn(value, argv)
        self.assertIn("DISPLAY=:42", env)
        self.assertEqual(self.idp.count(), 1)

    def test_wayland_first_then_the_next_tool_when_one_fails(self):
        self.fake("wl-copy", code=1)
        self.fake("xsel")
        rc, out, err = self.run_tool(["get-token", "-p", "app", "-c"],
                                     env=self.env(WAYLAND_DISPLAY="wayland-0", DISPLAY=":1"))
        self.assertEqual(rc, 0, err)
        self.assertIsNotNone(self.recorded("wl-copy"), "wl-copy is tried first under Wayland")
        stdin, argv, _ = self.recorded("xsel")
        self.assertEqual(argv, "--clipboard\n--input\n")
        self.assertEqual(stdin, self.cached_token())
        self.assertIn("Token copied to clipboard (xsel).", err)

    def test_without_a_display_pbcopy_or_clip_exe(self):
        self.fake("xclip")
        self.fake("clip.exe")
        rc, _, err = self.run_tool(["get-token", "-p", "app", "--copy"], env=self.env())
        self.assertEqual(rc, 0, err)
        self.assertIsNone(self.recorded("xclip"), "no DISPLAY: xclip is not tried")
        self.assertEqual(self.recorded("clip.exe")[0], self.cached_token())
        self.fake("pbcopy")
        rc, _, err = self.run_tool(["get-token", "-p", "app", "--copy"], env=self.env())
        self.assertIn("(pbcopy)", err)

    def test_copy_with_an_explicit_output_also_prints_it(self):
        self.fake("xclip")
        out, err = self.ok(["get-token", "-p", "app", "--copy", "-o", "json"], env=self.env(DISPLAY=":0"))
        doc = json.loads(out)
        self.assertEqual(self.recorded("xclip")[0], doc["access_token"])

    def test_no_tool_is_a_clear_error_before_any_provider_request(self):
        rc, out, err = self.run_tool(["get-token", "-p", "app", "--copy"], env=self.env())
        self.assertEqual((rc, out), (1, ""))
        self.assertEqual(err, "entratool: no clipboard tool found (wl-copy, xclip, xsel, pbcopy, clip.exe): no "
                              "desktop session here (neither WAYLAND_DISPLAY nor DISPLAY is set); leave out --copy "
                              "to print the token\n")
        rc, out, err = self.run_tool(["get-token", "-p", "app", "--copy"], env=self.env(DISPLAY=":0"))
        self.assertIn("install wl-clipboard (Wayland) or xclip or xsel (X11)", err)
        self.assertEqual(self.idp.count(), 0)

    def test_every_tool_failing_says_what_each_said(self):
        self.fake("xclip", code=1)
        self.fake("xsel", code=2)
        rc, out, err = self.run_tool(["get-token", "-p", "app", "--copy"], env=self.env(DISPLAY=":0"))
        self.assertEqual((rc, out), (1, ""))
        self.assertEqual(err.splitlines()[-1],
                         "entratool: copying to the clipboard failed (xclip exited with 1: xclip ran; "
                         "xsel exited with 2: xsel ran); the token is cached: 'entratool get-token -p app "
                         "--no-copy' prints it")
        self.assertEqual(self.idp.count(), 1)
        self.cached_token()
        self.assertEqual(self.idp.count(), 1, "nothing lost: the token was cached")

    def test_the_setting_copies_only_when_stdout_is_a_terminal(self):
        self.fake("xclip")
        with open(os.path.join(self.sb.config_dir, "config.json"), "w") as f:
            json.dump({"copy_to_clipboard": True}, f)
        os.chmod(os.path.join(self.sb.config_dir, "config.json"), 0o600)
        out, _ = self.ok(["get-token", "-p", "app"], env=self.env(DISPLAY=":0"))
        self.assertRegex(out.strip(), r"^[\w-]+\.[\w-]+\.[\w-]*$", "a pipe gets the token as before")
        self.assertIsNone(self.recorded("xclip"))

        t = Terminal(["get-token", "-p", "app"], self.sb.env(self.env(DISPLAY=":0")))
        self.addCleanup(t.kill)
        t.expect(r"Token copied to clipboard!")
        self.assertEqual(t.finish(), 0, t.text())
        self.assertEqual(self.recorded("xclip")[0], out.strip())
        self.assertNotIn(out.strip(), t.text())

        os.remove(os.path.join(self.log, "xclip.stdin"))
        t = Terminal(["get-token", "-p", "app", "--no-copy"], self.sb.env(self.env(DISPLAY=":0")))
        self.addCleanup(t.kill)
        self.assertEqual(t.finish(), 0, t.text())
        self.assertIn(out.strip(), t.text())
        self.assertIsNone(self.recorded("xclip"))

    def test_on_a_terminal_the_tutorials_summary_goes_to_stderr(self):
        self.fake("xclip")
        t = Terminal(["get-token", "-p", "app", "--copy"], self.sb.env(self.env(DISPLAY=":0")))
        self.addCleanup(t.kill)
        m = t.expect(r"\u2713 Token retrieved successfully\r\n"
                     r"  Expires: (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) UTC \((59|60) minutes\)\r\n"
                     r"  Scopes: (\S+)\r\n"
                     r"  Token Type: Bearer\r\n"
                     r"  Token copied to clipboard!\r\n")
        self.assertEqual(m.group(3), GRAPH)
        self.assertEqual(t.finish(), 0, t.text())
        token = self.recorded("xclip")[0]
        self.assertNotIn(token, t.text())

    def test_copy_and_no_copy_together_are_refused(self):
        rc, out, err = self.run_tool(["get-token", "-p", "app", "--copy", "--no-copy"])
        self.assertEqual((rc, out, err), (1, "", "entratool: give --copy or --no-copy, not both\n"))
        self.assertEqual(self.idp.count(), 0)


if __name__ == "__main__":
    unittest.main(verbosity=2)
