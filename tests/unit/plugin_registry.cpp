// Guards discovery and loading against the real fixture plugins (tests/fixtures): every broken
// plugin is refused with its message and exit code 1, nothing crashes, the first id wins.
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "entratool/sdk/flow.h"
#include "entratool/sdk/formatter.h"
#include "entratool/sdk/version.h"
#include "plugins/plugin_registry.h"

using entratool::host::PluginCandidate;
using entratool::host::PluginRegistry;
using entratool::host::PluginSearchDir;
using State = PluginCandidate::State;

namespace {

const std::string kFixtures = ENTRATOOL_BUILD_DIR "/tests/fixtures/bad_plugins";

std::string fixture(const std::string& name) { return kFixtures + "/" + name; }

PluginRegistry registry_of(std::initializer_list<const char*> cases) {
  std::vector<PluginSearchDir> dirs;
  for (const char* c : cases) dirs.push_back({fixture(c), "--plugin-dir"});
  return PluginRegistry(dirs, {});
}

const PluginCandidate& only(const PluginRegistry& r) {
  REQUIRE(r.candidates().size() == 1);
  return r.candidates().front();
}

// The refusal a formatter fixture gets when it is loaded on its own.
std::string refusal_of(const char* fixture_case, const char* id) {
  auto r = registry_of({fixture_case});
  auto f = r.formatter(id);
  REQUIRE_FALSE(f);
  CHECK(f.status().exit_code() == 1);
  CHECK(only(r).state == State::refused);
  CHECK(only(r).reason == f.status().message());
  return f.status().message();
}

struct TempDir {
  std::string path;
  TempDir() {
    char tmpl[] = "/tmp/entratool-registry-XXXXXX";
    REQUIRE(::mkdtemp(tmpl));
    path = tmpl;
  }
  ~TempDir() { std::system(("rm -rf '" + path + "'").c_str()); }
  void copy_from(const std::string& dir) { REQUIRE(std::system(("cp '" + dir + "'/* '" + path + "'/").c_str()) == 0); }
};

}  // namespace

TEST_CASE("a good plugin is discovered without loading, then loads once and formats") {
  auto r = registry_of({"good"});
  const auto& c = only(r);
  CHECK(c.id == "fixture-good");
  CHECK(c.kind == "formatter");
  CHECK(c.version == "1.0.0");
  CHECK(c.state == State::available);
  CHECK(c.origin == "--plugin-dir");
  CHECK(c.library == fixture("good") + "/entratool-fixture-good.so");
  CHECK(c.manifest == fixture("good") + "/fixture-good.plugin.json");
  CHECK(r.ids_of_kind("formatter") == std::vector<std::string>{"fixture-good"});
  CHECK(r.ids_of_kind("flow").empty());

  auto f = r.formatter("fixture-good");
  REQUIRE(f);
  CHECK(c.state == State::loaded);
  CHECK(c.built_with == ENTRATOOL_SDK_BUILT_WITH);
  CHECK(c.library_id == "fixture-good");
  auto again = r.formatter("fixture-good");
  REQUIRE(again);
  CHECK(*again == *f);
  entratool::sdk::TokenResponse t;
  auto text = (*f)->format_token(t, {});
  REQUIRE(text);
  CHECK(*text == "fixture fixture-good 1.0.0 token_type=Bearer\n");
}

TEST_CASE("asking for the wrong kind or an unknown id says what exists") {
  auto r = registry_of({"good"});
  auto flow = r.flow("fixture-good");
  REQUIRE_FALSE(flow);
  CHECK(flow.status().message() == "plugin 'fixture-good' is a formatter, not a flow");
  auto missing = r.formatter("nope");
  REQUIRE_FALSE(missing);
  CHECK(missing.status().exit_code() == 1);
  CHECK(missing.status().message() == "no formatter plugin 'nope' (available: fixture-good)");
  auto none = r.secret_store("nope");
  CHECK(none.status().message() == "no secret-store plugin 'nope' (none found; see 'entratool plugins list')");
}

TEST_CASE("wrong SDK major in the binary is refused at load time") {
  CHECK(refusal_of("wrong_major", "wrong-major") ==
        "plugin 'wrong-major' was built for SDK 3.1; this entratool provides 2.1");
}

TEST_CASE("wrong SDK major in the manifest is refused without loading") {
  auto r = registry_of({"future_sdk"});
  CHECK(only(r).state == State::refused);
  CHECK(only(r).reason == "plugin 'future-sdk' was built for SDK 2.2; this entratool provides 2.1");
  CHECK(r.ids_of_kind("formatter").empty());
  CHECK(r.formatter("future-sdk").status().message() == only(r).reason);
}

TEST_CASE("a library without the entry point is not an entratool plugin") {
  CHECK(refusal_of("no_entry", "no-entry") ==
        "plugin 'no-entry' (" + fixture("no_entry") +
            "/entratool-no-entry.so) has no entratool_plugin_entry: not an entratool plugin");
}

TEST_CASE("a file that is not a library at all is refused with the loader's reason") {
  auto m = refusal_of("not_a_library", "garbage");
  CHECK(m.rfind("plugin 'garbage' (" + fixture("not_a_library") + "/entratool-garbage.so) cannot be loaded: ", 0) == 0);
}

TEST_CASE("an unresolved symbol is refused at load time because loading is bind-now") {
  CHECK(refusal_of("unresolved", "unresolved") ==
        "plugin 'unresolved' (" + fixture("unresolved") +
            "/entratool-unresolved.so) cannot be loaded: undefined symbol: entratool_fixture_symbol_defined_nowhere");
}

TEST_CASE("null descriptor and bad magic are refused") {
  CHECK(refusal_of("null_descriptor", "null-descriptor").find("returned no descriptor: not an entratool plugin") !=
        std::string::npos);
  CHECK(refusal_of("bad_magic", "bad-magic").find("wrong magic value 0xDEADBEEF") != std::string::npos);
}

TEST_CASE("a manifest that does not match the binary is refused") {
  CHECK(refusal_of("mismatch_id", "mismatch-id") ==
        "plugin 'mismatch-id' (" + fixture("mismatch_id") +
            "/entratool-mismatch-id.so): the manifest says id 'mismatch-id' but the library says id 'other-id'");
  CHECK(refusal_of("mismatch_kind", "mismatch-kind") ==
        "plugin 'mismatch-kind' (" + fixture("mismatch_kind") +
            "/entratool-mismatch-kind.so): flow 'mismatch-kind' is not listed in the manifest " +
            fixture("mismatch_kind") + "/mismatch-kind.plugin.json");
}

TEST_CASE("a register function that throws is refused and the host carries on") {
  CHECK(refusal_of("throws", "throws") ==
        "plugin 'throws' (" + fixture("throws") +
            "/entratool-throws.so) threw an exception while registering: boom from the fixture's register function");
  CHECK(refusal_of("throws_other", "throws-other") == "plugin 'throws-other' (" + fixture("throws_other") +
                                                          "/entratool-throws-other.so) threw an exception while "
                                                          "registering: an exception that is not a std::exception");
}

TEST_CASE("register functions that fail, or register what the manifest does not list, are refused") {
  CHECK(refusal_of("fails", "fails").find(") failed to register: the fixture declines to register") !=
        std::string::npos);
  CHECK(refusal_of("registers_none", "registers-none")
            .find("): the manifest lists formatter 'registers-none' but the library did not register it") !=
        std::string::npos);
  CHECK(refusal_of("registers_two", "registers-two").find("): formatter 'registers-two' was registered twice") !=
        std::string::npos);
  CHECK(refusal_of("undeclared", "undeclared").find("): formatter 'undeclared-extra' is not listed in the manifest ") !=
        std::string::npos);
  auto r = registry_of({"wrong_component"});
  auto s = r.secret_store("wrong-component");
  REQUIRE_FALSE(s);
  CHECK(s.status().message().find("): formatter 'wrong-component' is not listed in the manifest") != std::string::npos);
}

TEST_CASE("a component the manifest lists but the library does not register refuses the whole library") {
  auto r = registry_of({"unregistered"});
  REQUIRE(r.candidates().size() == 2);
  auto f = r.formatter("unregistered");
  REQUIRE_FALSE(f);
  CHECK(f.status().message().find(
            "): the manifest lists flow 'unregistered-flow' but the library did not register it") != std::string::npos);
  for (const auto& c : r.candidates()) CHECK(c.state == State::refused);
}

TEST_CASE("interface structs that are too small or lack a required function are refused, never called") {
  CHECK(refusal_of("small_interface", "small-interface")
            .find("): formatter 'small-interface' has an interface of 8 bytes") != std::string::npos);
  CHECK(refusal_of("null_function", "null-function")
            .find("): formatter 'null-function' has a NULL format_token function") != std::string::npos);
  CHECK(refusal_of("small_descriptor", "small-descriptor").find(") has a descriptor of 12 bytes; at least 56") !=
        std::string::npos);
  CHECK(refusal_of("no_register", "no-register").find(") has no register function") != std::string::npos);
}

TEST_CASE("an exception thrown inside a component call becomes an error value") {
  auto r = registry_of({"throws_in_call"});
  auto f = r.formatter("throws-in-call");
  REQUIRE(f);
  auto text = (*f)->format_token(entratool::sdk::TokenResponse{}, {});
  REQUIRE_FALSE(text);
  CHECK(text.status().message() ==
        "formatter plugin 'throws-in-call' failed: threw an exception: boom from format_token");
}

TEST_CASE("one library with two components: both found from the manifest, loaded once, each usable") {
  auto r = registry_of({"multi"});
  REQUIRE(r.candidates().size() == 2);
  CHECK(r.candidates()[0].library == r.candidates()[1].library);
  CHECK(r.ids_of_kind("flow") == std::vector<std::string>{"multi-flow"});
  CHECK(r.resolve_flow_name("MultiFlow_Alias") == "multi-flow");
  CHECK(r.resolve_flow_name("Multi_Flow") == "multi-flow");
  CHECK(r.resolve_flow_name("Unknown-Thing") == "unknown-thing");
  REQUIRE(r.flow_declaration("multi-flow") != nullptr);
  CHECK_FALSE(r.flow_declaration("multi-flow")->requires_tenant);
  CHECK(r.flow_declaration("multi") == nullptr);  // a formatter
  auto flow = r.flow("multi-flow");
  REQUIRE(flow);
  for (const auto& c : r.candidates()) CHECK(c.state == State::loaded);
  auto formatter = r.formatter("multi");
  REQUIRE(formatter);
  // An interface beyond the base one, found by id through the C get_extension.
  struct Greeting {
    uint32_t size;
    const char* text;
  };
  const auto* greeting = static_cast<const Greeting*>((*formatter)->extension("entratool.fixture.greeting/1"));
  REQUIRE(greeting != nullptr);
  CHECK(greeting->size == sizeof(Greeting));
  CHECK(std::string(greeting->text) == "hello from multi");
  CHECK((*formatter)->extension("entratool.fixture.greeting/2") == nullptr);
  CHECK((*flow)->extension("entratool.fixture.greeting/1") == nullptr);
}

TEST_CASE("a refused plugin stays refused without a second load") {
  auto r = registry_of({"throws"});
  auto first = r.formatter("throws");
  auto second = r.formatter("throws");
  CHECK(first.status().message() == second.status().message());
}

TEST_CASE("the first plugin with an id wins and the later one is reported as shadowed") {
  auto r = registry_of({"dup_first", "dup_second"});
  REQUIRE(r.candidates().size() == 2);
  const auto& winner = r.candidates()[0];
  const auto& loser = r.candidates()[1];
  CHECK(winner.state == State::available);
  CHECK(winner.version == "1.0.0");
  CHECK(loser.state == State::shadowed);
  CHECK(loser.version == "2.0.0");
  CHECK(loser.reason == "shadowed by " + winner.library + " (--plugin-dir), which comes first in the search order");
  CHECK(r.find("dup") == &winner);
  r.load_all();
  CHECK(winner.state == State::loaded);
  CHECK(loser.state == State::shadowed);  // never loaded

  auto reversed = registry_of({"dup_second", "dup_first"});
  REQUIRE(reversed.find("dup") != nullptr);
  CHECK(reversed.find("dup")->version == "2.0.0");
}

TEST_CASE("invalid manifests and missing libraries are listed, never fatal, and claim no id") {
  auto r = registry_of({"invalid"});
  REQUIRE(r.candidates().size() == 4);
  for (const auto& c : r.candidates()) CHECK(c.state == State::invalid);
  CHECK(r.candidates()[3].id == "sdk1");
  CHECK(r.candidates()[3].reason.find("rebuild the plugin against SDK 2") != std::string::npos);
  CHECK(r.candidates()[0].id == "broken");
  CHECK(r.candidates()[0].reason.rfind("invalid manifest: invalid JSON", 0) == 0);
  CHECK(r.candidates()[1].id == "ghost");
  CHECK(r.candidates()[1].reason == "library 'entratool-ghost.so' named by the manifest is missing");
  CHECK(r.candidates()[2].reason.find("does not match its id 'other-name'") != std::string::npos);
  CHECK(r.find("ghost") == nullptr);
  auto g = r.formatter("ghost");
  REQUIRE_FALSE(g);
  CHECK(g.status().message().find("library 'entratool-ghost.so' named by the manifest is missing") !=
        std::string::npos);
}

TEST_CASE("missing explicit folders are noted; missing default folders are normal") {
  PluginRegistry r({{"/nonexistent/entratool-a", "--plugin-dir"},
                    {"/nonexistent/entratool-b", "user"},
                    {"relative/dir", "ENTRATOOL_PLUGIN_PATH"}},
                   {});
  CHECK(r.candidates().empty());
  REQUIRE(r.notes().size() == 2);
  CHECK(r.notes()[0] == "plugin folder '/nonexistent/entratool-a' (--plugin-dir) does not exist");
  CHECK(r.notes()[1] ==
        "ignoring relative plugin folder 'relative/dir' from ENTRATOOL_PLUGIN_PATH: plugin folders must be absolute "
        "paths");
}

TEST_CASE("the same folder reached twice is scanned once") {
  auto r = registry_of({"good", "good"});
  CHECK(r.candidates().size() == 1);
}

TEST_CASE("group- or world-writable plugin folders and files are not trusted") {
  TempDir dir;
  dir.copy_from(fixture("good"));
  REQUIRE(::chmod(dir.path.c_str(), 0775) == 0);
  {
    PluginRegistry r({{dir.path, "--plugin-dir"}}, {});
    CHECK(only(r).state == State::invalid);
    CHECK(only(r).reason.find("is group- or world-writable; fix with: chmod go-w") != std::string::npos);
    CHECK_FALSE(r.formatter("fixture-good"));
  }
  REQUIRE(::chmod(dir.path.c_str(), 0755) == 0);
  std::string library = dir.path + "/entratool-fixture-good.so";
  REQUIRE(::chmod(library.c_str(), 0757) == 0);
  {
    PluginRegistry r({{dir.path, "--plugin-dir"}}, {});
    CHECK(only(r).state == State::invalid);
    CHECK(only(r).reason ==
          "library '" + library + "' is group- or world-writable; fix with: chmod go-w '" + library + "'");
  }
  REQUIRE(::chmod(library.c_str(), 0755) == 0);
  {
    PluginRegistry r({{dir.path, "--plugin-dir"}}, {});
    CHECK(only(r).state == State::available);
  }
}

TEST_CASE("a symlinked library is recorded and loaded by its canonical path") {
  TempDir dir;
  std::string real = fixture("good") + "/entratool-fixture-good.so";
  REQUIRE(std::system(("cp '" + fixture("good") + "/fixture-good.plugin.json' '" + dir.path + "/'").c_str()) == 0);
  REQUIRE(::symlink(real.c_str(), (dir.path + "/entratool-fixture-good.so").c_str()) == 0);
  PluginRegistry r({{dir.path, "--plugin-dir"}}, {});
  CHECK(only(r).state == State::available);
  CHECK(only(r).library == real);
  CHECK(r.formatter("fixture-good"));
}

TEST_CASE("loading everything with broken plugins present refuses each and crashes nothing") {
  auto r = registry_of({"good",
                        "wrong_major",
                        "no_entry",
                        "null_descriptor",
                        "bad_magic",
                        "mismatch_id",
                        "mismatch_kind",
                        "throws",
                        "throws_other",
                        "fails",
                        "registers_none",
                        "registers_two",
                        "wrong_component",
                        "unresolved",
                        "not_a_library",
                        "invalid",
                        "dup_first",
                        "dup_second",
                        "future_sdk",
                        "old_sdk",
                        "small_descriptor",
                        "no_register",
                        "undeclared",
                        "unregistered",
                        "small_interface",
                        "null_function"});
  r.load_all();
  int loaded = 0;
  for (const auto& c : r.candidates()) {
    CAPTURE(c.id);
    if (c.state == State::loaded) ++loaded;
    if (c.state == State::refused || c.state == State::invalid || c.state == State::shadowed)
      CHECK_FALSE(c.reason.empty());
  }
  CHECK(loaded == 2);  // fixture-good and the first dup
}

namespace {

// A folder of hand-written manifests (declarations only; each names a copy of a real library,
// which these cases never load).
struct ManifestDir {
  TempDir dir;
  void add(const std::string& file_id, const std::string& components) {
    const std::string lib = "entratool-" + file_id + ".so";
    REQUIRE(std::system(
                ("cp '" + fixture("good") + "/entratool-fixture-good.so' '" + dir.path + "/" + lib + "'").c_str()) ==
            0);
    std::ofstream(dir.path + "/" + file_id + ".plugin.json")
        << R"({"entratool_plugin_manifest": 2, "id": ")" << file_id << R"(", "version": "1.0.0", "sdk": ")"
        << ENTRATOOL_SDK_VERSION_MAJOR << "." << ENTRATOOL_SDK_VERSION_MINOR << R"(", "library": ")" << lib
        << R"(", "description": "d", "components": )" << components << "}";
  }
  void fill(int count, const std::string& prefix = "filler-") {  // formatters nobody asks for
    for (int i = 0; i < count; ++i)
      add(prefix + std::to_string(i), R"([{"kind": "formatter", "id": ")" + prefix + std::to_string(i) + R"("}])");
  }
};

std::string flow_component(const std::string& id, const std::string& default_for) {
  return R"({"kind": "flow", "id": ")" + id + R"(", "flow": {"default_for": [")" + default_for + R"("]}})";
}

}  // namespace

TEST_CASE("a look-up by id reads only the manifests named after it, whatever else the folders hold") {
  ManifestDir user, bundled;
  user.fill(50);
  bundled.fill(10, "bundled-filler-");
  bundled.add("wanted", R"([{"kind": "formatter", "id": "wanted"}])");
  PluginRegistry r({{user.dir.path, "user"}, {bundled.dir.path, "bundled"}}, {});
  CHECK(r.manifests_read() == 0);
  REQUIRE(r.find("wanted") != nullptr);
  CHECK(r.find("wanted")->origin == "bundled");
  CHECK(r.manifests_read() == 1);
  // Questions about everything read everything, once; the answer found by id stays the same.
  CHECK(r.ids_of_kind("formatter").size() == 61);
  CHECK(r.find("wanted")->manifest == bundled.dir.path + "/wanted.plugin.json");
  CHECK(r.manifests_read() == 62);
}

TEST_CASE("a manifest named after an id claims it before a component of another manifest earlier in the order") {
  ManifestDir first, second;
  first.add("bundle", R"([{"kind": "formatter", "id": "bundle"}, {"kind": "formatter", "id": "pretty"}])");
  second.add("pretty", R"([{"kind": "formatter", "id": "pretty"}])");
  PluginRegistry by_id({{first.dir.path, "--plugin-dir"}, {second.dir.path, "--plugin-dir"}}, {});
  REQUIRE(by_id.find("pretty") != nullptr);
  CHECK(by_id.find("pretty")->manifest == second.dir.path + "/pretty.plugin.json");
  CHECK(by_id.manifests_read() == 1);

  // The full read decides the same, and says why the other one lost.
  PluginRegistry listed({{first.dir.path, "--plugin-dir"}, {second.dir.path, "--plugin-dir"}}, {});
  const PluginCandidate* loser = nullptr;
  for (const auto& c : listed.candidates())
    if (c.id == "pretty" && c.manifest == first.dir.path + "/bundle.plugin.json") loser = &c;
  REQUIRE(loser != nullptr);
  CHECK(loser->state == State::shadowed);
  CHECK(loser->reason.find("whose manifest is named after the id") != std::string::npos);
  CHECK(listed.find("pretty")->manifest == second.dir.path + "/pretty.plugin.json");

  // With no manifest named after it, a component of any manifest claims it (read in full).
  PluginRegistry component_only({{first.dir.path, "--plugin-dir"}}, {});
  REQUIRE(component_only.find("pretty") != nullptr);
  CHECK(component_only.find("pretty")->manifest == first.dir.path + "/bundle.plugin.json");
}

TEST_CASE("the default flow of an auth method is a bundled or system one unless the user allows shadowing") {
  ManifestDir user, bundled;
  user.add("aaa-flow", "[" + flow_component("aaa-flow", "secret") + "]");
  bundled.fill(5);
  bundled.add("zzz-flow", "[" + flow_component("zzz-flow", "secret") + "]");
  bundled.add("mmm-flow", "[" + flow_component("mmm-flow", "certificate") + "]");
  const std::vector<PluginSearchDir> dirs{{user.dir.path, "user"}, {bundled.dir.path, "bundled"}};
  PluginRegistry r(dirs, {});
  CHECK(r.default_flow_for("secret") == "zzz-flow");
  CHECK(r.default_flow_for("certificate") == "mmm-flow");
  CHECK(r.default_flow_for("none").empty());
  CHECK(r.manifests_read() < 10);  // the bundled ones until the declaring one, and the ids found

  entratool::host::RegistryOptions allow;
  allow.allow_shadowing = true;
  PluginRegistry allowed(dirs, {}, allow);
  CHECK(allowed.default_flow_for("secret") == "aaa-flow");  // first in the search order
  CHECK(allowed.default_flow_for("certificate") == "mmm-flow");
}

TEST_CASE("a user flow or store named like a system one is refused whether found by id or by the full read") {
  ManifestDir user, bundled;
  user.add("store-x", R"([{"kind": "secret-store", "id": "store-x"}])");
  user.add("kit", R"([{"kind": "formatter", "id": "kit"}, {"kind": "flow", "id": "flow-y"}])");
  bundled.add("store-x", R"([{"kind": "secret-store", "id": "store-x"}])");
  bundled.add("multi", R"([{"kind": "formatter", "id": "multi"}, {"kind": "flow", "id": "flow-y"}])");
  const std::vector<PluginSearchDir> dirs{{user.dir.path, "user"}, {bundled.dir.path, "bundled"}};
  for (bool full_read_first : {false, true}) {
    CAPTURE(full_read_first);
    PluginRegistry r(dirs, {});
    if (full_read_first) (void)r.candidates();
    REQUIRE(r.find("store-x") != nullptr);
    CHECK(r.find("store-x")->origin == "bundled");
    // No manifest is named flow-y: the user's component comes first in the order, and is refused.
    REQUIRE(r.find("flow-y") != nullptr);
    CHECK(r.find("flow-y")->origin == "bundled");
    const auto& all = r.candidates();
    for (const auto& c : all)
      if (c.origin == "user" && (c.id == "store-x" || c.id == "flow-y")) {
        CHECK(c.state == State::refused);
        CHECK(c.reason.find("would replace the bundled one") != std::string::npos);
      }
  }
}

TEST_CASE("a refused user component stays refused when its library is loaded for another component") {
  TempDir user;
  user.copy_from(fixture("multi"));  // formatter "multi" and flow "multi-flow" in one library
  ManifestDir bundled;
  bundled.add("kit", "[" + flow_component("multi-flow", "none") + "]");  // no manifest is named multi-flow
  PluginRegistry r({{user.path, "user"}, {bundled.dir.path, "bundled"}}, {});
  REQUIRE(r.formatter("multi"));  // loads the user's library
  const PluginCandidate* flow = r.find("multi-flow");
  REQUIRE(flow != nullptr);
  CHECK(flow->origin == "bundled");
  for (const auto& c : r.candidates())
    if (c.origin == "user" && c.id == "multi-flow") CHECK(c.state == State::refused);
  auto used = r.flow("multi-flow");  // the bundled manifest names a formatter library: refused, never the user's
  CHECK_FALSE(used);
}
