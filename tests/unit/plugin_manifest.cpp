// Guards the plugin manifest reader (format 2): what a valid manifest yields — its components
// and every flow declaration the host relies on instead of knowing flows by name — and that
// every malformed one is rejected with a reason instead of being half-used.
#include <doctest/doctest.h>

#include "plugins/manifest.h"

using entratool::host::FlowDeclaration;
using entratool::host::parse_manifest;

namespace {
const std::string kPath = "/opt/plugins/json.plugin.json";
std::string manifest(const std::string& body) { return R"({"entratool_plugin_manifest": 2, )" + body + "}"; }
const std::string kHead =
    R"("id": "json", "version": "1.2.3", "sdk": "2.0", "library": "entratool-json.so", "description": "JSON output")";
const std::string kValid = kHead + R"(, "components": [{"kind": "formatter", "id": "json"}])";
std::string with_components(const std::string& components) {
  return manifest(kHead + R"(, "components": )" + components);
}
}  // namespace

TEST_CASE("a valid manifest gives its fields, its components and the library path beside it") {
  auto m = parse_manifest(manifest(kValid), kPath);
  REQUIRE(m);
  CHECK(m->id == "json");
  CHECK(m->version == "1.2.3");
  CHECK(m->sdk_major == 2);
  CHECK(m->sdk_minor == 0);
  CHECK(m->description == "JSON output");
  CHECK(m->path == kPath);
  CHECK(m->library == "/opt/plugins/entratool-json.so");
  REQUIRE(m->components.size() == 1);
  CHECK(m->components[0].kind == "formatter");
  CHECK(m->components[0].id == "json");
}

TEST_CASE("one library may list several components of different kinds") {
  auto m = parse_manifest(with_components(R"([{"kind": "flow", "id": "vault-flow", "description": "d"},
                                               {"kind": "secret-store", "id": "vault"}])"),
                          kPath);
  REQUIRE(m);
  REQUIRE(m->components.size() == 2);
  CHECK(m->components[0].description == "d");
  CHECK(m->components[1].kind == "secret-store");
}

TEST_CASE("a flow's declarations are read; absent ones take the documented defaults") {
  auto m = parse_manifest(with_components(R"([{"kind": "flow", "id": "f", "flow": {
      "aliases": ["ff", "Eff"], "interactive": true, "refresh_tokens": "issues", "client_auth": "none",
      "requires": ["client_id"], "secrets": ["api-key"], "fields": ["federated_token_file"],
      "default_for": ["none"], "environment": ["AZURE_FEDERATED_TOKEN_FILE", "AZURE_CLIENT_ID"]}},
      {"kind": "flow", "id": "plain"}])"),
                          kPath);
  REQUIRE(m);
  const FlowDeclaration& d = m->components[0].flow;
  CHECK(d.aliases == std::vector<std::string>{"ff", "Eff"});
  CHECK(d.interactive);
  CHECK(d.refresh_tokens == FlowDeclaration::RefreshTokens::issues);
  CHECK(d.client_auth == FlowDeclaration::ClientAuthUse::none);
  CHECK_FALSE(d.requires_tenant);
  CHECK(d.requires_client_id);
  CHECK(d.secrets == std::vector<std::string>{"api-key"});
  CHECK(d.fields == std::vector<std::string>{"federated_token_file"});
  CHECK(d.default_for == std::vector<std::string>{"none"});
  CHECK(d.environment == std::vector<std::string>{"AZURE_FEDERATED_TOKEN_FILE", "AZURE_CLIENT_ID"});
  const FlowDeclaration& plain = m->components[1].flow;
  CHECK_FALSE(plain.interactive);
  CHECK(plain.refresh_tokens == FlowDeclaration::RefreshTokens::none);
  CHECK(plain.client_auth == FlowDeclaration::ClientAuthUse::optional);
  CHECK(plain.requires_tenant);
  CHECK(plain.requires_client_id);
  CHECK(plain.environment.empty());
}

TEST_CASE("unknown extra fields are ignored so later manifests stay readable") {
  auto m = parse_manifest(manifest(kValid + R"(, "sha256": "abc", "future": {"x": [1]})"), kPath);
  CHECK(m);
}

TEST_CASE("malformed manifests are refused with the reason") {
  struct Case {
    std::string text, expected;
  };
  const std::string lib =
      R"("version": "1", "sdk": "2.0", "library": "x.so", "components": [{"kind": "formatter", "id": "json"}])";
  const Case cases[] = {
      {"{ not json", "invalid manifest: invalid JSON"},
      {"[1, 2]", "invalid manifest: not a JSON object"},
      {R"({"id": "json"})", "\"entratool_plugin_manifest\" is missing"},
      {R"({"entratool_plugin_manifest": 3, "id": "json"})", "unsupported manifest format 3"},
      {R"({"entratool_plugin_manifest": 1, "id": "json"})", "rebuild the plugin against SDK 2"},
      {manifest(lib), "\"id\" is missing"},
      {manifest(R"("id": 5, )" + lib), "\"id\" is not a string"},
      {manifest(R"("id": "JSON", )" + lib), "id 'JSON' is not lower-case"},
      {manifest(R"("id": "json", "version": "", "sdk": "2.0", "library": "x.so", "components": [])"),
       "\"version\" is empty"},
      {manifest(R"("id": "json", "version": "1", "sdk": "one", "library": "x.so")"), "sdk 'one' is not MAJOR.MINOR"},
      {manifest(R"("id": "json", "version": "1", "sdk": "1.", "library": "x.so")"), "sdk '1.' is not MAJOR.MINOR"},
      {manifest(R"("id": "json", "version": "1", "sdk": "2.0", "library": "../evil.so")"),
       "must be a file name in the manifest's folder"},
      {manifest(R"("id": "json", "version": "1", "sdk": "2.0", "library": "/usr/lib/evil.so")"), "must be a file name"},
      {manifest(R"("id": "json", "version": "1", "sdk": "2.0", "library": "x.so")"), "\"components\" is missing"},
      {manifest(R"("id": "json", "version": "1", "sdk": "2.0", "library": "x.so", "components": [])"),
       "must be a non-empty array"},
      {with_components(R"([{"kind": "printer", "id": "p"}])"),
       "component kind 'printer' is not flow, formatter or secret-store"},
      {with_components(R"([{"kind": "flow", "id": "Bad Id"}])"), "component id 'Bad Id' is not lower-case"},
      {with_components(R"([{"kind": "flow", "id": "a"}, {"kind": "formatter", "id": "a"}])"),
       "component id 'a' is listed twice"},
      {with_components(R"([{"kind": "formatter", "id": "a", "flow": {}}])"), "only a flow has a \"flow\" declaration"},
      {with_components(R"([{"kind": "flow", "id": "a", "flow": {"refresh_tokens": "maybe"}}])"),
       "\"refresh_tokens\" must be one of none, issues, redeems"},
      {with_components(R"([{"kind": "flow", "id": "a", "flow": {"client_auth": true}}])"),
       "\"client_auth\" must be one of none, optional, required"},
      {with_components(R"([{"kind": "flow", "id": "a", "flow": {"interactive": "yes"}}])"),
       "\"interactive\" is not true or false"},
      {with_components(R"([{"kind": "flow", "id": "a", "flow": {"aliases": "x"}}])"),
       "\"aliases\" is not an array of strings"},
      {with_components(R"([{"kind": "flow", "id": "a", "flow": {"aliases": ["has space"]}}])"),
       "is not printable ASCII without spaces"},
      {with_components(R"([{"kind": "flow", "id": "a", "flow": {"requires": ["secret"]}}])"),
       "only tenant and client_id can be required"},
      {with_components(R"([{"kind": "flow", "id": "a", "flow": {"default_for": ["magic"]}}])"),
       "use secret, certificate, none or managed-identity"},
      {with_components(R"([{"kind": "flow", "id": "a", "flow": {"environment": ["azure_client_id"]}}])"),
       "use upper-case variable names"},
      {with_components(R"([{"kind": "flow", "id": "a", "flow": {"environment": "AZURE_CLIENT_ID"}}])"),
       "\"environment\" is not an array of strings"},
      {manifest(
           R"("id": "yaml", "version": "1", "sdk": "2.0", "library": "x.so", "components": [{"kind": "formatter", "id": "yaml"}])"),
       "file name 'json.plugin.json' does not match its id 'yaml'"},
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
