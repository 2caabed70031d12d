"""Guards that a process of the host runs no iostream or locale start-up: the executable links
libstdc++ statically, and a translation unit that includes <iostream> gets a static
std::ios_base::Init object, whose constructor builds the classic std::locale and its ~30 facets
on every start (5% of a cached get-token's instructions, and their pages faulted in). The host
writes through host/core/output.h instead. The plugins a cached get-token loads (formatters
token, json, yaml and the encrypted-file store) link their runtime statically too, so they are
held to the same rule. If this test fails, something now includes <iostream> (or constructs a
stream) in the named binary: use core/output.h in the host, std::string building in a plugin."""

import os
import shutil
import subprocess
import unittest

BIN = os.path.realpath(os.environ["ENTRATOOL_BIN"])
PLUGIN_DIR = os.environ["ENTRATOOL_PLUGIN_DIR"]
CACHED_PATH_PLUGINS = ["entratool-token.so", "entratool-json.so", "entratool-yaml.so",
                       "entratool-encrypted-file.so"]
# What runs the iostream start-up, and what builds the classic locale (std::locale's default
# constructor initialises it; std::locale::classic() too).
FORBIDDEN = ["std::ios_base::Init::Init()", "std::locale::_S_initialize()"]


def symbols(path):
    """The names in the binary's symbol table (nm -C), defined or not."""
    p = subprocess.run(["nm", "-C", path], capture_output=True, text=True, check=True)
    return [line.split(" ", 2)[-1] for line in p.stdout.splitlines()]


class NoIostreamStartUp(unittest.TestCase):
    def setUp(self):
        self.assertIsNotNone(shutil.which("nm"), "nm (binutils) is needed to read the symbol tables")

    def check(self, path, known):
        names = symbols(path)
        # A stripped binary would pass whatever it runs: its table must show its own code.
        self.assertTrue(any(known in n for n in names), "%s has no symbol table (stripped?)" % path)
        for name in FORBIDDEN:
            found = [n for n in names if n.startswith(name)]
            self.assertEqual(found, [], "%s links %s" % (os.path.basename(path), name))

    def test_the_executable_runs_no_ios_base_init_and_builds_no_locale(self):
        self.check(BIN, "entratool::host::run_cli")

    def test_the_plugins_of_a_cached_get_token_run_none_either(self):
        for name in CACHED_PATH_PLUGINS:
            with self.subTest(plugin=name):
                self.check(os.path.join(PLUGIN_DIR, name), "entratool_plugin_entry")


if __name__ == "__main__":
    unittest.main()
