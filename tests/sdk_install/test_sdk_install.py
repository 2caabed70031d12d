"""The SDK as a third party gets it: installed (cmake --install --component sdk) into a temporary
prefix, with the three examples (a formatter, a flow, a secret store) built against it alone with
find_package(EntraToolSDK 2.0), once with this build's compiler and once with clang++ and libc++,
then loaded and used end to end by the real entratool (built with GCC and libstdc++). Also: every
installed header compiles on its own (C++17; the C contract also as C99), and
entratool_add_plugin() refuses a plugin that links the host or Boost and a components file that is
wrong, at configure time, with a message that says so."""

import json
import os
import re
import shutil
import subprocess
import tempfile
import unittest

BIN = os.environ["ENTRATOOL_BIN"]
BUILD = os.environ["ENTRATOOL_BUILD_DIR"]
SOURCE = os.environ["ENTRATOOL_SOURCE_DIR"]
CMAKE = os.environ.get("ENTRATOOL_CMAKE", "cmake")
CXX = os.environ.get("ENTRATOOL_CXX") or "c++"
CC = os.environ.get("ENTRATOOL_CC") or "cc"
EXAMPLES = ("hello-formatter", "static-flow", "memory-store")
# What `plugins list` says about each example: (id, kind).
EXAMPLE_IDS = {"hello-formatter": ("hello", "formatter"), "static-flow": ("static-flow", "flow"),
               "memory-store": ("memory-store", "secret-store")}


def run(cmd, **kw):
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=300, **kw)
    if p.returncode != 0:
        raise AssertionError("%s failed (%d):\n%s\n%s" % (" ".join(cmd), p.returncode, p.stdout, p.stderr))
    return p


def configure_command(source, build, prefix, extra=()):
    cmd = [CMAKE, "-S", source, "-B", build, "-DCMAKE_PREFIX_PATH=" + prefix,
           "-DCMAKE_EXPORT_COMPILE_COMMANDS=ON", "-DCMAKE_BUILD_TYPE=RelWithDebInfo"]
    if os.environ.get("ENTRATOOL_CMAKE_GENERATOR"):
        cmd.append("-G" + os.environ["ENTRATOOL_CMAKE_GENERATOR"])
    if os.environ.get("ENTRATOOL_CXX_LAUNCHER"):
        cmd.append("-DCMAKE_CXX_COMPILER_LAUNCHER=" + os.environ["ENTRATOOL_CXX_LAUNCHER"])
    return cmd + list(extra)


def needed(path):
    out = run(["readelf", "-d", path]).stdout
    return [line.split("[", 1)[1].rstrip("]") for line in out.splitlines() if "(NEEDED)" in line]


def code_lines(path):
    with open(path) as f:
        return [line for line in f if line.strip() and not line.strip().startswith("//")]


class InstalledSdk(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="entratool-sdk-install-")
        cls.prefix = os.path.join(cls.tmp, "prefix")
        run([CMAKE, "--install", BUILD, "--prefix", cls.prefix, "--component", "sdk"])
        cls.builds = {}
        for toolchain in ("gcc", "libcxx"):
            for example in EXAMPLES:
                build = os.path.join(cls.tmp, "%s-%s" % (example, toolchain))
                extra = ["-DCMAKE_CXX_COMPILER=" + CXX]
                if toolchain == "libcxx":
                    clang = shutil.which("clang++")
                    if not clang:
                        raise AssertionError("clang++ is missing: scripts/install-deps.sh --test installs it")
                    # libc++ for compiling and linking; nothing of the SDK's build toolchain is linked.
                    extra = ["-DCMAKE_CXX_COMPILER=" + clang, "-DCMAKE_CXX_FLAGS=-stdlib=libc++",
                             "-DCMAKE_MODULE_LINKER_FLAGS=-stdlib=libc++"]
                run(configure_command(os.path.join(SOURCE, "examples", example), build, cls.prefix, extra))
                run([CMAKE, "--build", build, "-j2"])
                cls.builds[(example, toolchain)] = build
        cls.env = {k: v for k, v in os.environ.items() if not k.startswith(("ENTRATOOL_", "XDG_", "AZURE_"))}
        cls.env.update({"HOME": cls.tmp, "XDG_DATA_HOME": os.path.join(cls.tmp, "data"),
                        "XDG_CONFIG_HOME": os.path.join(cls.tmp, "config")})

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def plugin_dir(self, example, toolchain="gcc"):
        return os.path.join(self.builds[(example, toolchain)], "plugins")

    def tool(self, *args, toolchain="gcc", config=None, env=None):
        """entratool with the three examples of one toolchain, in a fresh (or the given) config folder."""
        dirs = []
        for example in EXAMPLES:
            dirs += ["--plugin-dir", self.plugin_dir(example, toolchain)]
        e = dict(self.env, ENTRATOOL_CONFIG_DIR=config or tempfile.mkdtemp(dir=self.tmp))
        e.update(env or {})
        return subprocess.run([BIN, *dirs, *args], capture_output=True, text=True, timeout=60, env=e, cwd=self.tmp)

    def make_profile(self, config, toolchain="gcc", settings=None, env=None, name="demo"):
        """A profile whose default flow is the example flow (by its declared alias)."""
        p = self.tool("create-profile", "-n", name, "--tenant-id", "contoso.example", "--client-id",
                      "00000000-0000-0000-0000-000000000001", "--auth-method", "none", "--default-flow", "static",
                      "--scope", "api://demo/.default", toolchain=toolchain, config=config, env=env)
        self.assertEqual(p.returncode, 0, p.stderr)
        if settings:
            path = os.path.join(config, "profiles.json")
            with open(path) as f:
                doc = json.load(f)
            for profile in doc["profiles"]:
                if profile["name"] == name:
                    profile["settings"] = settings
            with open(path, "w") as f:
                json.dump(doc, f)

    # ---- what gets installed ------------------------------------------------------------------

    def test_the_sdk_component_installs_headers_support_library_and_package_only(self):
        installed = set()
        for root, _, files in os.walk(self.prefix):
            installed.update(os.path.relpath(os.path.join(root, f), self.prefix) for f in files)
        for header in ("sdk/abi.h", "sdk/version.h", "sdk/plugin.h", "sdk/detail/convert.h", "sdk/detail/c_host.h",
                       "support/json.h", "support/token_text.h", "support/version.h"):
            self.assertIn("include/entratool/" + header, installed)
        self.assertTrue(any(f.endswith("cmake/EntraToolSDK/EntraToolSDKConfig.cmake") for f in installed))
        self.assertTrue(any(f.endswith("cmake/EntraToolSDK/EntraToolPlugin.cmake") for f in installed))
        self.assertTrue(any(f.endswith("cmake/EntraToolSDK/plugin-manifest.json.in") for f in installed))
        self.assertTrue(any(f.endswith("libentratool_support.a") for f in installed))
        # The contract is header-only: no library of ours for a plugin to link.
        self.assertFalse(any(f.endswith("libentratool_sdk.a") for f in installed), sorted(installed))
        self.assertFalse(any(f.startswith("bin/") for f in installed), sorted(installed))
        self.assertFalse(any("/plugins/" in f for f in installed), sorted(installed))

    def test_the_sdk_target_is_an_interface_target_and_support_a_static_library(self):
        targets = next(os.path.join(r, f) for r, _, fs in os.walk(self.prefix) for f in fs
                       if f == "EntraToolSDKTargets.cmake")
        with open(targets) as f:
            text = f.read()
        self.assertIn("add_library(EntraToolSDK::sdk INTERFACE IMPORTED)", text)
        self.assertIn("add_library(EntraToolSDK::support STATIC IMPORTED)", text)
        with open(os.path.join(os.path.dirname(targets), "EntraToolSDKConfigVersion.cmake")) as f:
            self.assertIn('set(PACKAGE_VERSION "2.1")', f.read())

    def test_the_installed_headers_pull_in_no_third_party_library(self):
        include = os.path.join(self.prefix, "include")
        for root, _, files in os.walk(include):
            for name in files:
                with open(os.path.join(root, name)) as f:
                    text = f.read()
                for banned in ("<boost/", "<Poco/", "<yaml-cpp/", "<openssl/", "<unistd.h>", "<sys/"):
                    self.assertNotIn(banned, text, name)

    def test_every_installed_header_compiles_on_its_own(self):
        include = os.path.join(self.prefix, "include")
        headers = sorted(os.path.relpath(os.path.join(r, f), include)
                         for r, _, fs in os.walk(include) for f in fs if f.endswith(".h"))
        self.assertGreaterEqual(len(headers), 15, headers)
        work = tempfile.mkdtemp(dir=self.tmp)
        strict = ["-fsyntax-only", "-Wall", "-Wextra", "-Werror", "-pedantic-errors", "-I" + include]
        compilers = [("c++17", [CXX, "-std=c++17"], ".cpp")]
        if shutil.which("clang++"):
            compilers.append(("c++17/libc++", ["clang++", "-std=c++17", "-stdlib=libc++"], ".cpp"))
        failures = []
        for header in headers:
            tus = list(compilers)
            if header in ("entratool/sdk/abi.h", "entratool/sdk/version.h"):
                tus.append(("c99", [CC, "-std=c99", "-x", "c"], ".c"))
            for label, compiler, suffix in tus:
                tu = os.path.join(work, re.sub(r"[/.]", "_", header) + suffix)
                with open(tu, "w") as f:
                    # Twice, for the include guard; one declaration, so that C sees a non-empty unit.
                    f.write("#include <%s>\n#include <%s>\ntypedef int entratool_tu_is_not_empty;\n" % (header, header))
                p = subprocess.run(compiler + strict + [tu], capture_output=True, text=True, timeout=120)
                if p.returncode != 0:
                    failures.append("%s (%s):\n%s" % (header, label, p.stderr))
        self.assertFalse(failures, "\n".join(failures))

    # ---- the examples -------------------------------------------------------------------------

    def test_each_example_is_under_30_lines_of_cpp(self):
        for example in EXAMPLES:
            source = os.path.join(SOURCE, "examples", example, "plugin.cpp")
            self.assertLess(len(code_lines(source)), 30, source)

    def test_the_examples_compile_with_no_include_path_into_the_source_tree(self):
        for (example, toolchain), build in self.builds.items():
            with open(os.path.join(build, "compile_commands.json")) as f:
                commands = json.load(f)
            self.assertTrue(commands)
            for c in commands:
                flags = c["command"].split()
                includes = [x for x in flags if x.startswith(("-I", "-isystem"))]
                includes += [flags[i + 1] for i, x in enumerate(flags[:-1]) if x in ("-isystem", "-I")]
                for inc in includes:
                    self.assertNotIn(os.path.join(SOURCE, "sdk"), inc)
                    self.assertNotIn(BUILD, inc)
                self.assertIn(os.path.join(self.prefix, "include"), " ".join(includes), (example, toolchain))
                # entratool_add_plugin() wrote the id, version and description once, for the macro.
                self.assertIn("-DENTRATOOL_PLUGIN_ID=", c["command"])

    def test_the_manifests_list_the_components_and_the_flow_declarations(self):
        with open(os.path.join(self.plugin_dir("hello-formatter"), "hello.plugin.json")) as f:
            hello = json.load(f)
        self.assertEqual(hello, {
            "entratool_plugin_manifest": 2, "id": "hello", "version": "1.0.0", "sdk": "2.1",
            "library": "entratool-hello.so", "description": "Says hello to your token (an example plugin)",
            "components": [{"kind": "formatter", "id": "hello",
                            "description": "Says hello to your token (an example plugin)"}]})
        with open(os.path.join(self.plugin_dir("static-flow"), "static-flow.plugin.json")) as f:
            flow = json.load(f)
        with open(os.path.join(SOURCE, "examples", "static-flow", "components.json")) as f:
            declared = json.load(f)
        self.assertEqual((flow["entratool_plugin_manifest"], flow["id"], flow["library"]),
                         (2, "static-flow", "entratool-static-flow.so"))
        self.assertEqual(flow["components"], declared)  # copied as written
        self.assertEqual(flow["components"][0]["flow"]["requires"], [])
        for example in EXAMPLES:
            folder = self.plugin_dir(example)
            for name in os.listdir(folder):
                self.assertEqual(os.stat(os.path.join(folder, name)).st_mode & 0o022, 0, name)

    def test_the_libcxx_builds_use_libcxx_and_nothing_of_libstdcxx(self):
        for example in EXAMPLES:
            (library,) = [f for f in os.listdir(self.plugin_dir(example, "libcxx")) if f.endswith(".so")]
            libs = needed(os.path.join(self.plugin_dir(example, "libcxx"), library))
            self.assertIn("libc++.so.1", libs, example)
            self.assertFalse(any(lib.startswith("libstdc++") for lib in libs), (example, libs))
            out = run(["nm", "-D", "--defined-only", os.path.join(self.plugin_dir(example, "libcxx"), library)]).stdout
            self.assertEqual([line.split()[-1] for line in out.splitlines()], ["entratool_plugin_entry"], example)
        # The host is the GCC build, with its own C++ library linked in statically.
        self.assertFalse(any(lib.startswith(("libc++", "libstdc++")) for lib in needed(BIN)), needed(BIN))

    def test_the_host_lists_the_examples_without_loading_them(self):
        p = self.tool("plugins", "list", "-o", "json")
        self.assertEqual(p.returncode, 0, p.stderr)
        rows = {r["id"]: r for r in json.loads(p.stdout)}
        for example in EXAMPLES:
            plugin_id, kind = EXAMPLE_IDS[example]
            row = rows[plugin_id]
            self.assertEqual((row["kind"], row["version"], row["status"], row["origin"]),
                             (kind, "1.0.0", "available", "--plugin-dir"))
            self.assertEqual(row["path"], os.path.realpath(
                os.path.join(self.plugin_dir(example), "entratool-%s.so" % plugin_id)))

    def test_the_host_loads_each_example_built_by_either_toolchain(self):
        for toolchain, built_with in (("gcc", ";libstdc++"), ("libcxx", "clang-")):
            for example in EXAMPLES:
                plugin_id, _ = EXAMPLE_IDS[example]
                p = self.tool("plugins", "info", plugin_id, toolchain=toolchain)
                self.assertEqual(p.returncode, 0, p.stderr)
                self.assertIn("status:      loaded", p.stdout)
                self.assertIn(built_with, p.stdout)
                if toolchain == "libcxx":
                    self.assertIn(";libc++", p.stdout)

    def test_hello_formats_documents_and_tokens(self):
        for toolchain in ("gcc", "libcxx"):
            p = self.tool("plugins", "list", "-o", "hello", toolchain=toolchain)
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertRegex(p.stdout, r"^Hello! \d+ bytes of JSON\n$")

    def test_the_static_flow_and_the_memory_store_end_to_end(self):
        for toolchain in ("gcc", "libcxx"):
            with self.subTest(toolchain=toolchain):
                config = tempfile.mkdtemp(dir=self.tmp)
                store = {"ENTRATOOL_KEYSTORE": "memory-store"}
                self.make_profile(config, toolchain, env=store)
                p = self.tool("get-token", "-p", "demo", toolchain=toolchain, config=config, env=store)
                self.assertEqual((p.returncode, p.stdout), (0, "static-test-token\n"), p.stderr)
                p = self.tool("get-token", "-p", "demo", "-f", "static-flow", "-o", "hello", toolchain=toolchain,
                              config=config, env=store)
                self.assertEqual(p.returncode, 0, p.stderr)
                self.assertRegex(p.stdout, r'^Hello! token_type=Bearer expires_in=3[56]\d\d scope="api://demo/.default"\n$')
                # The memory store kept the cached token in this process only: the next run asks the
                # flow again, and no store folder was ever made.
                self.assertIn("static-flow", p.stderr)
                self.assertFalse([n for n in os.listdir(config) if n.startswith("keystore")], os.listdir(config))

    def test_the_static_flow_reads_its_profile_settings(self):
        config = tempfile.mkdtemp(dir=self.tmp)
        store = {"ENTRATOOL_KEYSTORE": "memory-store"}
        self.make_profile(config, env=store, settings={"static_token": "from-the-profile", "static_lifetime": "120"})
        p = self.tool("get-token", "-p", "demo", "-o", "json", config=config, env=store)
        self.assertEqual(p.returncode, 0, p.stderr)
        token = json.loads(p.stdout)
        self.assertEqual(token["access_token"], "from-the-profile")
        self.assertTrue(100 <= token["expires_in"] <= 120, token)

    def test_an_exception_in_a_libcxx_plugin_becomes_an_error_not_a_crash(self):
        config = tempfile.mkdtemp(dir=self.tmp)
        store = {"ENTRATOOL_KEYSTORE": "memory-store"}
        self.make_profile(config, "libcxx", env=store, settings={"static_lifetime": "not a number"})
        p = self.tool("get-token", "-p", "demo", toolchain="libcxx", config=config, env=store)
        self.assertEqual((p.returncode, p.stdout), (1, ""), p.stderr)
        self.assertIn("exception", p.stderr)
        self.assertIn("stoll", p.stderr)

    def test_with_the_encrypted_file_store_the_static_flow_token_is_cached(self):
        # The contrast with the memory store: the bundled store keeps the token for the next run.
        config = tempfile.mkdtemp(dir=self.tmp)
        self.make_profile(config)
        first = self.tool("get-token", "-p", "demo", config=config)
        second = self.tool("get-token", "-p", "demo", config=config)
        self.assertEqual((first.returncode, first.stdout), (0, "static-test-token\n"), first.stderr)
        self.assertEqual((second.returncode, second.stdout), (0, "static-test-token\n"), second.stderr)
        self.assertIn("static-flow", first.stderr)
        self.assertNotIn("static-flow", second.stderr)
        self.assertIn("keystore-encrypted-file", os.listdir(config))

    def test_the_memory_store_is_selected_by_config_and_gets_its_settings(self):
        for toolchain in ("gcc", "libcxx"):
            with self.subTest(toolchain=toolchain):
                config = tempfile.mkdtemp(dir=self.tmp)
                p = self.tool("create-profile", "-n", "app", "--tenant-id", "contoso.example", "--client-id",
                              "00000000-0000-0000-0000-000000000002", "--client-secret", "lost-at-exit",
                              toolchain=toolchain, config=config, env={"ENTRATOOL_KEYSTORE": "memory-store"})
                self.assertEqual(p.returncode, 0, p.stderr)
                p = self.tool("config", "show", "app", toolchain=toolchain, config=config,
                              env={"ENTRATOOL_KEYSTORE": "memory-store"})
                self.assertEqual(p.returncode, 0, p.stderr)
                self.assertIn("MISSING", p.stdout)  # the secret went with the process that stored it
                with open(os.path.join(config, "config.json"), "w") as f:
                    json.dump({"keystore": "memory-store",
                               "keystore_settings": {"profile/app/client-secret": "seeded"}}, f)
                p = self.tool("config", "show", "app", toolchain=toolchain, config=config)
                self.assertEqual(p.returncode, 0, p.stderr)
                self.assertIn("in memory, for this process only (example store)", p.stdout)
                self.assertNotIn("seeded", p.stdout + p.stderr)

    def test_an_example_installs_its_plugin_and_manifest(self):
        dest = os.path.join(self.tmp, "plugin-prefix")
        run([CMAKE, "--install", self.builds[("static-flow", "gcc")], "--prefix", dest])
        folder = os.path.join(dest, "lib", "entratool", "plugins")
        self.assertEqual(sorted(os.listdir(folder)), ["entratool-static-flow.so", "static-flow.plugin.json"])


RULES_PROJECT = r"""
cmake_minimum_required(VERSION 3.20)
project(rules LANGUAGES CXX)
find_package(EntraToolSDK 2.0 REQUIRED)
# A source that is never compiled: every case below must fail at configure time.
file(WRITE ${CMAKE_BINARY_DIR}/p.cpp "int configure_must_refuse_this_target;\n")
set(src ${CMAKE_BINARY_DIR}/p.cpp)
if(CASE STREQUAL "boost")
  find_package(Boost REQUIRED)
  entratool_add_plugin(p ID rules KIND formatter VERSION 1.0.0 SOURCES ${src})
  target_link_libraries(p PRIVATE Boost::headers)
elseif(CASE STREQUAL "host")
  add_library(entratool_host INTERFACE)
  entratool_add_plugin(p ID rules KIND formatter VERSION 1.0.0 SOURCES ${src})
  target_link_libraries(p PRIVATE entratool_host)
elseif(CASE STREQUAL "boost_through_a_static_library")
  find_package(Boost REQUIRED)
  add_library(helper STATIC ${src})
  target_link_libraries(helper PRIVATE Boost::headers)
  entratool_add_plugin(p ID rules KIND formatter VERSION 1.0.0 SOURCES ${src})
  target_link_libraries(p PRIVATE helper)
elseif(CASE STREQUAL "good")
  add_library(helper STATIC ${src})
  entratool_add_plugin(p ID rules VERSION 1.0.0 COMPONENTS ${CMAKE_SOURCE_DIR}/components.json SOURCES ${src})
  target_link_libraries(p PRIVATE helper EntraToolSDK::support)
elseif(CASE STREQUAL "no_kind")
  entratool_add_plugin(p ID rules VERSION 1.0.0 SOURCES ${src})
elseif(CASE STREQUAL "bad_kind")
  entratool_add_plugin(p ID rules KIND printer VERSION 1.0.0 SOURCES ${src})
elseif(CASE STREQUAL "bad_id")
  entratool_add_plugin(p ID Rules KIND formatter VERSION 1.0.0 SOURCES ${src})
else()
  entratool_add_plugin(p ID rules VERSION 1.0.0 COMPONENTS ${CMAKE_SOURCE_DIR}/components.json SOURCES ${src})
endif()
"""

GOOD_COMPONENTS = [
    {"kind": "flow", "id": "rules-flow", "description": "d",
     "flow": {"aliases": ["rf"], "interactive": True, "refresh_tokens": "issues", "client_auth": "required",
              "requires": ["tenant"], "secrets": ["api-key"], "fields": ["region"], "default_for": ["secret"]}},
    {"kind": "secret-store", "id": "rules-store"},
]

# (case, components file text or None, what the error must say)
REFUSALS = [
    ("boost", None, "the plugin links Boost::headers"),
    ("host", None, "the plugin links entratool_host"),
    ("boost_through_a_static_library", None, "the plugin links Boost::headers (through helper)"),
    ("no_kind", None, "KIND <flow|formatter|secret-store> or COMPONENTS <file.json> is required"),
    ("bad_kind", None, "KIND 'printer' is not flow, formatter or secret-store"),
    ("bad_id", None, "ID 'Rules' must be 1 to 64 lower-case letters"),
    ("not_json", "[{", "is not valid JSON"),
    ("not_an_array", '{"kind": "flow", "id": "x"}', "must hold a JSON array of component objects"),
    ("empty", "[]", "must list 1 to 64 components"),
    ("unknown_kind", '[{"kind": "printer", "id": "x"}]', "kind 'printer' is not flow, formatter or secret-store"),
    ("missing_id", '[{"kind": "flow"}]', '"id" is missing or not a string'),
    ("bad_component_id", '[{"kind": "flow", "id": "X Y"}]', "id 'X Y' must be 1 to 64 lower-case letters"),
    ("twice", '[{"kind": "flow", "id": "x"}, {"kind": "formatter", "id": "x"}]', "id 'x' is listed twice"),
    ("flow_on_formatter", '[{"kind": "formatter", "id": "x", "flow": {}}]', 'only a flow has a "flow" object'),
    ("unknown_member", '[{"kind": "flow", "id": "x", "kinds": 1}]', 'unknown member "kinds"'),
    ("unknown_declaration", '[{"kind": "flow", "id": "x", "flow": {"refresh_token": "issues"}}]',
     'unknown flow declaration "refresh_token"'),
    ("bad_choice", '[{"kind": "flow", "id": "x", "flow": {"refresh_tokens": "yes"}}]',
     '"refresh_tokens" must be one of none, issues, redeems'),
    ("bad_requires", '[{"kind": "flow", "id": "x", "flow": {"requires": ["secret"]}}]',
     "\"requires\" names 'secret'; allowed: tenant, client_id"),
    ("bad_boolean", '[{"kind": "flow", "id": "x", "flow": {"interactive": "yes"}}]',
     '"interactive" must be true or false'),
    ("bad_words", '[{"kind": "flow", "id": "x", "flow": {"secrets": ["two words"]}}]',
     '"secrets" entry 0 must be a string of 1 to 64 printable ASCII characters'),
]


class PluginRules(unittest.TestCase):
    """entratool_add_plugin() checks at configure time, from the installed SDK."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="entratool-sdk-rules-")
        cls.prefix = os.path.join(cls.tmp, "prefix")
        run([CMAKE, "--install", BUILD, "--prefix", cls.prefix, "--component", "sdk"])

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def configure(self, case, components):
        source = os.path.join(self.tmp, case)
        os.makedirs(source)
        with open(os.path.join(source, "CMakeLists.txt"), "w") as f:
            f.write(RULES_PROJECT)
        with open(os.path.join(source, "components.json"), "w") as f:
            f.write(components if components is not None else json.dumps(GOOD_COMPONENTS))
        build = os.path.join(source, "build")
        cmd = configure_command(source, build, self.prefix, ["-DCMAKE_CXX_COMPILER=" + CXX, "-DCASE=" + case])
        return subprocess.run(cmd, capture_output=True, text=True, timeout=300), build

    def test_a_good_plugin_configures_and_builds_and_its_manifest_keeps_the_declarations(self):
        p, build = self.configure("good", None)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        run([CMAKE, "--build", build])
        with open(os.path.join(build, "plugins", "rules.plugin.json")) as f:
            manifest = json.load(f)
        self.assertEqual(manifest["components"], GOOD_COMPONENTS)
        self.assertEqual(manifest["description"], "")

    def test_refusals_say_what_is_wrong(self):
        for case, components, message in REFUSALS:
            with self.subTest(case=case):
                p, _ = self.configure(case, components)
                self.assertNotEqual(p.returncode, 0, p.stdout)
                # CMake wraps long messages; compare with the line breaks taken out.
                said = re.sub(r"\s+", " ", p.stderr)
                self.assertIn(message, said)
                self.assertIn("entratool_add_plugin(p)", said)


if __name__ == "__main__":
    unittest.main(verbosity=2)
