// The secret-service store driven directly against a real Secret Service (GNOME Keyring on a
// private session bus: run under tests/support/with_secret_service.sh): values of any bytes and
// size up to the limit, the limit itself, replace, erase, list, and names.
#include <doctest/doctest.h>

#include <string>

#include "keystore_test_support.h"
#include "secret_service_store.h"

using namespace keystore_test;
using entratool::keystore::SecretServiceStore;

namespace {

SecretServiceStore& opened_store() {
  static FakeServices services;
  static SecretServiceStore store;
  static bool opened = false;
  if (!opened) {
    auto s = store.open(sdk::StoreContext{}, services);
    REQUIRE_MESSAGE(s.is_ok(), s.message());
    opened = true;
  }
  return store;
}

std::string value_of(SecretServiceStore& store, const std::string& name) {
  auto got = store.get(name);
  REQUIRE_MESSAGE(got, got.status().message());
  REQUIRE(got->has_value());
  return **got;
}

}  // namespace

TEST_CASE("secret-service: every byte value and a 1 MiB value round trip unchanged") {
  auto& store = opened_store();
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes.push_back(static_cast<char>(i));
  REQUIRE(store.put("test/bytes", bytes).is_ok());
  CHECK(value_of(store, "test/bytes") == bytes);
  std::string big(std::size_t{1} << 20, '\0');
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>((i * 131) % 251);
  REQUIRE(store.put("test/big", big).is_ok());
  CHECK(value_of(store, "test/big") == big);
  CHECK(store.erase("test/bytes").is_ok());
  CHECK(store.erase("test/big").is_ok());
}

TEST_CASE("secret-service: a value over the limit is refused with a message, not truncated") {
  auto& store = opened_store();
  std::string huge((std::size_t{8} << 20) + 1, 'x');
  auto s = store.put("test/huge", huge);
  REQUIRE_FALSE(s.is_ok());
  CHECK(s.message().find("secret 'test/huge' is too large for the Secret Service store") != std::string::npos);
  auto got = store.get("test/huge");
  REQUIRE(got);
  CHECK_FALSE(got->has_value());
}

TEST_CASE("secret-service: put replaces, erase of an absent name is no error, list is sorted by prefix") {
  auto& store = opened_store();
  REQUIRE(store.put("list/b", "1").is_ok());
  REQUIRE(store.put("list/a", "2").is_ok());
  REQUIRE(store.put("list/a", "3").is_ok());
  REQUIRE(store.put("other/c", "4").is_ok());
  CHECK(value_of(store, "list/a") == "3");
  auto names = store.list("list/");
  REQUIRE(names);
  CHECK(*names == std::vector<std::string>{"list/a", "list/b"});
  CHECK(store.erase("list/a").is_ok());
  CHECK(store.erase("list/a").is_ok());
  auto gone = store.get("list/a");
  REQUIRE(gone);
  CHECK_FALSE(gone->has_value());
  CHECK(store.erase("list/b").is_ok());
  CHECK(store.erase("other/c").is_ok());
  auto empty = store.list("");
  REQUIRE(empty);
  CHECK(empty->empty());
}

TEST_CASE("secret-service: invalid names are refused") {
  auto& store = opened_store();
  CHECK_FALSE(store.put("", "x").is_ok());
  CHECK_FALSE(store.put("new\nline", "x").is_ok());
  CHECK_FALSE(store.get(std::string(5000, 'a')));
}

TEST_CASE("secret-service: describe names the keyring") {
  CHECK(opened_store().describe().find("the Secret Service (keyring '") == 0);
}
