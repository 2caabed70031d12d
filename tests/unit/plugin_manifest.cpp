// Guards the plugin manifest reader: what a valid manifest yields, and that every malformed one
// is rejected with a reason instead of being half-used.
#include <doctest/doctest.h>

#include "plugins/manifest.h"

using entratool::host::parse_manifest;

namespace {
const std::string kPath = "/opt/plugins/json.plugin.json";
std::string manifest(const std::string& body) {
  return R"({"entratool_plugin_manifest": 1, )" + body + "}";
}
const std::string kValid = R"("id": "json", "kind": "formatter", "version": "1.2.3", "sdk": "1.0", "library": "entratool-json.so", "description": "JSON output")";
}  // namespace

TEST_CASE("a valid manifest gives its fields and the library path beside it") {
  auto m = parse_manifest(manifest(kValid), kPath);
  REQUIRE(m);
  CHECK(m->id == "json");
  CHECK(m->kind == "formatter");
  CHECK(m->version == "1.2.3");
  CHECK(m->sdk_major == 1);
  CHECK(m->sdk_minor == 0);
  CHECK(m->description == "JSON output");
  CHECK(m->path == kPath);
  CHECK(m->library == "/opt/plugins/entratool-json.so");
}

TEST_CASE("unknown extra fields are ignored so later manifests stay readable") {
  auto m = parse_manifest(manifest(kValid + R"(, "sha256": "abc", "future": {"x": [1]})"), kPath);
  CHECK(m);
}

TEST_CASE("malformed manifests are refused with the reason") {
  struct Case {
    std::string text, expected;
  };
  const Case cases[] = {
      {"{ not json", "invalid manifest: invalid JSON"},
      {"[1, 2]", "invalid manifest: not a JSON object"},
      {R"({"id": "json"})", "\"entratool_plugin_manifest\" is missing"},
      {R"({"entratool_plugin_manifest": 2, "id": "json"})", "unsupported manifest format 2"},
      {manifest(R"("kind": "formatter", "version": "1", "sdk": "1.0", "library": "x.so")"), "\"id\" is missing"},
      {manifest(R"("id": 5, "kind": "formatter", "version": "1", "sdk": "1.0", "library": "x.so")"), "\"id\" is not a string"},
      {manifest(R"("id": "JSON", "kind": "formatter", "version": "1", "sdk": "1.0", "library": "x.so")"), "id 'JSON' is not lower-case"},
      {manifest(R"("id": "json", "kind": "printer", "version": "1", "sdk": "1.0", "library": "x.so")"), "kind 'printer' is not flow, formatter or secret-store"},
      {manifest(R"("id": "json", "kind": "formatter", "version": "", "sdk": "1.0", "library": "x.so")"), "\"version\" is empty"},
      {manifest(R"("id": "json", "kind": "formatter", "version": "1", "sdk": "one", "library": "x.so")"), "sdk 'one' is not MAJOR.MINOR"},
      {manifest(R"("id": "json", "kind": "formatter", "version": "1", "sdk": "1.", "library": "x.so")"), "sdk '1.' is not MAJOR.MINOR"},
      {manifest(R"("id": "json", "kind": "formatter", "version": "1", "sdk": "1.0", "library": "../evil.so")"), "must be a file name in the manifest's folder"},
      {manifest(R"("id": "json", "kind": "formatter", "version": "1", "sdk": "1.0", "library": "/usr/lib/evil.so")"), "must be a file name"},
      {manifest(R"("id": "yaml", "kind": "formatter", "version": "1", "sdk": "1.0", "library": "x.so")"), "file name 'json.plugin.json' does not match its id 'yaml'"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.text);
    auto m = parse_manifest(c.text, kPath);
    REQUIRE_FALSE(m);
    CHECK(m.status().exit_code() == 1);
    CHECK(m.status().message().find(c.expected) != std::string::npos);
  }
}

TEST_CASE("deeply nested manifests are refused, not recursed into") {
  std::string deep = manifest(kValid + R"(, "x": )" + std::string(100, '[') + std::string(100, ']'));
  CHECK_FALSE(parse_manifest(deep, kPath));
}

TEST_CASE("reading a missing manifest file is an error, not a crash") {
  auto m = entratool::host::read_manifest("/nonexistent/entratool/none.plugin.json");
  REQUIRE_FALSE(m);
  CHECK(m.status().message().find("cannot read manifest") != std::string::npos);
}
