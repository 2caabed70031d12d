// The system policy's parser: exactly the documented fields, and nothing unknown.
#include <doctest/doctest.h>

#include "plugins/policy.h"

using entratool::host::parse_policy;
using entratool::host::Policy;

TEST_CASE("an empty policy means any plugin from every folder") {
  auto p = parse_policy("{}");
  REQUIRE(p);
  CHECK(p->plugins == Policy::Plugins::any);
  CHECK(p->search == Policy::Search::all);
  CHECK(p->secret_store.empty());
}

TEST_CASE("every documented field is read") {
  const std::string key = "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";
  auto p = parse_policy(R"({"plugins": "signed", "search": "system", "secret_store": "encrypted-file",
    "pins": {"token": ")" +
                        std::string(64, 'A') + R"("}, "trusted_keys": [")" + key + R"(", {"key": ")" + key +
                        R"(", "name": "ops"}]})");
  REQUIRE(p);
  CHECK(p->plugins == Policy::Plugins::signed_);
  CHECK(p->search == Policy::Search::system);
  CHECK(p->secret_store == "encrypted-file");
  CHECK(p->pins.at("token") == std::string(64, 'a'));
  REQUIRE(p->trusted_keys.size() == 2);
  CHECK(p->trusted_keys[1].name == "ops");
  CHECK(p->trusted_keys[1].raw.size() == 32);
  CHECK(p->trusted(p->trusted_keys[0].raw) != nullptr);
}

TEST_CASE("an unknown field is an error naming it") {
  auto p = parse_policy(R"({"plugins": "any", "serch": "system"})");
  REQUIRE_FALSE(p);
  CHECK(p.status().message() == "unknown field 'serch' (known: plugins, pins, trusted_keys, search, secret_store)");
}

TEST_CASE("bad values are errors with the fix") {
  CHECK(parse_policy(R"({"plugins": "sigend"})").status().message() ==
        "\"plugins\" is 'sigend'; use \"any\", \"pinned\" or \"signed\"");
  CHECK(parse_policy(R"({"search": "none"})").status().message() == "\"search\" is 'none'; use \"all\" or \"system\"");
  CHECK(parse_policy(R"({"pins": {"x": "abc"}})").status().message() ==
        "pin for 'x' must be 64 hex digits (a SHA-256)");
  CHECK(parse_policy(R"({"trusted_keys": ["AAAA"]})")
            .status()
            .message()
            .rfind("\"trusted_keys\"[0] is not the base64 of a 32-byte Ed25519 public key", 0) == 0);
  CHECK(parse_policy(R"({"trusted_keys": [{"key": "x", "owner": "me"}]})").status().message() ==
        "\"trusted_keys\"[0]: unknown field 'owner' (known: key, name)");
  CHECK(parse_policy(R"({"plugins": "signed"})").status().message() ==
        "\"plugins\": \"signed\" needs at least one key in \"trusted_keys\"");
  CHECK(parse_policy("[]").status().message() == "must be a JSON object");
}
