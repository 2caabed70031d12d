"""`entratool plugins list|info` against the real binary and the fixture plugins in
tests/fixtures: every broken plugin is reported with its exact reason and exit code 1, `list` loads
no plugin, the first id wins, and the process never dies of a signal."""

import json
import re
import os
import shutil
import subprocess
import tempfile
import unittest

BIN = os.environ["ENTRATOOL_BIN"]
BUILD = os.environ["ENTRATOOL_BUILD_DIR"]
FIXTURES = os.path.join(BUILD, "tests", "fixtures", "bad_plugins")

BROKEN = {
    # id: (fixture folder, the refusal as it appears after "entratool: "); {lib} and {man} are the
    # fixture's library and manifest.
    "wrong-major": ("wrong_major", "plugin 'wrong-major' was built for SDK 3.1; this entratool provides 2.1"),
    "future-sdk": ("future_sdk", "plugin 'future-sdk' was built for SDK 2.2; this entratool provides 2.1"),
    "old-sdk": ("old_sdk", "plugin 'old-sdk' was built for SDK 1.0; this entratool provides 2.1; "
                           "rebuild it against this SDK (docs/plugin-abi.md)"),
    "no-entry": ("no_entry", "plugin 'no-entry' ({lib}) has no entratool_plugin_entry: not an entratool plugin"),
    "null-descriptor": ("null_descriptor", "plugin 'null-descriptor' ({lib}) returned no descriptor: not an entratool plugin"),
    "bad-magic": ("bad_magic", "plugin 'bad-magic' ({lib}) has a descriptor with the wrong magic value 0xDEADBEEF: not an entratool plugin"),
    "small-descriptor": ("small_descriptor", "plugin 'small-descriptor' ({lib}) has a descriptor of 12 bytes; at least 56 are needed"),
    "no-register": ("no_register", "plugin 'no-register' ({lib}) has no register function"),
    "mismatch-id": ("mismatch_id", "plugin 'mismatch-id' ({lib}): the manifest says id 'mismatch-id' but the library says id 'other-id'"),
    "mismatch-kind": ("mismatch_kind", "plugin 'mismatch-kind' ({lib}): flow 'mismatch-kind' is not listed in the manifest {man}"),
    "throws": ("throws", "plugin 'throws' ({lib}) threw an exception while registering: boom from the fixture's register function"),
    "throws-other": ("throws_other", "plugin 'throws-other' ({lib}) threw an exception while registering: an exception that is not a std::exception"),
    "fails": ("fails", "plugin 'fails' ({lib}) failed to register: the fixture declines to register"),
    "registers-none": ("registers_none", "plugin 'registers-none' ({lib}): the manifest lists formatter 'registers-none' but the library did not register it"),
    "registers-two": ("registers_two", "plugin 'registers-two' ({lib}): formatter 'registers-two' was registered twice"),
    "undeclared": ("undeclared", "plugin 'undeclared' ({lib}): formatter 'undeclared-extra' is not listed in the manifest {man}"),
    "unregistered": ("unregistered", "plugin 'unregistered' ({lib}): the manifest lists flow 'unregistered-flow' but the library did not register it"),
    "small-interface": ("small_interface", "plugin 'small-interface' ({lib}): formatter 'small-interface' has an interface of 8 bytes; at least 32 are needed"),
    "null-function": ("null_function", "plugin 'null-function' ({lib}): formatter 'null-function' has a NULL format_token function"),
    "wrong-component": ("wrong_component", "plugin 'wrong-component' ({lib}): formatter 'wrong-component' is not listed in the manifest {man}"),
    "unresolved": ("unresolved", "plugin 'unresolved' ({lib}) cannot be loaded: undefined symbol: entratool_fixture_symbol_defined_nowhere"),
}


def library_of(folder, plugin_id):
    return os.path.join(FIXTURES, folder, "entratool-%s.so" % plugin_id)


def manifest_of(folder, plugin_id):
    return os.path.join(FIXTURES, folder, "%s.plugin.json" % plugin_id)


class PluginsCommand(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="entratool-plugins-")
        self.markers = os.path.join(self.tmp, "markers")
        os.mkdir(self.markers)
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("ENTRATOOL_", "XDG_"))}
        self.env.update({
            "HOME": self.tmp,
            "XDG_CONFIG_HOME": os.path.join(self.tmp, "config"),
            "XDG_DATA_HOME": os.path.join(self.tmp, "data"),
            "ENTRATOOL_CONFIG_DIR": os.path.join(self.tmp, "entratool"),
            "ENTRATOOL_FIXTURE_LOAD_MARKER_DIR": self.markers,
        })

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def run_tool(self, *args, env=None, cwd=None):
        p = subprocess.run([BIN, *args], capture_output=True, text=True, timeout=60,
                           env=env or self.env, cwd=cwd or self.tmp)
        self.assertGreaterEqual(p.returncode, 0, "killed by a signal: %r\n%s" % (args, p.stderr))
        return p

    def dirs(self, *folders):
        out = []
        for f in folders:
            out += ["--plugin-dir", os.path.join(FIXTURES, f)]
        return out

    def all_fixture_dirs(self):
        return self.dirs(*sorted(os.listdir(FIXTURES)))

    def test_list_reports_every_candidate_as_json_without_loading_any(self):
        p = self.run_tool(*self.all_fixture_dirs(), "plugins", "list", "-o", "json")
        self.assertEqual(p.returncode, 0, p.stderr)
        rows = json.loads(p.stdout)
        self.assertEqual(os.listdir(self.markers), [], "plugins list ran plugin code")
        by_path = {r["path"]: r for r in rows}
        for r in rows:
            self.assertEqual(set(r), {"id", "kind", "version", "sdk", "status", "origin", "path", "manifest", "reason",
                                      "bundle", "signer"})
        good = by_path[library_of("good", "fixture-good")]
        self.assertEqual((good["status"], good["kind"], good["version"], good["sdk"], good["origin"], good["reason"]),
                         ("available", "formatter", "1.0.0", "2.1", "--plugin-dir", ""))
        # Broken plugins look available until loaded, except what the manifest alone reveals.
        self.assertEqual(by_path[library_of("future_sdk", "future-sdk")]["status"], "refused")
        self.assertEqual(by_path[library_of("no_entry", "no-entry")]["status"], "available")
        shadowed = by_path[library_of("dup_second", "dup")]
        self.assertEqual(shadowed["status"], "shadowed")
        self.assertIn("shadowed by " + library_of("dup_first", "dup"), shadowed["reason"])
        invalid = {r["id"]: r for r in rows if r["status"] == "invalid" and r["manifest"].startswith(FIXTURES)}
        self.assertEqual(set(invalid), {"broken", "ghost", "misnamed", "sdk1"})
        self.assertIn("unsupported manifest format 1 (this entratool reads format 2); rebuild the plugin against SDK 2",
                      invalid["sdk1"]["reason"])
        self.assertIn("named by the manifest is missing", invalid["ghost"]["reason"])
        self.assertTrue(invalid["broken"]["reason"].startswith("invalid manifest: invalid JSON"))

    def test_list_table_shows_status_and_reason_columns(self):
        p = self.run_tool(*self.dirs("good", "dup_first", "dup_second", "invalid"), "plugins", "list")
        self.assertEqual(p.returncode, 0, p.stderr)
        lines = p.stdout.splitlines()
        self.assertTrue(lines[0].startswith("policy: none ("), lines[0])
        self.assertEqual(lines[1].split(), ["ID", "KIND", "VERSION", "SDK", "STATUS", "ORIGIN", "BUNDLE", "SIGNER",
                                            "PATH", "REASON"])
        good = next(l for l in lines if l.startswith("fixture-good "))
        self.assertEqual(good.split()[:6], ["fixture-good", "formatter", "1.0.0", "2.1", "available", "--plugin-dir"])
        self.assertTrue(any(l.startswith("dup ") and " shadowed " in l for l in lines))
        self.assertTrue(any(l.startswith("broken ") and " invalid " in l and "invalid manifest" in l for l in lines))
        self.assertEqual(p.stderr, "")

    def test_info_loads_a_good_plugin_and_shows_its_descriptor(self):
        p = self.run_tool(*self.dirs("good"), "plugins", "info", "fixture-good")
        self.assertEqual(p.returncode, 0, p.stderr)
        fields = dict(l.split(":", 1) for l in p.stdout.splitlines())
        fields = {k: v.strip() for k, v in fields.items()}
        self.assertEqual(fields["status"], "loaded")
        self.assertEqual(fields["library"], library_of("good", "fixture-good"))
        self.assertEqual(fields["manifest"], os.path.join(FIXTURES, "good", "fixture-good.plugin.json"))
        self.assertTrue(fields["built with"].startswith("gcc-"), fields)
        self.assertTrue(fields["built with"].endswith(";libstdc++"), fields)
        self.assertEqual(fields["sdk"], "2.1")
        self.assertEqual(os.listdir(self.markers), ["fixture-good.loaded"])

        j = self.run_tool(*self.dirs("good"), "plugins", "info", "fixture-good", "-o", "json")
        self.assertEqual(j.returncode, 0, j.stderr)
        doc = json.loads(j.stdout)
        self.assertEqual((doc["id"], doc["status"], doc["reason"]), ("fixture-good", "loaded", ""))

    def test_each_broken_plugin_is_refused_with_its_message_and_exit_1(self):
        for plugin_id, (folder, message) in BROKEN.items():
            with self.subTest(plugin=plugin_id):
                p = self.run_tool(*self.dirs(folder, "good"), "plugins", "info", plugin_id)
                self.assertEqual(p.returncode, 1, p.stderr)
                expected = "entratool: " + message.format(lib=library_of(folder, plugin_id),
                                                          man=manifest_of(folder, plugin_id)) + "\n"
                self.assertEqual(p.stderr, expected)
                self.assertIn("status:      refused", p.stdout)

    def test_not_a_library_is_refused_with_the_loaders_reason(self):
        p = self.run_tool(*self.dirs("not_a_library"), "plugins", "info", "garbage")
        self.assertEqual(p.returncode, 1)
        self.assertTrue(p.stderr.startswith("entratool: plugin 'garbage' (%s) cannot be loaded: "
                                            % library_of("not_a_library", "garbage")), p.stderr)
        self.assertEqual(p.stderr.count("\n"), 1)

    def test_a_truncated_library_is_refused_not_a_crash(self):
        # glibc maps a library's segments as its program headers say: a copy cut short (a full
        # disk during an install) was SIGBUS inside dlopen, the host killed without a word.
        folder = os.path.join(self.tmp, "cut")
        shutil.copytree(os.path.join(FIXTURES, "good"), folder)
        os.chmod(folder, 0o755)
        library = os.path.join(folder, "entratool-fixture-good.so")
        with open(library, "r+b") as f:
            f.truncate(3000)  # the ELF header and program headers, none of the segments
        p = self.run_tool("--plugin-dir", folder, "plugins", "info", "fixture-good")
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertRegex(p.stderr, r"^entratool: plugin 'fixture-good' \(%s\) cannot be loaded: the file is "
                                   r"truncated: 3000 bytes, its segments need \d+; reinstall the plugin\n$"
                         % re.escape(library))

    def test_invalid_and_unknown_ids_fail_with_exit_1(self):
        p = self.run_tool(*self.dirs("invalid", "good"), "plugins", "info", "ghost")
        self.assertEqual(p.returncode, 1)
        self.assertEqual(p.stderr, "entratool: plugin 'ghost' cannot be used: library 'entratool-ghost.so' named by the manifest is missing\n")
        p = self.run_tool(*self.dirs("good"), "plugins", "info", "no-such-plugin")
        self.assertEqual(p.returncode, 1)
        self.assertIn("entratool: no plugin 'no-such-plugin' (known: ", p.stderr)
        self.assertIn("fixture-good", p.stderr)
        self.assertEqual(p.stdout, "")

    def test_duplicate_id_first_folder_wins(self):
        p = self.run_tool(*self.dirs("dup_second", "dup_first"), "plugins", "info", "dup", "-o", "json")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(json.loads(p.stdout)["version"], "2.0.0")

    def test_environment_path_is_searched_after_the_flag_and_relative_entries_are_dropped(self):
        env = dict(self.env)
        env["ENTRATOOL_PLUGIN_PATH"] = os.path.join(FIXTURES, "dup_second") + "::relative/plugins"
        p = self.run_tool(*self.dirs("dup_first"), "plugins", "list", "-o", "json", env=env)
        self.assertEqual(p.returncode, 0, p.stderr)
        rows = {r["path"]: r for r in json.loads(p.stdout)}
        self.assertEqual(rows[library_of("dup_first", "dup")]["status"], "available")
        second = rows[library_of("dup_second", "dup")]
        self.assertEqual((second["status"], second["origin"]), ("shadowed", "ENTRATOOL_PLUGIN_PATH"))
        self.assertIn("ignoring relative plugin folder 'relative/plugins' from ENTRATOOL_PLUGIN_PATH", p.stderr)

    def test_the_current_directory_is_never_searched(self):
        work = os.path.join(self.tmp, "work")
        shutil.copytree(os.path.join(FIXTURES, "good"), work)
        p = self.run_tool("plugins", "list", "-o", "json", cwd=work)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertNotIn("fixture-good", [r["id"] for r in json.loads(p.stdout)])

    def test_user_plugin_folder_is_searched(self):
        user = os.path.join(self.tmp, "data", "entratool", "plugins")
        shutil.copytree(os.path.join(FIXTURES, "good"), user)
        p = self.run_tool("plugins", "list", "-o", "json")
        rows = {r["id"]: r for r in json.loads(p.stdout)}
        self.assertEqual(rows["fixture-good"]["origin"], "user")

    def test_writable_plugin_folder_is_refused_and_explained(self):
        folder = os.path.join(self.tmp, "shared-plugins")
        shutil.copytree(os.path.join(FIXTURES, "good"), folder)
        os.chmod(folder, 0o777)
        p = self.run_tool("--plugin-dir", folder, "plugins", "list")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("note: plugin folder '%s' is group- or world-writable; fix with: chmod go-w '%s'" % (folder, folder), p.stdout)
        p = self.run_tool("--plugin-dir", folder, "plugins", "info", "fixture-good")
        self.assertEqual(p.returncode, 1)
        self.assertIn("group- or world-writable", p.stderr)
        self.assertEqual(os.listdir(self.markers), [])

    def test_missing_plugin_folder_is_noted_not_fatal(self):
        missing = os.path.join(self.tmp, "nope")
        p = self.run_tool("--plugin-dir", missing, "plugins", "list")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("note: plugin folder '%s' (--plugin-dir) does not exist" % missing, p.stdout)

    def test_list_can_be_rendered_by_a_formatter_plugin(self):
        p = self.run_tool(*self.dirs("good"), "plugins", "list", "-o", "fixture-good")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertRegex(p.stdout, r"^fixture fixture-good document \d+ bytes\n$")
        p = self.run_tool(*self.dirs("good", "throws"), "plugins", "list", "-o", "throws")
        self.assertEqual(p.returncode, 1)
        self.assertIn("threw an exception while registering", p.stderr)
        self.assertEqual(p.stdout, "")

    def test_an_exception_in_a_component_call_becomes_one_error_line(self):
        p = self.run_tool(*self.dirs("throws_in_call"), "plugins", "list", "-o", "throws-in-call")
        self.assertEqual(p.returncode, 1)
        self.assertEqual(p.stderr, "entratool: formatter plugin 'throws-in-call' failed: threw an exception: "
                                   "boom from format_document\n")
        self.assertEqual(p.stdout, "")

    def make_public_profile(self, *extra_dirs):
        p = self.run_tool(*self.dirs(*extra_dirs), "create-profile", "--name", "pub", "--tenant-id", "contoso.onmicrosoft.com",
                          "--client-id", "00000000-0000-0000-0000-000000000001", "--auth-method", "none")
        self.assertEqual(p.returncode, 0, p.stderr)

    def test_one_library_registers_two_components_listed_in_its_manifest(self):
        p = self.run_tool(*self.dirs("multi"), "plugins", "list", "-o", "json")
        rows = {r["id"]: r for r in json.loads(p.stdout) if r["manifest"].startswith(FIXTURES)}
        self.assertEqual((rows["multi"]["kind"], rows["multi-flow"]["kind"]), ("formatter", "flow"))
        self.assertEqual(rows["multi"]["path"], rows["multi-flow"]["path"])
        self.assertEqual(os.listdir(self.markers), [])
        info = self.run_tool(*self.dirs("multi"), "plugins", "info", "multi-flow", "-o", "json")
        self.assertEqual(info.returncode, 0, info.stderr)
        doc = json.loads(info.stdout)
        self.assertEqual((doc["status"], doc["library_id"]), ("loaded", "multi"))
        self.assertEqual(doc["declares"]["aliases"], ["multiflow-alias"])
        self.assertEqual(doc["declares"]["requires"], [])

    def test_a_flow_is_found_by_its_declared_alias_and_runs_through_the_c_boundary(self):
        self.make_public_profile("multi")
        # Any spelling of the alias the manifest declares; the token comes from the fixture flow.
        p = self.run_tool(*self.dirs("multi"), "get-token", "-p", "pub", "-f", "Multiflow_Alias", "--silent")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout, "fixture-token-for-pub\n")
        p = self.run_tool(*self.dirs("multi"), "get-token", "-p", "pub", "-f", "no-such-flow")
        self.assertEqual(p.returncode, 1)
        self.assertIn("no flow plugin 'no-such-flow' (available: ", p.stderr)
        self.assertIn("multi-flow", p.stderr)

    def test_a_plugin_written_in_c_loads_and_formats(self):
        info = self.run_tool(*self.dirs("c_plugin"), "plugins", "info", "c-formatter")
        self.assertEqual(info.returncode, 0, info.stderr)
        self.assertRegex(info.stdout, r"built with:\s+gcc-\d+;c\n")
        self.make_public_profile("multi")
        p = self.run_tool(*self.dirs("multi", "c_plugin"), "get-token", "-p", "pub", "-f", "multi-flow",
                          "-o", "c-formatter")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout, "c-formatter: Bearer fixture-...\n")
        # It registers no document function: the host says so instead of calling NULL.
        p = self.run_tool(*self.dirs("c_plugin"), "plugins", "list", "-o", "c-formatter")
        self.assertEqual(p.returncode, 1)
        self.assertEqual(p.stderr, "entratool: the c-formatter format shows access tokens only; use -o json or -o yaml\n")

    def test_bad_usage_is_one_line_and_exit_1(self):
        for args, needle in [(["plugins", "frobnicate"], "unknown subcommand 'frobnicate'"),
                             (["plugins", "info"], "needs a plugin id"),
                             (["plugins", "list", "--bogus"], "unknown flag '--bogus'"),
                             (["plugins", "list", "extra"], "unexpected argument 'extra'")]:
            with self.subTest(args=args):
                p = self.run_tool(*args)
                self.assertEqual(p.returncode, 1)
                self.assertEqual(p.stderr.count("\n"), 1, p.stderr)
                self.assertIn(needle, p.stderr)
                self.assertIn("--help", p.stderr)

    def test_help_describes_both_subcommands(self):
        p = self.run_tool("plugins", "--help")
        self.assertEqual(p.returncode, 0)
        self.assertIn("Usage: entratool plugins list [options] | info ID [options]", p.stdout)
        self.assertIn("--output FORMAT", p.stdout)


if __name__ == "__main__":
    unittest.main(verbosity=2)
