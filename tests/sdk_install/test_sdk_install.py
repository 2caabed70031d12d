"""Install the SDK (cmake --install --component sdk) into a temporary prefix, build
examples/hello-formatter against it, and load the plugin with the real entratool."""

import json
import os
import shutil
import subprocess
import tempfile
import unittest

BIN = os.environ["ENTRATOOL_BIN"]
BUILD = os.environ["ENTRATOOL_BUILD_DIR"]
SOURCE = os.environ["ENTRATOOL_SOURCE_DIR"]
CMAKE = os.environ.get("ENTRATOOL_CMAKE", "cmake")
EXAMPLE = os.path.join(SOURCE, "examples", "hello-formatter")


def run(cmd, **kw):
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=300, **kw)
    if p.returncode != 0:
        raise AssertionError("%s failed (%d):\n%s\n%s" % (" ".join(cmd), p.returncode, p.stdout, p.stderr))
    return p


class InstalledSdk(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="entratool-sdk-install-")
        cls.prefix = os.path.join(cls.tmp, "prefix")
        cls.example_build = os.path.join(cls.tmp, "hello-build")
        run([CMAKE, "--install", BUILD, "--prefix", cls.prefix, "--component", "sdk"])
        configure = [CMAKE, "-S", EXAMPLE, "-B", cls.example_build,
                     "-DCMAKE_PREFIX_PATH=" + cls.prefix, "-DCMAKE_EXPORT_COMPILE_COMMANDS=ON",
                     "-DCMAKE_BUILD_TYPE=RelWithDebInfo"]
        if os.environ.get("ENTRATOOL_CMAKE_GENERATOR"):
            configure.append("-G" + os.environ["ENTRATOOL_CMAKE_GENERATOR"])
        if os.environ.get("ENTRATOOL_CXX"):
            configure.append("-DCMAKE_CXX_COMPILER=" + os.environ["ENTRATOOL_CXX"])
        if os.environ.get("ENTRATOOL_CXX_LAUNCHER"):
            configure.append("-DCMAKE_CXX_COMPILER_LAUNCHER=" + os.environ["ENTRATOOL_CXX_LAUNCHER"])
        run(configure)
        run([CMAKE, "--build", cls.example_build, "-j2"])
        cls.plugin_dir = os.path.join(cls.example_build, "plugins")
        cls.env = {k: v for k, v in os.environ.items() if not k.startswith(("ENTRATOOL_", "XDG_"))}
        cls.env.update({"HOME": cls.tmp, "XDG_DATA_HOME": os.path.join(cls.tmp, "data"),
                        "XDG_CONFIG_HOME": os.path.join(cls.tmp, "config"),
                        "ENTRATOOL_CONFIG_DIR": os.path.join(cls.tmp, "entratool")})

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def tool(self, *args):
        p = subprocess.run([BIN, "--plugin-dir", self.plugin_dir, *args], capture_output=True, text=True,
                           timeout=60, env=self.env, cwd=self.tmp)
        self.assertGreaterEqual(p.returncode, 0, p.stderr)
        return p

    def test_the_sdk_component_installs_headers_library_and_package_only(self):
        installed = set()
        for root, _, files in os.walk(self.prefix):
            installed.update(os.path.relpath(os.path.join(root, f), self.prefix) for f in files)
        self.assertIn("include/entratool/sdk/plugin.h", installed)
        self.assertTrue(any(f.endswith("cmake/EntraToolSDK/EntraToolSDKConfig.cmake") for f in installed))
        self.assertTrue(any(f.endswith("cmake/EntraToolSDK/EntraToolPlugin.cmake") for f in installed))
        self.assertTrue(any(f.endswith("libentratool_sdk.a") for f in installed))
        self.assertIn("include/entratool/support/json.h", installed)
        self.assertTrue(any(f.endswith("libentratool_support.a") for f in installed))
        self.assertFalse(any(f.startswith("bin/") for f in installed), sorted(installed))
        self.assertFalse(any("/plugins/" in f for f in installed), sorted(installed))

    def test_the_example_compiles_with_no_include_path_into_the_source_tree(self):
        with open(os.path.join(self.example_build, "compile_commands.json")) as f:
            commands = json.load(f)
        self.assertTrue(commands)
        for c in commands:
            flags = c["command"].split()
            includes = [x for x in flags if x.startswith(("-I", "-isystem"))]
            includes += [flags[i + 1] for i, x in enumerate(flags[:-1]) if x in ("-isystem", "-I")]
            for inc in includes:
                self.assertNotIn(os.path.join(SOURCE, "sdk"), inc)
                self.assertNotIn(BUILD, inc)
            self.assertIn(os.path.join(self.prefix, "include"), " ".join(includes))

    def test_the_installed_headers_pull_in_no_third_party_library(self):
        include = os.path.join(self.prefix, "include")
        for root, _, files in os.walk(include):
            for name in files:
                with open(os.path.join(root, name)) as f:
                    text = f.read()
                for banned in ("<boost/", "<Poco/", "<yaml-cpp/", "<openssl/"):
                    self.assertNotIn(banned, text, name)

    def test_the_host_lists_the_example_without_loading_it(self):
        p = self.tool("plugins", "list", "-o", "json")
        self.assertEqual(p.returncode, 0, p.stderr)
        rows = [r for r in json.loads(p.stdout) if r["id"] == "hello"]
        self.assertEqual(len(rows), 1, p.stdout)
        self.assertEqual((rows[0]["kind"], rows[0]["version"], rows[0]["status"], rows[0]["origin"]),
                         ("formatter", "1.0.0", "available", "--plugin-dir"))
        self.assertEqual(rows[0]["path"], os.path.realpath(os.path.join(self.plugin_dir, "entratool-hello.so")))

    def test_the_host_loads_the_example_and_uses_it(self):
        p = self.tool("plugins", "info", "hello")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("status:      loaded", p.stdout)
        self.assertIn("description: Says hello to your token (an example plugin)", p.stdout)
        p = self.tool("plugins", "list", "-o", "hello")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertTrue(p.stdout.startswith("Hello! "), p.stdout)
        self.assertIn("  hello, hello\n", p.stdout)

    def test_the_example_installs_its_plugin_and_manifest(self):
        dest = os.path.join(self.tmp, "plugin-prefix")
        run([CMAKE, "--install", self.example_build, "--prefix", dest])
        folder = os.path.join(dest, "lib", "entratool", "plugins")
        self.assertEqual(sorted(os.listdir(folder)), ["entratool-hello.so", "hello.plugin.json"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
