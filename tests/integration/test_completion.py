"""Guards shell completion (`entratool completion bash|zsh|fish` and the hidden `__complete` it
calls): bash completion run for real (COMP_WORDS/COMP_CWORD, the completion function, COMPREPLY),
fish through `complete -C`, zsh syntax-checked and driven for real in a pseudo-terminal; commands come from the command table, profiles
from profiles.json, flows and formats from the plugins found at completion time (including one
added with --plugin-dir); a broken profiles.json gives no candidates and no error."""
import os
import shlex
import shutil
import subprocess
import tempfile
import unittest

BIN = os.environ["ENTRATOOL_BIN"]
BUILD = os.environ["ENTRATOOL_BUILD_DIR"]
C_PLUGIN = os.path.join(BUILD, "tests", "fixtures", "bad_plugins", "c_plugin")


class Completion(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="entratool-completion-")
        cls.env = {k: v for k, v in os.environ.items() if not k.startswith(("ENTRATOOL_", "XDG_", "AZURE_"))}
        cls.env.update({"HOME": cls.tmp, "ENTRATOOL_CONFIG_DIR": os.path.join(cls.tmp, "cfg"),
                        "PATH": os.path.dirname(BIN) + ":/usr/bin:/bin", "LANG": "C.UTF-8"})
        for name in ("alpha", "beta"):
            r = subprocess.run([BIN, "create-profile", "--name", name, "--tenant-id", "contoso.example",
                                "--client-id", "app-" + name, "--client-secret-stdin",
                                "--authority-host", "http://127.0.0.1:9"],
                               input="s3cret\n", capture_output=True, text=True, env=cls.env, timeout=60)
            assert r.returncode == 0, r.stderr
        cls.scripts = {}
        for shell in ("bash", "zsh", "fish"):
            r = subprocess.run([BIN, "completion", shell], capture_output=True, text=True, env=cls.env, timeout=30)
            assert r.returncode == 0, r.stderr
            path = os.path.join(cls.tmp, "entratool." + shell)
            with open(path, "w") as f:
                f.write(r.stdout)
            cls.scripts[shell] = path

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def bash(self, *words, env=None, cwd=None):
        """COMPREPLY after completing the last word of `entratool WORDS...` in a real bash."""
        words = ["entratool"] + list(words)
        script = ("source %s\nCOMP_WORDS=(%s)\nCOMP_CWORD=%d\n_entratool\nprintf '%%s\\n' \"${COMPREPLY[@]}\"\n"
                  % (shlex.quote(self.scripts["bash"]), " ".join(shlex.quote(w) for w in words), len(words) - 1))
        r = subprocess.run(["bash", "--norc", "--noprofile", "-c", script], capture_output=True, text=True,
                           env=env or self.env, cwd=cwd or self.tmp, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stderr, "", "completion prints no errors")
        return [line for line in r.stdout.splitlines() if line]

    def complete(self, *words, env=None):
        r = subprocess.run([BIN, "__complete", *words], capture_output=True, text=True, env=env or self.env,
                           timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stderr, "")
        return [line.split("\t")[0] for line in r.stdout.splitlines()]

    def test_bash_completes_the_commands_of_the_table_and_hides_the_internal_ones(self):
        got = self.bash("")
        help_text = subprocess.run([BIN, "--help"], capture_output=True, text=True, env=self.env).stdout
        listed = help_text.split("Commands:\n")[1].split("\n\n")[0]
        commands = [line.split()[0] for line in listed.splitlines()]
        self.assertIn("doctor", commands)
        self.assertEqual(sorted(got), sorted(commands))
        self.assertNotIn("__complete", got)
        self.assertEqual(self.bash("get-t"), ["get-token"])

    def test_bash_completes_flags_of_a_command(self):
        got = self.bash("get-token", "--")
        for flag in ("--profile", "--output", "--flow", "--scope", "--timeout", "--help"):
            self.assertIn(flag, got)
        self.assertEqual(self.bash("get-token", "--no-ca"), ["--no-cache"])
        self.assertIn("--plugin-dir", self.bash("--"))

    def test_bash_completes_profile_names_from_profiles_json(self):
        self.assertEqual(sorted(self.bash("get-token", "-p", "")), ["alpha", "beta"])
        self.assertEqual(self.bash("get-token", "--profile", "al"), ["alpha"])
        self.assertEqual(self.bash("config", "show", "-p", "b"), ["beta"])
        self.assertEqual(sorted(self.bash("config", "set-default", "")), ["alpha", "beta"])

    def test_bash_completes_output_formats_and_flows_from_the_plugins(self):
        formats = self.bash("get-token", "-o", "")
        for f in ("token", "json", "yaml", "env", "header", "exec-credential"):
            self.assertIn(f, formats)
        flows = self.bash("get-token", "-f", "")
        for f in ("client-credentials", "device-code", "interactive-browser"):
            self.assertIn(f, flows)
        self.assertNotIn("refresh", flows, "the refresh flow is used automatically, never with -f")
        self.assertIn("table", self.bash("plugins", "list", "-o", ""))

    def test_bash_completes_after_an_equals_sign_as_bash_splits_it(self):
        self.assertIn("json", self.bash("get-token", "--output", "=", ""))
        self.assertEqual(self.bash("get-token", "--output", "=", "ya"), ["yaml"])

    def test_a_plugin_folder_given_on_the_line_adds_its_formats(self):
        self.assertNotIn("c-formatter", self.bash("get-token", "-o", ""))
        self.assertIn("c-formatter", self.bash("--plugin-dir", C_PLUGIN, "get-token", "-o", ""))
        self.assertIn("c-formatter", self.bash("get-token", "--plugin-dir", C_PLUGIN, "-o", ""))
        self.assertIn("c-formatter", self.bash("--plugin-dir=" + C_PLUGIN, "get-token", "-o", ""))
        env = dict(self.env, ENTRATOOL_PLUGIN_PATH=C_PLUGIN)
        self.assertIn("c-formatter", self.bash("get-token", "-o", "", env=env))

    def test_bash_completes_subcommands(self):
        self.assertEqual(sorted(self.bash("config", "")),
                         ["create", "delete", "edit", "export", "import", "list", "set-default", "show", "store"])
        self.assertEqual(sorted(self.bash("plugins", "")), ["bundle", "info", "list", "verify"])
        self.assertEqual(self.bash("plugins", "bundle", ""), ["create"])
        self.assertIn("encrypted-file", self.bash("plugins", "info", ""))
        self.assertEqual(sorted(self.bash("completion", "")), ["bash", "fish", "zsh"])

    def test_bash_completes_file_names_for_file_flags(self):
        with open(os.path.join(self.tmp, "token-out.txt"), "w"):
            pass
        self.assertEqual(self.bash("get-token", "--file", "token-o"), ["token-out.txt"])

    def test_a_broken_profiles_json_gives_no_candidates_and_no_error(self):
        cfg = tempfile.mkdtemp(prefix="entratool-completion-broken-")
        try:
            os.chmod(cfg, 0o700)
            with open(os.path.join(cfg, "profiles.json"), "w") as f:
                f.write("{ not json")
            env = dict(self.env, ENTRATOOL_CONFIG_DIR=cfg)
            self.assertEqual(self.bash("get-token", "-p", "", env=env), [])
            self.assertEqual(self.complete("get-token", "-p", "", env=env), [])
        finally:
            shutil.rmtree(cfg, ignore_errors=True)

    def test_an_unknown_command_gives_no_candidates(self):
        self.assertEqual(self.complete("no-such-command", ""), [])

    def test_long_options_with_a_value_in_the_same_word_keep_their_prefix(self):
        # zsh and fish pass "--output=js" as one word.
        self.assertEqual(self.complete("get-token", "--output=js"), ["--output=json"])

    def test_a_missing_or_unknown_shell_is_one_line_and_exit_1(self):
        for args, says in (([], "which shell?"), (["tcsh"], "no completion for shell 'tcsh'")):
            r = subprocess.run([BIN, "completion", *args], capture_output=True, text=True, env=self.env, timeout=30)
            self.assertEqual(r.returncode, 1)
            self.assertEqual(r.stdout, "")
            self.assertIn(says, r.stderr)
            self.assertEqual(len(r.stderr.splitlines()), 1)

    def test_zsh_script_is_valid_zsh(self):
        r = subprocess.run(["zsh", "-n", self.scripts["zsh"]], capture_output=True, text=True, timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(self.scripts["zsh"]) as f:
            self.assertTrue(f.readline().startswith("#compdef entratool"))

    def zsh(self, line, until):
        """What an interactive zsh shows after `line` and two Tabs, read until `until` appears."""
        fpath = os.path.join(self.tmp, "zsh-functions")
        os.makedirs(fpath, exist_ok=True)
        shutil.copy(self.scripts["zsh"], os.path.join(fpath, "_entratool"))
        driver = r"""
zmodload zsh/zpty
zpty z zsh -f -i
zpty -w z "PS1='%% '; fpath=(%s \$fpath); autoload -U compinit; compinit -u -D; unsetopt beep"
zpty -w -n z %s$'\t\t'
local all= chunk
for i in {1..600}; do
  while zpty -r -t z chunk; do all+=$chunk; done
  [[ $all == *%s* ]] && break
  sleep 0.1
done
print -r -- "$all"
zpty -d z
""" % (shlex.quote(fpath), shlex.quote(line), shlex.quote(until))
        r = subprocess.run(["zsh", "-f", "-c", driver], capture_output=True, text=True, env=self.env, cwd=self.tmp,
                           timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stdout

    def test_zsh_completes_for_real_with_descriptions(self):
        shown = self.zsh("entratool get-token -o ", "-- Token response and documents as YAML")
        self.assertIn("json", shown)
        self.assertIn("exec-credential", shown)
        self.assertIn("-- Token response and documents as pretty JSON", shown)
        shown = self.zsh("entratool get-token -p ", "beta")
        self.assertIn("alpha", shown)

    def test_fish_script_is_valid_and_completes_for_real(self):
        r = subprocess.run(["fish", "-n", self.scripts["fish"]], capture_output=True, text=True, timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)

        def fish(line):
            r = subprocess.run(["fish", "--no-config", "-c", "source %s; complete -C %s" %
                                (shlex.quote(self.scripts["fish"]), shlex.quote(line))],
                               capture_output=True, text=True, env=self.env, cwd=self.tmp, timeout=60)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(r.stderr, "")
            return [x.split("\t")[0] for x in r.stdout.splitlines()]

        formats = fish("entratool get-token -o ")
        for f in ("json", "yaml", "token"):
            self.assertIn(f, formats)
        self.assertEqual(sorted(fish("entratool get-token -p ")), ["alpha", "beta"])
        self.assertIn("doctor", fish("entratool "))
        self.assertIn("--profile", fish("entratool get-token --pro"))


if __name__ == "__main__":
    unittest.main()
