// The Keychain store's logic against a fake keychain that answers with the Security framework's
// real status codes: item naming (service "entratool", account = the secret's name), add then
// update, absent items, listing with a prefix, the error each status maps to, and sizes. Runs on
// every platform; keychain_security_test.cpp runs the same store on the real framework (macOS).
#include <doctest/doctest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "fake_keychain.h"
#include "keychain_store.h"
#include "support/fakes.h"

namespace {

using entratool::keystore::KeychainStore;
using keychain_test::FakeKeychain;
namespace ks = entratool::keystore::keychain_status;
namespace sdk = entratool::sdk;

using Settings = std::map<std::string, std::string>;

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

/// A store opened on a fake keychain; `keychain` is what the factory was asked for.
struct Fixture {
  FakeKeychain* fake = nullptr;
  std::string keychain_asked = "(not asked)";
  fakes::Services services;
  KeychainStore store{[this](const std::string& path) {
    keychain_asked = path;
    auto made = std::make_unique<FakeKeychain>();
    fake = made.get();
    return made;
  }};
  explicit Fixture(Settings settings = {}) {
    sdk::StoreContext context;
    context.directory = "/unused/keystore-keychain";
    context.settings = std::move(settings);
    REQUIRE(store.open(context, services).is_ok());
  }
};

}  // namespace

TEST_CASE("a secret is a generic password of service 'entratool' whose account is the secret's name") {
  Fixture f;
  CHECK(f.keychain_asked.empty());  // the user's default keychain
  REQUIRE(f.store.put("profile/app/client-secret", "s3cret").is_ok());
  CHECK(f.fake->items.count({"entratool", "profile/app/client-secret"}) == 1);
  CHECK(f.fake->items.at({"entratool", "profile/app/client-secret"}) == "s3cret");
  auto got = f.store.get("profile/app/client-secret");
  REQUIRE(got.is_ok());
  CHECK(*got == std::optional<std::string>("s3cret"));
  CHECK(contains(f.store.describe(), "service 'entratool'"));
  CHECK(contains(f.store.describe(), "default keychain"));
}

TEST_CASE("settings choose another service and a keychain file") {
  Fixture f(Settings{{"service", "entratool-ci"}, {"keychain", "/tmp/ci.keychain-db"}});
  CHECK(f.keychain_asked == "/tmp/ci.keychain-db");
  REQUIRE(f.store.put("a", "1").is_ok());
  CHECK(f.fake->items.count({"entratool-ci", "a"}) == 1);
  CHECK(contains(f.store.describe(), "/tmp/ci.keychain-db"));
  fakes::Services services;
  KeychainStore bad([](const std::string&) { return std::make_unique<FakeKeychain>(); });
  sdk::StoreContext context;
  context.settings = {{"service", "tab\there"}};
  CHECK_FALSE(bad.open(context, services).is_ok());
}

TEST_CASE("an existing item is updated: errSecDuplicateItem from SecItemAdd leads to SecItemUpdate") {
  Fixture f;
  REQUIRE(f.store.put("token/x", "old").is_ok());
  f.fake->calls.clear();
  REQUIRE(f.store.put("token/x", "new").is_ok());
  CHECK(f.fake->calls == std::vector<std::string>{"add token/x", "update token/x"});
  CHECK(f.fake->items.at({"entratool", "token/x"}) == "new");
}

TEST_CASE("an item removed between SecItemAdd and SecItemUpdate is added again") {
  Fixture f;
  f.fake->scripted = {ks::kDuplicateItem, ks::kItemNotFound};
  REQUIRE(f.store.put("token/x", "v").is_ok());
  CHECK(f.fake->calls == std::vector<std::string>{"add token/x", "update token/x", "add token/x"});
  CHECK(f.fake->items.at({"entratool", "token/x"}) == "v");
}

TEST_CASE("errSecItemNotFound is absence: get gives nothing, erase succeeds, list is empty") {
  Fixture f;
  auto got = f.store.get("profile/none/client-secret");
  REQUIRE(got.is_ok());
  CHECK_FALSE(got->has_value());
  CHECK(f.store.erase("profile/none/client-secret").is_ok());
  auto names = f.store.list("");
  REQUIRE(names.is_ok());
  CHECK(names->empty());
}

TEST_CASE("erase removes the item") {
  Fixture f;
  REQUIRE(f.store.put("a", "1").is_ok());
  REQUIRE(f.store.put("b", "2").is_ok());
  REQUIRE(f.store.erase("a").is_ok());
  CHECK_FALSE(f.store.get("a")->has_value());
  CHECK(*f.store.get("b") == std::optional<std::string>("2"));
}

TEST_CASE("list gives the accounts with a prefix, sorted, once each; foreign accounts are skipped with a warning") {
  Fixture f;
  for (const char* name : {"token/zz", "profile/b/client-secret", "profile/a/client-secret", "token/aa"})
    REQUIRE(f.store.put(name, "v").is_ok());
  f.fake->items[{"other-service", "profile/c/client-secret"}] = "not ours";
  f.fake->extra_accounts = {"token/aa", "", "bad\naccount"};  // a second keychain's copy; foreign items
  auto all = f.store.list("");
  REQUIRE(all.is_ok());
  CHECK(*all == std::vector<std::string>{"profile/a/client-secret", "profile/b/client-secret", "token/aa", "token/zz"});
  REQUIRE(f.services.logger_.warnings.size() == 1);
  CHECK(contains(f.services.logger_.warnings[0], "skipped 2 keychain item(s)"));
  CHECK(contains(f.services.logger_.warnings[0], "left untouched"));
  CHECK(*f.store.list("profile/") == std::vector<std::string>{"profile/a/client-secret", "profile/b/client-secret"});
  CHECK(*f.store.list("token/a") == std::vector<std::string>{"token/aa"});
  CHECK(f.store.list("nothing")->empty());
}

TEST_CASE("a locked keychain (errSecInteractionNotAllowed) says how to unlock it, for every operation") {
  Fixture f;
  REQUIRE(f.store.put("a", "1").is_ok());
  f.fake->locked_status = ks::kInteractionNotAllowed;
  auto got = f.store.get("profile/app/client-secret");
  REQUIRE_FALSE(got.is_ok());
  CHECK(got.status().code() == sdk::codes::kStoreLocked);
  CHECK(got.status().exit_code() == 1);
  CHECK(contains(got.status().message(), "is locked"));
  CHECK(contains(got.status().message(), "`security unlock-keychain`"));
  CHECK(contains(got.status().message(), "could not read secret 'profile/app/client-secret'"));
  auto put = f.store.put("a", "2");
  CHECK(put.code() == sdk::codes::kStoreLocked);
  CHECK(contains(put.message(), "could not store secret 'a'"));
  CHECK(f.store.erase("a").code() == sdk::codes::kStoreLocked);
  auto listed = f.store.list("");
  REQUIRE_FALSE(listed.is_ok());
  CHECK(listed.status().code() == sdk::codes::kStoreLocked);
  f.fake->locked_status = ks::kSuccess;
  CHECK(f.fake->items.at({"entratool", "a"}) == "1");  // nothing was changed
}

TEST_CASE("a locked keychain file names that file in the unlock command") {
  Fixture f(Settings{{"keychain", "/Users/ci/build.keychain-db"}});
  f.fake->locked_status = ks::kInteractionNotAllowed;
  auto got = f.store.get("a");
  REQUIRE_FALSE(got.is_ok());
  CHECK(contains(got.status().message(), "`security unlock-keychain '/Users/ci/build.keychain-db'`"));
}

TEST_CASE("errSecAuthFailed and a cancelled prompt (userCanceled, -128) are distinct errors") {
  Fixture f;
  f.fake->scripted = {ks::kAuthFailed};
  auto denied = f.store.get("profile/app/client-secret");
  REQUIRE_FALSE(denied.is_ok());
  CHECK(denied.status().code() == "keychain_auth_failed");
  CHECK(contains(denied.status().message(), "refused access to secret 'profile/app/client-secret'"));
  CHECK(contains(denied.status().message(), "errSecAuthFailed"));

  f.fake->scripted = {ks::kUserCanceled};
  auto cancelled = f.store.get("profile/app/client-secret");
  REQUIRE_FALSE(cancelled.is_ok());
  CHECK(cancelled.status().code() == sdk::codes::kCancelled);
  CHECK(contains(cancelled.status().message(), "was cancelled at the keychain's prompt"));
  CHECK(cancelled.status().message() != denied.status().message());

  f.fake->scripted = {ks::kUserCanceled};
  CHECK(f.store.put("x", "v").code() == sdk::codes::kCancelled);
}

TEST_CASE("no keychain, a missing keychain file and an undecodable item each say what is wrong") {
  Fixture f(Settings{{"keychain", "/nope.keychain-db"}});
  f.fake->scripted = {ks::kNoSuchKeychain};
  auto missing = f.store.put("a", "v");
  CHECK(missing.code() == "store_unavailable");
  CHECK(contains(missing.message(), "'/nope.keychain-db' does not exist"));
  f.fake->scripted = {ks::kNoDefaultKeychain};
  auto none = f.store.get("a");
  REQUIRE_FALSE(none.is_ok());
  CHECK(none.status().code() == "store_unavailable");
  CHECK(contains(none.status().message(), "no keychain is available"));
  f.fake->scripted = {ks::kDecode};
  auto damaged = f.store.get("profile/app/client-secret");
  REQUIRE_FALSE(damaged.is_ok());
  CHECK(damaged.status().code() == "corrupt");
  CHECK(contains(damaged.status().message(), "secret 'profile/app/client-secret'"));
  CHECK(contains(damaged.status().message(), "left untouched"));
}

TEST_CASE("an unexpected status is reported with its number and the framework's text, never the value") {
  Fixture f;
  f.fake->scripted = {ks::kDuplicateItem, -61};
  auto s = f.store.put("profile/app/client-secret", "the-secret-value");
  CHECK_FALSE(s.is_ok());
  CHECK(s.code() == "keychain");
  CHECK(contains(s.message(), "keychain error -61 (Write permissions error.)"));
  CHECK(contains(s.message(), "store secret 'profile/app/client-secret'"));
  CHECK_FALSE(contains(s.message(), "the-secret-value"));
}

TEST_CASE("large values: a token bundle far over Credential Manager's limit is kept whole; over 16 MiB is refused") {
  Fixture f;
  std::string bundle(64 * 1024, 'x');
  for (std::size_t i = 0; i < bundle.size(); i += 3) bundle[i] = static_cast<char>(i % 251);
  REQUIRE(f.store.put("token/big", bundle).is_ok());
  CHECK(*f.store.get("token/big") == std::optional<std::string>(bundle));
  std::string limit(entratool::keystore::kKeychainMaxValueSize, 'y');
  CHECK(f.store.put("token/limit", limit).is_ok());
  REQUIRE(f.store.put("token/t", "old").is_ok());
  auto over = f.store.put("token/t", std::string(entratool::keystore::kKeychainMaxValueSize + 1, 'z'));
  CHECK(over.code() == "too_large");
  CHECK(contains(over.message(), "at most 16 MiB"));
  CHECK(*f.store.get("token/t") == std::optional<std::string>("old"));
  f.fake->scripted = {ks::kDataTooLarge};
  auto refused = f.store.put("token/u", "v");
  CHECK(refused.code() == "too_large");
  CHECK(contains(refused.message(), "too large for the keychain"));
}

TEST_CASE("invalid names are refused before the keychain is asked") {
  Fixture f;
  for (const std::string& bad : {std::string(), std::string("new\nline"), std::string(4097, 'n')}) {
    CHECK(contains(f.store.put(bad, "v").message(), "invalid secret name"));
    CHECK_FALSE(f.store.get(bad).is_ok());
    CHECK_FALSE(f.store.erase(bad).is_ok());
  }
  CHECK(f.fake->calls.empty());
}

TEST_CASE("an empty value and binary values survive the round trip") {
  Fixture f;
  REQUIRE(f.store.put("empty", "").is_ok());
  CHECK(*f.store.get("empty") == std::optional<std::string>(""));
  std::string binary("a\0b\xff", 4);
  REQUIRE(f.store.put("binary", binary).is_ok());
  CHECK(*f.store.get("binary") == std::optional<std::string>(binary));
}

TEST_CASE("a store used before open() says so") {
  KeychainStore store([](const std::string&) { return std::make_unique<FakeKeychain>(); });
  CHECK(contains(store.put("a", "v").message(), "before it was opened"));
}
