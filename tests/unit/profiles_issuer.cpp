// Guards the `issuer` field of a profile (any OpenID provider): what validate_profile accepts, and
// that profiles.json and `config import` (both through validate_stored_profile) apply the same rules.
#include <doctest/doctest.h>

#include <string>

#include "core/profiles.h"
#include "entratool/support/json.h"

using namespace entratool::host;
namespace json = entratool::support::json;

namespace {
Profile issuer_profile() {
  Profile p;
  p.name = "kc";
  p.client_id = "ci";
  p.scopes = {"api://orders/read"};
  p.issuer = "https://idp.example.test/realms/main";
  return p;
}
}  // namespace

TEST_CASE("an issuer profile needs no tenant") {
  CHECK(validate_profile(issuer_profile()));
  Profile entra = issuer_profile();
  entra.issuer.clear();
  auto s = validate_profile(entra);
  REQUIRE_FALSE(s);
  CHECK(s.message().find("tenant") != std::string::npos);
  Profile both = issuer_profile();
  both.tenant_id = "not a tenant";
  CHECK_FALSE(validate_profile(both));  // a tenant that is given is still checked
}

TEST_CASE("an issuer is https (http on loopback) without query, fragment, user or space") {
  Profile p = issuer_profile();
  for (const char* ok : {"http://127.0.0.1:8400", "https://idp.example.test/", "http://localhost/realms/x"}) {
    p.issuer = ok;
    CHECK_MESSAGE(validate_profile(p), ok);
  }
  for (const char* bad :
       {"http://idp.example.com", "idp.example.com", "https://idp.example.test/?a=1", "https://idp.example.test/#x",
        "https://user@idp.example.test", "https://idp.example.test/a b"}) {
    p.issuer = bad;
    CHECK_FALSE_MESSAGE(validate_profile(p), bad);
  }
}

TEST_CASE("an issuer goes with neither an authority host nor a managed identity") {
  Profile p = issuer_profile();
  p.authority_host = "https://login.microsoftonline.us";
  auto s = validate_profile(p);
  REQUIRE_FALSE(s);
  CHECK(s.message().find("not both") != std::string::npos);
  p = issuer_profile();
  p.auth_method = std::string(kManagedIdentity);
  p.client_id.clear();
  CHECK_FALSE(validate_profile(p));
}

TEST_CASE("the issuer survives profiles.json, and a stored bad one is refused like any bad field") {
  auto stored = profile_to_json(issuer_profile());
  CHECK(stored.get_string("issuer") == "https://idp.example.test/realms/main");
  auto back = validate_stored_profile(stored);
  REQUIRE_MESSAGE(back, back.status().message());
  CHECK(back->issuer == "https://idp.example.test/realms/main");
  CHECK(back->tenant_id.empty());
  stored.set("issuer", json::Value::string("http://idp.example.com"));
  auto refused = validate_stored_profile(stored);
  REQUIRE_FALSE(refused);
  CHECK(refused.status().message().find("issuer") != std::string::npos);
}
