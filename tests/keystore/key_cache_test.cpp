// A passphrase store's derived key in the kernel keyring (key_cache.h): the setting, the
// description, where the key goes and with which timeout and permissions, and the store using it
// so that a later process needs no passphrase, drops a key that does not fit, and locks.
//
// The whole test executable runs in a fresh anonymous session keyring of its own (joined below,
// before any test), so nothing reaches the developer's keyrings; it dies with the process.
#include <doctest/doctest.h>
#include <keyutils.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <thread>
#include <vector>

#include "crypto.h"
#include "encrypted_file_store.h"
#include "entratool/sdk/store_lock.h"
#include "entratool/support/encoding.h"
#include "entratool/support/json.h"
#include "key_cache.h"
#include "keystore_test_support.h"

using namespace keystore_test;
namespace ks = entratool::keystore;

namespace {

const key_serial_t kOwnSession = ::keyctl_join_session_keyring(nullptr);

ks::StoreOptions cached_options() {
  ks::StoreOptions o;
  o.new_store_scrypt.n = ks::kScryptMinN;
  o.key_cache = true;
  return o;
}

struct Opened {
  FakeServices services;
  std::unique_ptr<ks::EncryptedFileStore> store;
  sdk::Status opened;
};

std::unique_ptr<Opened> open_store(const std::string& dir, std::map<std::string, std::string> settings = {},
                                   ks::StoreOptions options = cached_options()) {
  auto o = std::make_unique<Opened>();
  o->store = std::make_unique<ks::EncryptedFileStore>(options);
  sdk::StoreContext ctx;
  ctx.directory = dir;
  ctx.settings = std::move(settings);
  o->opened = o->store->open(ctx, o->services);
  return o;
}

/// store.json's salt, decoded.
std::string salt_of(const std::string& dir) {
  auto doc = support::json::parse(slurp(dir + "/store.json"));
  REQUIRE(doc);
  auto salt = support::base64_decode(doc->get_string("salt"));
  REQUIRE(salt);
  return *salt;
}

/// The keyring entry's "type;uid;gid;perm;description".
std::string describe_key(key_serial_t id) {
  char* text = nullptr;
  if (::keyctl_describe_alloc(id, &text) < 0) return {};
  std::string out(text);
  std::free(text);  // NOLINT(cppcoreguidelines-no-malloc)
  return out;
}

/// The /proc/keys line of `id`, whose fourth column is the time left, rounded down ("perm" for none).
std::string proc_keys_line(key_serial_t id) {
  std::ifstream in("/proc/keys");
  char hex[16];
  std::snprintf(hex, sizeof hex, "%08x", static_cast<unsigned>(id));
  for (std::string line; std::getline(in, line);)
    if (line.compare(0, 8, hex) == 0) return line;
  return {};
}

std::string column(const std::string& line, int n) {
  std::istringstream in(line);
  std::string word;
  for (int i = 0; i <= n; ++i) in >> word;
  return word;
}

/// Creates a passphrase store in `dir` with "name" = "value" (the first unlock caches the key).
void create_passphrase_store(const std::string& dir, std::map<std::string, std::string> settings = {}) {
  EnvGuard pass(ks::kPassphraseEnv, "the session passphrase");
  auto o = open_store(dir, std::move(settings));
  REQUIRE(o->opened.is_ok());
  REQUIRE(o->store->put("name", "value").is_ok());
}

}  // namespace

TEST_CASE("the test runs in a session keyring of its own, which is where cached keys go") {
  REQUIRE_MESSAGE(kOwnSession > 0, "keyctl_join_session_keyring failed: is the kernel keyring available?");
  auto ring = ks::cache_keyring();
  REQUIRE(ring);
  CHECK(ring->id == kOwnSession);
  CHECK(ring->session_keyring_of_its_own);
}

TEST_CASE("unlock_timeout: seconds, minutes or hours, 0 for never; anything else is one clear error") {
  CHECK(*ks::parse_unlock_timeout("900") == 900);
  CHECK(*ks::parse_unlock_timeout("30s") == 30);
  CHECK(*ks::parse_unlock_timeout("15m") == 900);
  CHECK(*ks::parse_unlock_timeout("2h") == 7200);
  CHECK(*ks::parse_unlock_timeout("0") == 0);
  for (const char* bad : {"", "m", "-1", "1.5m", "15 m", "1d", "abc", "99999999999", "999999999h"}) {
    CAPTURE(bad);
    auto r = ks::parse_unlock_timeout(bad);
    REQUIRE_FALSE(r);
    CHECK(r.status().message().find("keystore setting 'unlock_timeout'") != std::string::npos);
  }
}

TEST_CASE("the description names the store by its real path and salt, and gives neither away") {
  TempDir t;
  std::string d = ks::key_cache_description(t.path(), "salt-1");
  CHECK(d.size() == 10 + 64);
  CHECK(d.compare(0, 10, "entratool:") == 0);
  CHECK(d.find(t.path()) == std::string::npos);
  CHECK(ks::key_cache_description(t.path() + "/.", "salt-1") == d);
  CHECK(ks::key_cache_description(t.path(), "salt-2") != d);
  REQUIRE(::symlink(t.path().c_str(), (t.path() + "-link").c_str()) == 0);
  CHECK(ks::key_cache_description(t.path() + "-link", "salt-1") == d);
  ::unlink((t.path() + "-link").c_str());
}

TEST_CASE("a cached key lives in the session keyring with its timeout, possessor-only, and is forgotten") {
  const std::string description = "entratool:test-" + std::to_string(::getpid());
  ks::DataKey key(std::string(32, 'k'));
  REQUIRE(ks::cache_key(description, key, 600).is_ok());
  long id = ::keyctl_search(KEY_SPEC_SESSION_KEYRING, "user", description.c_str(), 0);
  REQUIRE(id > 0);
  // Not left in the process keyring it was made in.
  CHECK(::keyctl_search(KEY_SPEC_PROCESS_KEYRING, "user", description.c_str(), 0) < 0);
  // "user;<uid>;<gid>;<perm>;<description>": only the possessor may read; the user may see it.
  std::string info = describe_key(static_cast<key_serial_t>(id));
  std::vector<std::string> fields;
  for (std::size_t start = 0, end = 0; fields.size() < 4; start = end + 1) {
    end = info.find(';', start);
    REQUIRE(end != std::string::npos);
    fields.push_back(info.substr(start, end - start));
  }
  CHECK(fields[0] == "user");
  CHECK(fields[1] == std::to_string(::geteuid()));
  CHECK(fields[3] == "3b010000");  // possessor: view read search link setattr; user: view
  CHECK(info.substr(info.rfind(';') + 1) == description);
  std::string left = column(proc_keys_line(static_cast<key_serial_t>(id)), 3);
  CAPTURE(left);
  CHECK((left == "10m" || left == "9m"));

  auto found = ks::find_cached_key(description);
  REQUIRE(found);
  CHECK(found->bytes() == key.bytes());

  // Caching again replaces the entry instead of adding a second one.
  REQUIRE(ks::cache_key(description, ks::DataKey(std::string(32, 'j')), 600).is_ok());
  CHECK(ks::find_cached_key(description)->bytes() == std::string(32, 'j'));

  auto dropped = ks::forget_cached_key(description);
  REQUIRE(dropped);
  CHECK(*dropped);
  CHECK_FALSE(ks::find_cached_key(description));
  dropped = ks::forget_cached_key(description);
  REQUIRE(dropped);
  CHECK_FALSE(*dropped);
}

TEST_CASE("a cached key expires with its timeout") {
  // The kernel keeps key expiry in whole seconds (now's second + timeout), so a 1 s key can be gone
  // at once if a second starts between caching and looking; a 2 s key lives more than 1 s and at
  // most 2 s.
  const std::string description = "entratool:expiry-" + std::to_string(::getpid());
  REQUIRE(ks::cache_key(description, ks::DataKey(std::string(32, 'e')), 2).is_ok());
  CHECK(ks::find_cached_key(description));
  std::this_thread::sleep_for(std::chrono::milliseconds(2100));
  CHECK_FALSE(ks::find_cached_key(description));
}

TEST_CASE("after the first unlock, later stores of the session need no passphrase, and lock ends that") {
  TempDir t;
  std::string dir = t.path() + "/keystore-encrypted-file";
  create_passphrase_store(dir);
  const std::string description = ks::key_cache_description(dir, salt_of(dir));
  REQUIRE(ks::find_cached_key(description));
  long id = ::keyctl_search(KEY_SPEC_SESSION_KEYRING, "user", description.c_str(), 0);
  std::string left = column(proc_keys_line(static_cast<key_serial_t>(id)), 3);
  CAPTURE(left);
  CHECK((left == "15m" || left == "14m"));  // the default

  EnvGuard no_pass(ks::kPassphraseEnv, nullptr);
  {
    auto o = open_store(dir);
    REQUIRE(o->opened.is_ok());
    auto v = o->store->get("name");
    REQUIRE(v);
    CHECK(**v == "value");
    REQUIRE(o->store->put("second", "v2").is_ok());
    CHECK(o->services.console_.prompts == 0);
  }
  {
    // The extension `entratool lock` calls.
    auto o = open_store(dir);
    auto locked = entratool::sdk::lock_store(*o->store);
    REQUIRE(locked);
    REQUIRE(*locked);
    CHECK(**locked);
    CHECK_FALSE(ks::find_cached_key(description));
    locked = entratool::sdk::lock_store(*o->store);
    REQUIRE(locked);
    REQUIRE(*locked);
    CHECK_FALSE(**locked);  // nothing left to lock
  }
  {
    auto o = open_store(dir);
    auto r = o->store->get("name");
    REQUIRE_FALSE(r);
    CHECK(r.status().message().find("is protected by a passphrase") != std::string::npos);
    // Given again (here at the prompt), the passphrase unlocks the session once more.
    auto o2 = open_store(dir);
    o2->services.console_.answer = "the session passphrase";
    CHECK(**o2->store->get("second") == "v2");
    CHECK(o2->services.console_.prompts == 1);
    CHECK(ks::find_cached_key(description));
  }
  REQUIRE(ks::forget_cached_key(description));
}

TEST_CASE("a cached key that does not open the check value is dropped and the passphrase is used") {
  TempDir t;
  std::string dir = t.path() + "/keystore-encrypted-file";
  create_passphrase_store(dir);
  const std::string description = ks::key_cache_description(dir, salt_of(dir));
  auto right = ks::find_cached_key(description);
  REQUIRE(right);
  REQUIRE(ks::cache_key(description, ks::DataKey(std::string(32, 'x')), 60).is_ok());

  EnvGuard no_pass(ks::kPassphraseEnv, nullptr);
  auto o = open_store(dir);
  o->services.console_.answer = "the session passphrase";
  CHECK(**o->store->get("name") == "value");
  CHECK(o->services.console_.prompts == 1);
  auto now = ks::find_cached_key(description);
  REQUIRE(now);
  CHECK(now->bytes() == right->bytes());  // the wrong one was replaced by the right key
  REQUIRE(ks::forget_cached_key(description));
}

TEST_CASE("unlock_timeout 0 keeps nothing and uses nothing cached; a bad value fails open()") {
  TempDir t;
  std::string dir = t.path() + "/keystore-encrypted-file";
  create_passphrase_store(dir, {{"unlock_timeout", "0"}});
  const std::string description = ks::key_cache_description(dir, salt_of(dir));
  CHECK_FALSE(ks::find_cached_key(description));
  {
    EnvGuard pass(ks::kPassphraseEnv, "the session passphrase");
    auto o = open_store(dir, {{"unlock_timeout", "1h"}});
    CHECK(**o->store->get("name") == "value");
    long id = ::keyctl_search(KEY_SPEC_SESSION_KEYRING, "user", description.c_str(), 0);
    REQUIRE(id > 0);
    std::string left = column(proc_keys_line(static_cast<key_serial_t>(id)), 3);
    CAPTURE(left);
    CHECK((left == "1h" || left == "59m"));
  }
  {
    // 0 also ignores a key cached before the setting changed.
    EnvGuard no_pass(ks::kPassphraseEnv, nullptr);
    auto o = open_store(dir, {{"unlock_timeout", "0"}});
    CHECK_FALSE(o->store->get("name"));
  }
  auto bad = open_store(dir, {{"unlock_timeout", "soon"}});
  CHECK(bad->opened.message().find("keystore setting 'unlock_timeout' is 'soon'") != std::string::npos);
  REQUIRE(ks::forget_cached_key(description));
}

TEST_CASE("a key-file store caches nothing and has nothing to lock") {
  TempDir t;
  std::string dir = t.path() + "/keystore-encrypted-file";
  EnvGuard no_pass(ks::kPassphraseEnv, nullptr);
  auto o = open_store(dir);
  REQUIRE(o->store->put("name", "value").is_ok());
  auto locked = entratool::sdk::lock_store(*o->store);
  REQUIRE(locked);
  REQUIRE(*locked);
  CHECK_FALSE(**locked);
}

namespace {

/// A store with no lock extension, and one whose lock fails: what sdk::lock_store makes of them.
class PlainStore : public entratool::sdk::SecretStore {
 public:
  sdk::Status open(const sdk::StoreContext&, sdk::HostServices&) override { return sdk::Status::ok(); }
  sdk::Result<std::optional<std::string>> get(std::string_view) override { return std::optional<std::string>(); }
  sdk::Status put(std::string_view, std::string_view) override { return sdk::Status::ok(); }
  sdk::Status erase(std::string_view) override { return sdk::Status::ok(); }
  sdk::Result<std::vector<std::string>> list(std::string_view) override { return std::vector<std::string>(); }
  std::string describe() const override { return "plain"; }
};

class FailingLockStore final : public PlainStore {
 public:
  FailingLockStore() : ext_(entratool::sdk::make_store_lock(this)) {}
  const void* extension(std::string_view id) const override { return id == ET_EXTENSION_STORE_LOCK ? &ext_ : nullptr; }
  sdk::Result<bool> lock_now() { return sdk::Status::general("the vault is unreachable"); }

 private:
  et_store_lock ext_;
};

}  // namespace

TEST_CASE("sdk::lock_store: no extension means nothing to lock; a failing lock is its error") {
  PlainStore plain;
  CHECK_FALSE(entratool::sdk::lock_store(plain).has_value());
  FailingLockStore failing;
  auto r = entratool::sdk::lock_store(failing);
  REQUIRE(r);
  REQUIRE_FALSE(*r);
  CHECK(r->status().message() == "the vault is unreachable");
  CHECK(r->status().exit_code() == 1);
}
