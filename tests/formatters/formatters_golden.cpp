// Guards the token, json and yaml output formats: each plugin is loaded from its .so the way the
// host loads it, fed fixed token responses at a fixed `now`, and compared with tests/golden/.
// ENTRATOOL_UPDATE_GOLDEN=1 rewrites the golden files instead of comparing (see CMakeLists.txt).
#include <dlfcn.h>
#include <doctest/doctest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>

#include "entratool/sdk/abi.h"
#include "entratool/sdk/detail/convert.h"
#include "entratool/sdk/formatter.h"
#include "entratool/support/encoding.h"
#include "entratool/support/json.h"

namespace sdk = entratool::sdk;
namespace support = entratool::support;
namespace detail = entratool::sdk::detail;

namespace {

std::string plugin_dir() {
  const char* env = std::getenv("ENTRATOOL_PLUGIN_DIR");
  return env && *env ? env : ENTRATOOL_PLUGIN_DIR;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

/// A registered et_formatter, called through the C boundary only (as the host does).
class LoadedFormatter {
 public:
  explicit LoadedFormatter(const et_formatter& iface) : iface_(iface) {}
  bool shows_documents() const { return iface_.format_document != nullptr; }
  sdk::Result<std::string> format_token(const sdk::TokenResponse& token, const sdk::FormatContext& ctx) const {
    detail::CToken c(token);
    std::string out;
    et_status st = detail::empty_status();
    int32_t rc = iface_.format_token(iface_.self, &c.token, detail::to_unix_ms(ctx.now), detail::string_sink(out), &st);
    if (rc != ET_OK) return detail::from_c(rc, st);
    return out;
  }
  sdk::Result<std::string> format_document(const std::string& json) const {
    REQUIRE(shows_documents());
    std::string out;
    et_status st = detail::empty_status();
    int32_t rc = iface_.format_document(iface_.self, detail::to_c(json), detail::string_sink(out), &st);
    if (rc != ET_OK) return detail::from_c(rc, st);
    return out;
  }

 private:
  et_formatter iface_;
};

/// Plays the host's registrar for a formatter library: accepts exactly the one formatter the
/// manifest lists, copying the interface struct (which may live on the plugin's stack).
struct CapturingRegistrar {
  std::string expected_id;
  int added = 0;
  et_formatter formatter{};
  static int32_t add(void* ctx, const char* kind, const char* id, const void* iface, et_status* status) {
    auto* self = static_cast<CapturingRegistrar*>(ctx);
    auto fail = [&](const char* why) { return detail::to_c(sdk::Status::general(why), status); };
    if (std::strcmp(kind, ET_KIND_FORMATTER) != 0) return fail("not a formatter");
    if (self->expected_id != id) return fail("a component the manifest does not list");
    if (self->added++) return fail("second formatter registered");
    const auto* f = static_cast<const et_formatter*>(iface);
    REQUIRE(f->size >= sizeof(et_formatter));
    self->formatter = *f;
    return ET_OK;
  }
};

const et_host kNoHost{sizeof(et_host), ENTRATOOL_SDK_VERSION_MAJOR, ENTRATOOL_SDK_VERSION_MINOR, nullptr,
                      [](void*, const char*) -> const void* { return nullptr; }};

/// Loads entratool-<id>.so once and checks its descriptor against the SDK and its manifest.
/// Libraries are never closed, and the formatters live until exit, as in the host.
LoadedFormatter& load_formatter(const std::string& id) {
  static auto* loaded = new std::map<std::string, LoadedFormatter>();  // outlives static destructors
  if (auto it = loaded->find(id); it != loaded->end()) return it->second;

  const std::string path = plugin_dir() + "/entratool-" + id + ".so";
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  INFO("dlopen(" << path << "): " << (handle ? "ok" : dlerror()));
  REQUIRE(handle != nullptr);
  void* symbol = dlsym(handle, ENTRATOOL_PLUGIN_ENTRY_SYMBOL);
  REQUIRE(symbol != nullptr);
  auto entry = reinterpret_cast<et_plugin_entry_fn>(symbol);
  const et_plugin_descriptor* d = entry();
  REQUIRE(d != nullptr);
  REQUIRE(d->magic == ENTRATOOL_PLUGIN_MAGIC);
  REQUIRE(d->size == sizeof(et_plugin_descriptor));
  CHECK(d->sdk_major == ENTRATOOL_SDK_VERSION_MAJOR);
  CHECK(d->sdk_minor == ENTRATOOL_SDK_VERSION_MINOR);
  CHECK(std::string(d->id) == id);
  CHECK(std::string(d->built_with).find(';') != std::string::npos);

  // The manifest (format 2) and the descriptor say the same, from entratool_add_plugin().
  auto manifest = support::json::parse(read_file(plugin_dir() + "/" + id + ".plugin.json"));
  REQUIRE(manifest);
  CHECK(manifest->find("entratool_plugin_manifest")->as_int() == 2);
  CHECK(manifest->get_string("id") == id);
  CHECK(manifest->get_string("version") == d->version);
  CHECK(manifest->get_string("description") == d->description);
  CHECK(manifest->get_string("library") == "entratool-" + id + ".so");
  const auto* components = manifest->find("components");
  REQUIRE(components);
  REQUIRE(components->items().size() == 1);
  CHECK(components->items()[0].get_string("kind") == "formatter");
  CHECK(components->items()[0].get_string("id") == id);

  CapturingRegistrar capture{id};
  et_registrar registrar{sizeof(et_registrar), &capture, &CapturingRegistrar::add};
  et_status st = detail::empty_status();
  int32_t rc = d->register_components(&kNoHost, &registrar, &st);
  INFO(st.message);
  REQUIRE(rc == ET_OK);
  REQUIRE(capture.added == 1);
  REQUIRE(bool(capture.formatter.format_token));
  return loaded->emplace(id, LoadedFormatter(capture.formatter)).first->second;
}

/// Compares with tests/golden/<name>, or rewrites it when ENTRATOOL_UPDATE_GOLDEN=1.
void check_golden(const std::string& name, const std::string& actual) {
  const std::string path = std::string(ENTRATOOL_GOLDEN_DIR) + "/" + name;
  const char* update = std::getenv("ENTRATOOL_UPDATE_GOLDEN");
  if (update && std::string(update) == "1") {
    // Under CI an update would make every comparison pass: refuse it.
    const char* ci = std::getenv("CI");
    if (ci && *ci) FAIL("ENTRATOOL_UPDATE_GOLDEN=1 is refused when CI is set: golden files are compared in CI");
    std::ofstream(path, std::ios::binary) << actual;
    MESSAGE("updated " << path);
    return;
  }
  std::ifstream in(path, std::ios::binary);
  INFO("golden file " << path << " (ENTRATOOL_UPDATE_GOLDEN=1 regenerates it)");
  REQUIRE(in.good());
  CHECK(actual == read_file(path));
}

std::string format_token(const std::string& id, const sdk::TokenResponse& t, sdk::FormatContext ctx) {
  auto out = load_formatter(id).format_token(t, ctx);
  INFO(out.status().message());
  REQUIRE(out);
  return *out;
}

std::string format_document(const std::string& id, const std::string& json) {
  auto out = load_formatter(id).format_document(json);
  INFO(out.status().message());
  REQUIRE(out);
  return *out;
}

// The reference page's example: issued at 14:30:01, one second used of a 3600 s lifetime.
const sdk::FormatContext kNow{*support::parse_utc_iso8601("2025-12-28T14:30:01Z")};

sdk::TokenResponse token_with_refresh() {
  sdk::TokenResponse t;
  t.access_token = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJodHRwczovL2dyYXBoLm1pY3Jvc29mdC5jb20ifQ.c2ln";
  t.token_type = "Bearer";
  t.expires_at = *support::parse_utc_iso8601("2025-12-28T15:30:00Z");
  t.scopes = {"User.Read", "Mail.Read"};
  t.refresh_token = "0.ARoAv4j5cvGGr-refresh";
  t.id_token = "eyJpZCI6InRva2VuIn0";  // never shown: not a field of the reference output
  t.extra = {{"ext_expires_in", "3599"}};
  return t;
}

sdk::TokenResponse token_without_refresh() {
  auto t = token_with_refresh();
  t.refresh_token.clear();
  t.id_token.clear();
  t.scopes = {"https://graph.microsoft.com/.default"};
  return t;
}

}  // namespace

TEST_CASE("token format prints the access token and one newline") {
  check_golden("token.txt", format_token("token", token_with_refresh(), kNow));
  CHECK(format_token("token", token_without_refresh(), kNow) == token_with_refresh().access_token + "\n");
}

TEST_CASE("token format shows tokens only: it offers no document function, json and yaml do") {
  // The host then says "the token format shows access tokens only; use -o json or -o yaml".
  CHECK_FALSE(load_formatter("token").shows_documents());
  CHECK(load_formatter("json").shows_documents());
  CHECK(load_formatter("yaml").shows_documents());
}

TEST_CASE("json and yaml token output match the reference fields and order") {
  for (std::string id : {"json", "yaml"}) {
    CAPTURE(id);
    check_golden("token." + id, format_token(id, token_with_refresh(), kNow));
    check_golden("token-no-refresh." + id, format_token(id, token_without_refresh(), kNow));
  }
}

TEST_CASE("json token output is valid JSON with exactly the reference fields") {
  auto parsed = support::json::parse(format_token("json", token_with_refresh(), kNow));
  REQUIRE(parsed);
  std::string keys;
  for (const auto& [k, v] : parsed->members()) keys += k + ",";
  CHECK(keys == "token_type,scope,expires_in,access_token,refresh_token,expires_at,");
  CHECK(parsed->find("expires_in")->as_int() == 3599);
}

TEST_CASE("expires_in counts down from now and never goes negative") {
  auto late = kNow;
  late.now += std::chrono::hours(2);
  CHECK(format_token("json", token_without_refresh(), late).find("\"expires_in\": 0,") != std::string::npos);
  CHECK(format_token("yaml", token_without_refresh(), late).find("\nexpires_in: 0\n") != std::string::npos);
  auto early = kNow;
  early.now -= std::chrono::seconds(1);
  CHECK(format_token("yaml", token_without_refresh(), early).find("\nexpires_in: 3600\n") != std::string::npos);
}

TEST_CASE("yaml token output quotes values that would not read back as strings") {
  auto t = token_without_refresh();
  t.token_type = "true";
  t.scopes.clear();
  t.access_token = "12345";
  auto out = format_token("yaml", t, kNow);
  CHECK(out.find("token_type: \"true\"\n") != std::string::npos);
  CHECK(out.find("scope: \"\"\n") != std::string::npos);
  CHECK(out.find("access_token: \"12345\"\n") != std::string::npos);
  CHECK(format_token("json", t, kNow).find("\"scope\": \"\",") != std::string::npos);
}

TEST_CASE("documents keep member order, large integers, number text and Unicode") {
  const std::string input = read_file(std::string(ENTRATOOL_GOLDEN_DIR) + "/document-input.json");
  REQUIRE(support::json::parse(input));
  check_golden("document.json", format_document("json", input));
  check_golden("document.yaml", format_document("yaml", input));
}

TEST_CASE("documents that are not objects are formatted too") {
  CHECK(format_document("json", "[]") == "[]\n");
  CHECK(format_document("json", " 12345678901234567890123 ") == "12345678901234567890123\n");
  CHECK(format_document("json", R"([{"a":[]}])") == "[\n  {\n    \"a\": []\n  }\n]\n");
  CHECK(format_document("yaml", "42") == "42\n");
  CHECK(format_document("yaml", R"("yes")") == "\"yes\"\n");
  CHECK(format_document("yaml", "null") == "null\n");
  CHECK(format_document("yaml", R"([1,"a"])") == "- 1\n- a\n");
}

TEST_CASE("invalid JSON handed to a formatter is an error, not a crash") {
  for (std::string id : {"json", "yaml"}) {
    CAPTURE(id);
    auto out = load_formatter(id).format_document("{\"a\":");
    REQUIRE_FALSE(out);
    CHECK(out.status().message().find("invalid JSON") == 0);
  }
}

TEST_CASE("json and yaml refuse token fields that are not UTF-8 instead of printing broken text") {
  auto t = token_with_refresh();
  t.refresh_token = "0.AR\xff";
  for (std::string id : {"json", "yaml"}) {
    CAPTURE(id);
    auto out = load_formatter(id).format_token(t, kNow);
    REQUIRE_FALSE(out);
    CHECK(out.status().message() == "the token response's refresh_token is not valid UTF-8");
  }
}

TEST_CASE("yaml quotes exactly the strings a YAML 1.1 or 1.2 reader would not read as strings") {
  CHECK(format_document("yaml", R"(["+.INF","-1_000","0B101","2025-1-2 10:00","12:30:45","+","1e+5","-.5"])") ==
        "- \"+.INF\"\n- \"-1_000\"\n- \"0B101\"\n- \"2025-1-2 10:00\"\n- \"12:30:45\"\n- +\n- \"1e+5\"\n- \"-.5\"\n");
  CHECK(format_document("yaml", R"(["User.Read","v1.0","e5","1e","0x","2025-12","Yesterday","nullable"])") ==
        "- User.Read\n- v1.0\n- e5\n- 1e\n- 0x\n- 2025-12\n- Yesterday\n- nullable\n");
}

namespace {

// Sets (or unsets, for nullptr) an environment variable for one scope.
struct ScopedEnv {
  std::string name;
  std::optional<std::string> saved;
  ScopedEnv(std::string n, const char* value) : name(std::move(n)) {
    if (const char* old = std::getenv(name.c_str())) saved = old;
    if (value)
      ::setenv(name.c_str(), value, 1);
    else
      ::unsetenv(name.c_str());
  }
  ~ScopedEnv() {
    if (saved)
      ::setenv(name.c_str(), saved->c_str(), 1);
    else
      ::unsetenv(name.c_str());
  }
};

// What a shell makes of `eval "$(entratool get-token -o env)"`: the variables' values.
std::string shell_value_of(const std::string& assignments, const std::string& variable) {
  const std::string script = assignments + "printf %s \"$" + variable + "\"";
  std::string cmd = "sh -c '";
  for (char c : script) cmd += c == '\'' ? std::string("'\\''") : std::string(1, c);
  cmd += "'";
  std::string out;
  if (FILE* p = ::popen(cmd.c_str(), "r")) {
    char buf[512];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    ::pclose(p);
  }
  return out;
}

}  // namespace

TEST_CASE("env format: export lines a POSIX shell reads back exactly, whatever the token holds") {
  check_golden("token.env", format_token("env", token_with_refresh(), kNow));
  CHECK_FALSE(load_formatter("env").shows_documents());
  auto odd = token_with_refresh();
  odd.access_token = "it's $(touch /tmp/x) `id` \"q\" \\ ;&|";
  const std::string out = format_token("env", odd, kNow);
  CHECK(shell_value_of(out, "ACCESS_TOKEN") == odd.access_token);
  CHECK(shell_value_of(out, "ACCESS_TOKEN_EXPIRES_ON") == "2025-12-28T15:30:00Z");
}

TEST_CASE("header format: one Authorization line for curl -H @-; a token that would split it is refused") {
  check_golden("token.header", format_token("header", token_with_refresh(), kNow));
  auto lower = token_with_refresh();
  lower.token_type = "bearer";
  CHECK(format_token("header", lower, kNow).rfind("Authorization: Bearer ey", 0) == 0);
  auto split = token_with_refresh();
  split.access_token = "abc\r\nX-Injected: 1";
  auto out = load_formatter("header").format_token(split, kNow);
  REQUIRE_FALSE(out);
  CHECK(out.status().message().find("header") != std::string::npos);
}

TEST_CASE("exec-credential format: v1 by default, the apiVersion KUBERNETES_EXEC_INFO asks for, interactive echoed") {
  {
    ScopedEnv unset("KUBERNETES_EXEC_INFO", nullptr);
    check_golden("token.exec-credential.json", format_token("exec-credential", token_with_refresh(), kNow));
  }
  {
    ScopedEnv info("KUBERNETES_EXEC_INFO",
                   R"({"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1beta1",)"
                   R"("spec":{"interactive":false}})");
    check_golden("token.exec-credential-v1beta1.json", format_token("exec-credential", token_with_refresh(), kNow));
    auto doc = support::json::parse(format_token("exec-credential", token_with_refresh(), kNow));
    REQUIRE(doc);
    CHECK(doc->get_string("apiVersion") == "client.authentication.k8s.io/v1beta1");
    CHECK(doc->find("status")->get_string("token") == token_with_refresh().access_token);
    CHECK(doc->find("status")->get_string("expirationTimestamp") == "2025-12-28T15:30:00Z");
    CHECK(doc->find("spec")->find("interactive")->as_bool() == false);
  }
  {
    ScopedEnv info("KUBERNETES_EXEC_INFO", R"({"apiVersion":"client.authentication.k8s.io/v1alpha1"})");
    auto out = load_formatter("exec-credential").format_token(token_with_refresh(), kNow);
    REQUIRE_FALSE(out);
    CHECK(out.status().message().find("v1alpha1") != std::string::npos);
  }
  {
    ScopedEnv info("KUBERNETES_EXEC_INFO", "not json");
    CHECK_FALSE(load_formatter("exec-credential").format_token(token_with_refresh(), kNow));
  }
}
