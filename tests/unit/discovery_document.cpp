// OpenID discovery (core/discovery_document, core/discovery): what a document must hold, the exact
// issuer match, the endpoint rules, and the 24-hour cache in the config folder (fake HTTP and clock).
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "../support/fakes.h"
#include "core/authority.h"
#include "core/discovery.h"
#include "core/discovery_document.h"
#include "core/token_cache.h"

using namespace entratool::host;
namespace sdk = entratool::sdk;

namespace {

const char* kIssuer = "https://idp.example.test/realms/main";
const char* kUrl = "https://idp.example.test/realms/main/.well-known/openid-configuration";

std::string document(const std::string& issuer = kIssuer, const std::string& token = "https://idp.example.test/t") {
  return R"({"issuer":")" + issuer + R"(","token_endpoint":")" + token +
         R"(","authorization_endpoint":"https://idp.example.test/a","device_authorization_endpoint":"https://idp.example.test/d","jwks_uri":"https://idp.example.test/k"})";
}

struct TempDir {
  std::string path;
  TempDir() {
    char tmpl[] = "/tmp/entratool-discovery-XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
};

}  // namespace

TEST_CASE("a discovery document gives the token, device and authorization endpoints") {
  auto e = parse_discovery_document(document(), kIssuer, kUrl);
  REQUIRE_MESSAGE(e, e.status().message());
  CHECK(e->issuer == kIssuer);
  CHECK(e->token == "https://idp.example.test/t");
  CHECK(e->device_authorization == "https://idp.example.test/d");
  CHECK(e->authorization == "https://idp.example.test/a");
  auto minimal = parse_discovery_document(
      R"({"issuer":"http://127.0.0.1:9","token_endpoint":"http://127.0.0.1:9/token"})", "http://127.0.0.1:9", kUrl);
  REQUIRE(minimal);
  CHECK(minimal->device_authorization.empty());
  CHECK(minimal->authorization.empty());
}

TEST_CASE("the issuer must match exactly, not after normalising") {
  for (const char* other : {"https://idp.example.test/realms/main/", "https://IDP.example.test/realms/main",
                            "https://idp.example.test/realms/other"}) {
    auto e = parse_discovery_document(document(other), kIssuer, kUrl);
    REQUIRE_FALSE(e);
    CHECK(e.status().category() == sdk::ErrorCategory::general);
    CHECK(e.status().message().find(std::string("is for the issuer '") + other + "', not the configured") !=
          std::string::npos);
    CHECK(e.status().message().find('\n') == std::string::npos);
  }
}

TEST_CASE("unusable documents are network errors that say what to check") {
  struct Case {
    const char* body;
    const char* says;
  } cases[] = {
      {"", "is not a JSON object (empty)"},
      {"<html>login</html>", "an HTML page"},
      {"this is { not JSON ]", "not JSON"},
      {"[1,2]", "is not a JSON object"},
      {R"({"token_endpoint":"https://x/t"})", "has no \"issuer\""},
      {R"({"issuer":"https://idp.example.test/realms/main"})", "has no token_endpoint"},
      {R"({"issuer":"https://idp.example.test/realms/main","token_endpoint":7})", "has no token_endpoint"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.body);
    auto e = parse_discovery_document(c.body, kIssuer, kUrl);
    REQUIRE_FALSE(e);
    CHECK(e.status().category() == sdk::ErrorCategory::network);
    CHECK(e.status().message().find(c.says) != std::string::npos);
    CHECK(e.status().message().find(kUrl) != std::string::npos);
  }
}

TEST_CASE("endpoints must be https, or http on loopback only") {
  auto plain = parse_discovery_document(document(kIssuer, "http://idp.example.test/t"), kIssuer, kUrl);
  REQUIRE_FALSE(plain);
  CHECK(plain.status().message().find("token_endpoint 'http://idp.example.test/t', which is not an https:// URL") !=
        std::string::npos);
  CHECK(parse_discovery_document(document(kIssuer, "http://127.0.0.1:8080/t"), kIssuer, kUrl));
  CHECK(parse_discovery_document(document(kIssuer, "https://idp.example.test/t?tenant=x"), kIssuer, kUrl));
  CHECK_FALSE(parse_discovery_document(document(kIssuer, "ftp://idp.example.test/t"), kIssuer, kUrl));
  CHECK_FALSE(parse_discovery_document(document(kIssuer, "https://user@idp.example.test/t"), kIssuer, kUrl));
}

TEST_CASE("check_issuer keeps the issuer as typed and refuses plain http off loopback") {
  CHECK(*check_issuer(" https://idp.example.test/realms/main/ ", "--issuer") ==
        "https://idp.example.test/realms/main/");
  CHECK(*check_issuer("http://127.0.0.1:8400", "--issuer") == "http://127.0.0.1:8400");
  auto http = check_issuer("http://idp.example.com", "--issuer");
  REQUIRE_FALSE(http);
  CHECK(http.status().message().find("use https://") != std::string::npos);
  CHECK_FALSE(check_issuer("idp.example.com", "--issuer"));
  CHECK_FALSE(check_issuer("https://idp.example.com/?x=1", "--issuer"));
  CHECK(discovery_url("https://a.test/r/") == "https://a.test/r/.well-known/openid-configuration");
  CHECK(discovery_url("https://a.test") == "https://a.test/.well-known/openid-configuration");
}

TEST_CASE("the document is fetched once, cached 0600 for 24 hours, and fetched again after") {
  TempDir dir;
  fakes::Services s;
  const auto deadline = s.clock_.monotonic() + std::chrono::seconds(30);
  s.http_.reply(200, document());
  auto first = discover_endpoints(dir.path, s, kIssuer, "", deadline, false);
  REQUIRE_MESSAGE(first, first.status().message());
  CHECK_FALSE(first->from_cache);
  REQUIRE(s.http_.requests.size() == 1);
  CHECK(s.http_.requests[0].method == "GET");
  CHECK(s.http_.requests[0].url == kUrl);
  const std::string path = discovery_cache_path(dir.path, kIssuer);
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  REQUIRE(::stat((dir.path + "/discovery").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0700);

  s.clock_.wall += std::chrono::hours(23);
  auto second = discover_endpoints(dir.path, s, kIssuer, "", deadline, false);
  REQUIRE(second);
  CHECK(second->from_cache);
  CHECK(second->endpoints == first->endpoints);
  CHECK(s.http_.requests.size() == 1);

  s.clock_.wall += std::chrono::hours(2);
  s.http_.reply(200, document(kIssuer, "https://idp.example.test/t2"));
  auto third = discover_endpoints(dir.path, s, kIssuer, "", deadline, false);
  REQUIRE(third);
  CHECK_FALSE(third->from_cache);
  CHECK(third->endpoints.token == "https://idp.example.test/t2");
  CHECK(s.http_.requests.size() == 2);

  // `refresh` skips a fresh cache; another issuer never reads this one's file.
  s.http_.reply(200, document(kIssuer, "https://idp.example.test/t3"));
  CHECK(discover_endpoints(dir.path, s, kIssuer, "", deadline, true)->endpoints.token == "https://idp.example.test/t3");
  s.http_.reply(200, document("https://other.example.test"));
  CHECK_FALSE(discover_endpoints(dir.path, s, "https://other.example.test", "", deadline, false)->from_cache);
}

TEST_CASE("a damaged cache file is a miss and a bad answer caches nothing") {
  TempDir dir;
  fakes::Services s;
  const auto deadline = s.clock_.monotonic() + std::chrono::seconds(30);
  std::filesystem::create_directories(dir.path + "/discovery");
  ::chmod((dir.path + "/discovery").c_str(), 0700);
  const std::string path = discovery_cache_path(dir.path, kIssuer);
  {
    std::ofstream(path) << "{\"version\":1,\"issuer\":\"" << kIssuer
                        << "\",\"fetched_at_ms\":1795000000000,\"document\":\"garbage\"}";
  }
  ::chmod(path.c_str(), 0600);
  s.http_.reply(404, R"({"error":"not_found"})");
  auto missing = discover_endpoints(dir.path, s, kIssuer, "", deadline, false);
  REQUIRE_FALSE(missing);
  CHECK(missing.status().category() == sdk::ErrorCategory::network);
  CHECK(missing.status().code() == sdk::codes::kNotFound);
  CHECK(missing.status().message().find("(HTTP 404); check the issuer URL") != std::string::npos);
  s.http_.reply(503, "");
  auto down = discover_endpoints(dir.path, s, kIssuer, "", deadline, false);
  REQUIRE_FALSE(down);
  CHECK(down.status().message().find("HTTP 503") != std::string::npos);
  s.http_.reply(200, document());
  CHECK(discover_endpoints(dir.path, s, kIssuer, "", deadline, false));
  CHECK(discover_endpoints(dir.path, s, kIssuer, "", deadline, false)->from_cache);
}

TEST_CASE("a cache key survives the round trip through its text") {
  CacheKey key{"https://login.example.test", "contoso", "client", "device-code", {"b", "a", "a"}, "dev"};
  auto back = TokenCache::key_from_text(TokenCache::normalised_key(key), "dev");
  REQUIRE(back);
  CHECK(TokenCache::normalised_key(*back) == TokenCache::normalised_key(key));
  CHECK(TokenCache::entry_name(*back) == TokenCache::entry_name(key));
  CacheKey none{"https://a", "", "c", "f", {}, "p"};
  REQUIRE(TokenCache::key_from_text(TokenCache::normalised_key(none), "p"));
  CHECK_FALSE(TokenCache::key_from_text("v2\na\nb\nc\nd\n", "p"));
  CHECK_FALSE(TokenCache::key_from_text("v1\nonly", "p"));
}
