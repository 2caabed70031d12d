"""Guards the layout of the code a cached get-token runs: the executable and the four plugins that
path loads (the encrypted-file store, the token, json and yaml formatters) are linked with lld's
--symbol-ordering-file from their cached-path.order (cmake/CachedPathOrder.cmake), so that code
sits together at the start of their text. The kernel maps file-backed code in 64 KB fault-around
windows, about 4.5 us a window on this project's machines, and in link order the store's hot
functions spread over 445 KB (15 faults instead of 10; docs/caching.md). If this fails, the build
no longer applies an order file (lld missing: scripts/install-deps.sh installs it; or a CMakeLists
lost its entratool_cached_path_order call), or the file is stale: bench/cached_path_order.sh
rewrites it."""

import os
import shutil
import subprocess
import unittest

SOURCE = os.environ["ENTRATOOL_SOURCE_DIR"]
BIN = os.path.realpath(os.environ["ENTRATOOL_BIN"])
PLUGIN_DIR = os.environ["ENTRATOOL_PLUGIN_DIR"]
LAYOUTS = [
    ("host/cached-path.order", BIN),
    ("keystores/encrypted-file/cached-path.order", os.path.join(PLUGIN_DIR, "entratool-encrypted-file.so")),
    ("formatters/token/cached-path.order", os.path.join(PLUGIN_DIR, "entratool-token.so")),
    ("formatters/json/cached-path.order", os.path.join(PLUGIN_DIR, "entratool-json.so")),
    ("formatters/yaml/cached-path.order", os.path.join(PLUGIN_DIR, "entratool-yaml.so")),
]
# In link order about half of the neighbouring pairs happen to be in ascending order (0.53-0.57
# measured); laid out by the file, all of them are except where libsodium's archive, built
# without function sections, moves a whole object (0.90 for the store).
MIN_IN_ORDER = 0.85
# The file must still describe the build: most of its symbols exist.
MIN_FOUND = 0.8


def function_addresses(path):
    """Each function symbol's first address (nm: text, weak)."""
    p = subprocess.run(["nm", path], capture_output=True, text=True, check=True)
    found = {}
    for line in p.stdout.splitlines():
        fields = line.split()
        if len(fields) == 3 and fields[1] in "tTwW":
            found.setdefault(fields[2], int(fields[0], 16))
    return found


def ordered_symbols(order_file):
    with open(order_file) as f:
        return [line.strip() for line in f if line.strip() and not line.startswith("#")]


class CachedPathLayout(unittest.TestCase):
    def setUp(self):
        self.assertIsNotNone(shutil.which("nm"), "nm (binutils) is needed to read the symbol tables")

    def test_each_cached_path_binary_lays_out_its_order_file_first(self):
        for order, binary in LAYOUTS:
            with self.subTest(binary=os.path.basename(binary)):
                wanted = ordered_symbols(os.path.join(SOURCE, order))
                addresses = function_addresses(binary)
                present = [addresses[s] for s in wanted if s in addresses]
                self.assertGreaterEqual(len(present), MIN_FOUND * len(wanted),
                                        "%s: only %d of the %d symbols of %s exist; run bench/cached_path_order.sh"
                                        % (binary, len(present), len(wanted), order))
                ascending = sum(1 for a, b in zip(present, present[1:]) if b >= a) / max(1, len(present) - 1)
                self.assertGreaterEqual(ascending, MIN_IN_ORDER,
                                        "%s is not laid out by %s (%.2f of neighbouring symbols in order): "
                                        "is lld installed and the target passed to entratool_cached_path_order?"
                                        % (binary, order, ascending))


if __name__ == "__main__":
    unittest.main()
