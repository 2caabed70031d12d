// The token cache over an in-memory secret store: keys, validity, damage, per-profile lookups.
#include <doctest/doctest.h>

#include <map>

#include "core/token_cache.h"
#include "entratool/sdk/secret_store.h"

using namespace entratool;
using host::CacheKey;
using host::TokenCache;
using std::chrono::system_clock;
using namespace std::chrono_literals;

namespace {

class MemoryStore final : public sdk::SecretStore {
 public:
  std::map<std::string, std::string, std::less<>> values;
  bool fail_reads = false;
  std::string unreadable;  // this one name fails to read, like a damaged file
  sdk::Status open(const sdk::StoreContext&, sdk::HostServices&) override { return sdk::Status::ok(); }
  sdk::Result<std::optional<std::string>> get(std::string_view name) override {
    if (fail_reads || name == unreadable) return sdk::Status::general("store unreadable");
    auto it = values.find(name);
    if (it == values.end()) return std::optional<std::string>();
    return std::optional<std::string>(it->second);
  }
  sdk::Status put(std::string_view name, std::string_view value) override {
    values[std::string(name)] = std::string(value);
    return sdk::Status::ok();
  }
  sdk::Status erase(std::string_view name) override {
    values.erase(std::string(name));
    return sdk::Status::ok();
  }
  sdk::Result<std::vector<std::string>> list(std::string_view prefix) override {
    std::vector<std::string> out;
    for (const auto& [k, v] : values)
      if (k.rfind(prefix, 0) == 0) out.push_back(k);
    return out;
  }
  std::string describe() const override { return "memory"; }
};

CacheKey key(std::vector<std::string> scopes = {"https://graph.microsoft.com/.default"}) {
  return {"https://login.microsoftonline.com",
          "contoso.onmicrosoft.com",
          "11111111-2222-3333-4444-555555555555",
          "client-credentials",
          std::move(scopes),
          "app"};
}

sdk::TokenResponse token(system_clock::time_point expires_at, std::string value = "eyJ.token.sig") {
  sdk::TokenResponse t;
  t.access_token = std::move(value);
  t.expires_at = expires_at;
  t.scopes = {"https://graph.microsoft.com/.default"};
  return t;
}

const system_clock::time_point kNow = system_clock::from_time_t(1'800'000'000);

}  // namespace

TEST_CASE("entry names are token/<profile>/<sha256 of the normalised key>") {
  std::string name = TokenCache::entry_name(key());
  CHECK(name.rfind("token/app/", 0) == 0);
  CHECK(name.size() == std::string("token/app/").size() + 64);
  CHECK(name.find_first_not_of("0123456789abcdef", 10) == std::string::npos);
}

TEST_CASE("the key ignores authority/tenant case and scope order or duplicates") {
  CacheKey a = key({"b", "a", "a"});
  CacheKey b = key({"a", "b"});
  b.authority = "HTTPS://LOGIN.microsoftonline.com";
  b.tenant = "Contoso.OnMicrosoft.com";
  CHECK(TokenCache::key_hash(a) == TokenCache::key_hash(b));
}

TEST_CASE("the key tells apart every identity field, but not the profile name") {
  const std::string base = TokenCache::key_hash(key());
  CacheKey k = key();
  k.authority = "https://login.microsoftonline.us";
  CHECK(TokenCache::key_hash(k) != base);
  k = key();
  k.tenant = "fabrikam.onmicrosoft.com";
  CHECK(TokenCache::key_hash(k) != base);
  k = key();
  k.client_id = "other";
  CHECK(TokenCache::key_hash(k) != base);
  k = key();
  k.flow = "device-code";
  CHECK(TokenCache::key_hash(k) != base);
  k = key({"https://graph.microsoft.com/.default", "offline_access"});
  CHECK(TokenCache::key_hash(k) != base);
  k = key();
  k.profile = "other-profile";
  CHECK(TokenCache::key_hash(k) == base);
  CHECK(TokenCache::entry_name(k) != TokenCache::entry_name(key()));
}

TEST_CASE("a stored token is found while it has min_validity left, then missed") {
  MemoryStore store;
  TokenCache cache(store);
  REQUIRE(cache.store(key(), token(kNow + 3600s), kNow));
  auto hit = cache.find(key(), kNow, 300s);
  REQUIRE(hit);
  REQUIRE(hit->has_value());
  CHECK((*hit)->access_token == "eyJ.token.sig");
  CHECK((*hit)->expires_at == kNow + 3600s);

  auto still = cache.find(key(), kNow + 3300s, 300s);  // exactly 300 s left
  REQUIRE(still);
  CHECK(still->has_value());
  auto late = cache.find(key(), kNow + 3301s, 300s);
  REQUIRE(late);
  CHECK_FALSE(late->has_value());
  auto expired = cache.find(key(), kNow + 4000s, 0s);
  REQUIRE(expired);
  CHECK_FALSE(expired->has_value());
}

TEST_CASE("every token field survives the round trip") {
  MemoryStore store;
  TokenCache cache(store);
  sdk::TokenResponse t = token(kNow + 3599s, "at");
  t.token_type = "pop";
  t.scopes = {"User.Read", "Mail.Read"};
  t.refresh_token = "rt";
  t.id_token = "idt";
  t.extra = {{"ext_expires_in", "3599"}, {"refresh_in", "\"1800\""}, {"nested", "{\"a\":[1,2]}"}};
  REQUIRE(cache.store(key(), t, kNow));
  auto hit = cache.find(key(), kNow, 0s);
  REQUIRE(hit);
  REQUIRE(hit->has_value());
  const auto& got = **hit;
  CHECK(got.access_token == "at");
  CHECK(got.token_type == "pop");
  CHECK(got.scopes == t.scopes);
  CHECK(got.refresh_token == "rt");
  CHECK(got.id_token == "idt");
  CHECK(got.extra == t.extra);
}

TEST_CASE("a damaged entry is a miss, and storing replaces it") {
  MemoryStore store;
  TokenCache cache(store);
  for (std::string damage :
       {"", "not json", "{}", "[1,2]", "{\"version\":1}", "{\"version\":99,\"access_token\":\"x\"}",
        "{\"version\":1,\"key\":\"wrong\",\"access_token\":\"x\",\"expires_at_ms\":1,\"stored_at_ms\":1}"}) {
    store.values[TokenCache::entry_name(key())] = damage;
    auto found = cache.find(key(), kNow, 0s);
    REQUIRE_MESSAGE(found, damage);
    CHECK_MESSAGE(!found->has_value(), damage);
  }
  // A truncated real entry is a miss too.
  std::string good = TokenCache::serialize_entry(key(), token(kNow + 3600s), kNow);
  for (size_t cut = 0; cut < good.size(); cut += 7) {
    store.values[TokenCache::entry_name(key())] = good.substr(0, cut);
    auto found = cache.find(key(), kNow, 0s);
    REQUIRE(found);
    CHECK(!found->has_value());
  }
  REQUIRE(cache.store(key(), token(kNow + 3600s), kNow));
  auto found = cache.find(key(), kNow, 0s);
  REQUIRE(found);
  CHECK(found->has_value());
}

TEST_CASE("an entry stored under another key's name is not returned") {
  MemoryStore store;
  TokenCache cache(store);
  CacheKey other = key({"https://management.azure.com/.default"});
  store.values[TokenCache::entry_name(key())] = TokenCache::serialize_entry(other, token(kNow + 3600s), kNow);
  auto found = cache.find(key(), kNow, 0s);
  REQUIRE(found);
  CHECK_FALSE(found->has_value());
}

TEST_CASE("a store that fails is reported, not taken for a miss") {
  MemoryStore store;
  store.fail_reads = true;
  TokenCache cache(store);
  auto found = cache.find(key(), kNow, 0s);
  CHECK_FALSE(found);
  CHECK(found.status().message() == "store unreadable");
}

TEST_CASE("latest_for_profile returns the most recently stored token, expired or not") {
  MemoryStore store;
  TokenCache cache(store);
  CHECK_FALSE(cache.latest_for_profile("app")->has_value());
  REQUIRE(cache.store(key({"a"}), token(kNow - 10s, "older-but-expired"), kNow - 20s));
  REQUIRE(cache.store(key({"b"}), token(kNow - 5s, "newest-expired"), kNow - 6s));
  CacheKey other_profile = key({"c"});
  other_profile.profile = "app2";
  REQUIRE(cache.store(other_profile, token(kNow + 100s, "other-profile"), kNow));
  store.values["token/app/garbage"] = "{broken";
  auto latest = cache.latest_for_profile("app");
  REQUIRE(latest);
  REQUIRE(latest->has_value());
  CHECK((*latest)->access_token == "newest-expired");
}

TEST_CASE("erase_profile removes only that profile's tokens") {
  MemoryStore store;
  TokenCache cache(store);
  CacheKey app2 = key();
  app2.profile = "app2";
  CacheKey prefix_twin = key();
  prefix_twin.profile = "ap";
  REQUIRE(cache.store(key({"a"}), token(kNow + 100s), kNow));
  REQUIRE(cache.store(key({"b"}), token(kNow + 100s), kNow));
  REQUIRE(cache.store(app2, token(kNow + 100s), kNow));
  REQUIRE(cache.store(prefix_twin, token(kNow + 100s), kNow));
  store.values["profile/app/client-secret"] = "s3cret";
  REQUIRE(cache.erase_profile("app"));
  CHECK(store.values.size() == 3);
  CHECK(store.values.count("profile/app/client-secret") == 1);
  CHECK(cache.find(app2, kNow, 0s)->has_value());
  CHECK(cache.find(prefix_twin, kNow, 0s)->has_value());
}

TEST_CASE("latest_for_profile skips an entry the store cannot read, and reports it when nothing else is left") {
  MemoryStore store;
  TokenCache cache(store);
  REQUIRE(cache.store(key({"a"}), token(kNow + 100s, "readable"), kNow - 10s));
  REQUIRE(cache.store(key({"b"}), token(kNow + 100s, "damaged"), kNow));
  store.unreadable = TokenCache::entry_name(key({"b"}));
  auto latest = cache.latest_for_profile("app");
  REQUIRE(latest);
  REQUIRE(latest->has_value());
  CHECK((*latest)->access_token == "readable");
  store.values.erase(TokenCache::entry_name(key({"a"})));
  auto none = cache.latest_for_profile("app");
  REQUIRE_FALSE(none);
  CHECK(none.status().message() == "store unreadable");
}
