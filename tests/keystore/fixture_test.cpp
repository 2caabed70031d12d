// Stores written by the OpenSSL-only store code (tests/keystore/fixtures/openssl-v1, see its
// README) open with the current code, in both key modes: the move to libsodium kept the bytes.
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <memory>

#include "encrypted_file_store.h"
#include "keystore_test_support.h"

using namespace keystore_test;
namespace ks = entratool::keystore;

namespace {

constexpr const char* kFixturePassphrase = "fixture passphrase, written by the OpenSSL version";

/// A private copy of a fixture store (git keeps no modes; the store insists on 0700 and 0600).
std::string copy_fixture(const TempDir& t, const std::string& name) {
  const std::string from = std::string(ENTRATOOL_KEYSTORE_FIXTURES) + "/openssl-v1/" + name;
  const std::string to = t.path() + "/" + name;
  REQUIRE(::mkdir(to.c_str(), 0700) == 0);
  for (const std::string& file : files_in(from)) {
    std::ofstream out(to + "/" + file, std::ios::binary);
    out << slurp(from + "/" + file);
    out.close();
    REQUIRE(::chmod((to + "/" + file).c_str(), 0600) == 0);
  }
  return to;
}

std::string fixture_token() {
  std::string big;
  for (int i = 0; i < 1600; ++i) big.push_back(static_cast<char>('A' + (i * 7) % 26));
  return big;
}

void check_store(const std::string& dir) {
  ks::StoreOptions options;
  options.key_cache = false;
  ks::EncryptedFileStore store(options);
  FakeServices services;
  sdk::StoreContext ctx;
  ctx.directory = dir;
  REQUIRE(store.open(ctx, services).is_ok());
  auto secret = store.get("profile/app/client-secret");
  REQUIRE_MESSAGE(secret, secret.status().message());
  REQUIRE(*secret);
  CHECK(**secret == "fixture-client-secret-0b7e");
  auto token = store.get("token/fixture");
  REQUIRE(token);
  REQUIRE(*token);
  CHECK(**token == fixture_token());
  auto names = store.list("");
  REQUIRE(names);
  CHECK(*names == std::vector<std::string>{"profile/app/client-secret", "token/fixture"});
  // And what the current code writes there reads back next to the old entries.
  REQUIRE(store.put("written/now", "new value").is_ok());
  CHECK(**store.get("written/now") == "new value");
}

}  // namespace

TEST_CASE("a key-file store written by the OpenSSL-only version opens and stays writable") {
  TempDir t;
  EnvGuard no_pass(ks::kPassphraseEnv, nullptr);
  check_store(copy_fixture(t, "key-file"));
}

TEST_CASE("a passphrase store written by the OpenSSL-only version opens with the same scrypt key") {
  TempDir t;
  EnvGuard pass(ks::kPassphraseEnv, kFixturePassphrase);
  check_store(copy_fixture(t, "passphrase"));
}
