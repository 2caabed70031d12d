"""Guards every --help text against unintended change: the program's and each command's help are
golden files in tests/golden/help/. After an intended change, regenerate them with
ENTRATOOL_UPDATE_GOLDEN=1 and review the diff."""
import os
import subprocess
import unittest

BIN = os.environ.get("ENTRATOOL_BIN", "build/bin/entratool")
SOURCE = os.environ.get("ENTRATOOL_SOURCE_DIR", os.path.dirname(os.path.dirname(os.path.dirname(__file__))))
GOLDEN = os.path.join(SOURCE, "tests", "golden", "help")
UPDATE = os.environ.get("ENTRATOOL_UPDATE_GOLDEN") == "1"

COMMANDS = [
    [], ["get-token"], ["refresh"], ["inspect"], ["discover"], ["create-profile"], ["plugins"], ["lock"],
    ["config"], ["config", "create"], ["config", "list"], ["config", "show"], ["config", "edit"],
    ["config", "delete"], ["config", "set-default"], ["config", "export"], ["config", "import"],
    ["cache"], ["cache", "list"], ["cache", "clear"], ["git-credential"],
    ["doctor"], ["completion"],
    ["config", "store"], ["config", "store", "migrate"],
]


class HelpGolden(unittest.TestCase):
    def test_every_help_text_matches_its_golden_file(self):
        # An update run compares nothing; under CI that would be a test that cannot fail.
        if UPDATE and os.environ.get("CI"):
            self.fail("ENTRATOOL_UPDATE_GOLDEN=1 is refused when CI is set: golden files are compared in CI")
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": "/nonexistent", "LANG": "C"}
        for words in COMMANDS:
            with self.subTest(command=" ".join(words) or "entratool"):
                r = subprocess.run([BIN] + words + ["--help"], capture_output=True, text=True, env=env, timeout=30)
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertEqual(r.stderr, "", "help goes to stdout only")
                name = "-".join(words or ["entratool"]) + ".txt"
                path = os.path.join(GOLDEN, name)
                if UPDATE:
                    with open(path, "w") as f:
                        f.write(r.stdout)
                    continue
                with open(path) as f:
                    self.assertEqual(r.stdout, f.read(), f"{name} changed; regenerate with ENTRATOOL_UPDATE_GOLDEN=1")

    def test_help_names_every_command_in_the_table(self):
        r = subprocess.run([BIN, "--help"], capture_output=True, text=True, timeout=30)
        for words in COMMANDS[1:9] + [["cache"], ["git-credential"], ["help"], ["doctor"], ["completion"]]:
            self.assertIn(words[0], r.stdout)


if __name__ == "__main__":
    unittest.main()
