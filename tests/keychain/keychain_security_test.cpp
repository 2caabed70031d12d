// The Keychain store on the real Security framework (macOS only; .github/workflows/macos.yml).
// Everything happens in a temporary keychain file made with SecKeychainCreate and deleted at
// the end, with user interaction turned off, so the test never prompts and never touches the
// login keychain. What it guards: round trip, overwrite (SecItemAdd, then SecItemUpdate on
// errSecDuplicateItem), erase, list with a prefix, a large value, a locked keychain reported with
// the unlock command, a missing keychain file, and the same through the built plugin's C entry.
#include <Security/Security.h>
#include <dlfcn.h>
#include <doctest/doctest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "entratool/sdk/abi.h"
#include "keychain_api.h"
#include "keychain_store.h"
#include "support/fakes.h"

#pragma clang diagnostic ignored "-Wdeprecated-declarations"  // SecKeychainCreate & co.

namespace {

using entratool::keystore::KeychainStore;
namespace sdk = entratool::sdk;

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

/// A fresh keychain file, unlocked, removed (with its folder) at the end.
class TempKeychain {
 public:
  TempKeychain() {
    const char* base = std::getenv("TMPDIR");
    std::string pattern = std::string(base && *base ? base : "/tmp") + "/entratool-keychain-XXXXXX";
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    dir_ = pattern;
    path_ = dir_ + "/test.keychain-db";
    password_ = "entratool-test-" + std::to_string(::getpid());
    OSStatus st = SecKeychainCreate(path_.c_str(), static_cast<UInt32>(password_.size()), password_.data(), false,
                                    nullptr, &keychain_);
    REQUIRE_MESSAGE(st == errSecSuccess, "SecKeychainCreate failed: " << st);
  }
  TempKeychain(const TempKeychain&) = delete;
  TempKeychain& operator=(const TempKeychain&) = delete;
  ~TempKeychain() {
    if (keychain_) {
      SecKeychainDelete(keychain_);
      CFRelease(keychain_);
    }
    ::unlink(path_.c_str());
    ::rmdir(dir_.c_str());
  }
  const std::string& path() const { return path_; }
  void lock() { REQUIRE(SecKeychainLock(keychain_) == errSecSuccess); }
  void unlock() {
    REQUIRE(SecKeychainUnlock(keychain_, static_cast<UInt32>(password_.size()), password_.data(), true) ==
            errSecSuccess);
  }

 private:
  std::string dir_;
  std::string path_;
  std::string password_;
  SecKeychainRef keychain_ = nullptr;
};

/// No prompt may ever appear (a CI runner has nobody to answer it): a locked keychain must
/// answer errSecInteractionNotAllowed instead.
struct NoInteraction {
  NoInteraction() { SecKeychainSetUserInteractionAllowed(false); }
};
const NoInteraction g_no_interaction;

std::string test_service() { return "entratool-test-" + std::to_string(::getpid()); }

struct Opened {
  fakes::Services services;
  KeychainStore store{&entratool::keystore::make_security_keychain};
  explicit Opened(const std::string& keychain) {
    sdk::StoreContext context;
    context.settings = {{"keychain", keychain}, {"service", test_service()}};
    REQUIRE(store.open(context, services).is_ok());
  }
};

}  // namespace

TEST_CASE("round trip, overwrite, erase and list on the real keychain") {
  TempKeychain keychain;
  Opened o(keychain.path());
  auto absent = o.store.get("profile/app/client-secret");
  REQUIRE(absent.is_ok());
  CHECK_FALSE(absent->has_value());
  CHECK(o.store.list("")->empty());

  REQUIRE(o.store.put("profile/app/client-secret", "s3cret").is_ok());
  CHECK(*o.store.get("profile/app/client-secret") == std::optional<std::string>("s3cret"));
  REQUIRE(o.store.put("profile/app/client-secret", "replaced, and longer").is_ok());
  CHECK(*o.store.get("profile/app/client-secret") == std::optional<std::string>("replaced, and longer"));

  std::string binary("a\0b\xff", 4);
  REQUIRE(o.store.put("binary", binary).is_ok());
  CHECK(*o.store.get("binary") == std::optional<std::string>(binary));
  REQUIRE(o.store.put("token/aa", "1").is_ok());
  REQUIRE(o.store.put("token/bb", "2").is_ok());
  CHECK(*o.store.list("") == std::vector<std::string>{"binary", "profile/app/client-secret", "token/aa", "token/bb"});
  CHECK(*o.store.list("token/") == std::vector<std::string>{"token/aa", "token/bb"});

  REQUIRE(o.store.erase("token/aa").is_ok());
  CHECK_FALSE(o.store.get("token/aa")->has_value());
  CHECK(o.store.erase("token/aa").is_ok());  // absent: not an error
  CHECK(*o.store.list("token/") == std::vector<std::string>{"token/bb"});
}

TEST_CASE("a token bundle of 256 KiB is kept whole") {
  TempKeychain keychain;
  Opened o(keychain.path());
  std::string bundle(256 * 1024, 'x');
  for (std::size_t i = 0; i < bundle.size(); i += 3) bundle[i] = static_cast<char>(i % 251);
  REQUIRE(o.store.put("token/big", bundle).is_ok());
  CHECK(*o.store.get("token/big") == std::optional<std::string>(bundle));
}

TEST_CASE("a locked keychain is reported with the command that unlocks it, and works once unlocked") {
  TempKeychain keychain;
  Opened o(keychain.path());
  REQUIRE(o.store.put("profile/app/client-secret", "s3cret").is_ok());
  keychain.lock();
  auto got = o.store.get("profile/app/client-secret");
  REQUIRE_FALSE(got.is_ok());
  INFO(got.status().message());
  CHECK(got.status().code() == sdk::codes::kStoreLocked);
  CHECK(contains(got.status().message(), "security unlock-keychain '" + keychain.path() + "'"));
  CHECK(o.store.put("profile/app/client-secret", "other").code() == sdk::codes::kStoreLocked);
  keychain.unlock();
  CHECK(*o.store.get("profile/app/client-secret") == std::optional<std::string>("s3cret"));
}

TEST_CASE("a keychain file that does not exist is reported as such") {
  Opened o("/nonexistent-entratool-folder/none.keychain-db");
  auto s = o.store.put("a", "v");
  INFO(s.message());
  CHECK(s.code() == "store_unavailable");
  CHECK(contains(s.message(), "does not exist"));
}

namespace {
void append(void* ctx, et_str data) { static_cast<std::string*>(ctx)->append(data.data, data.size); }
void push(void* ctx, et_str data) { static_cast<std::vector<std::string>*>(ctx)->emplace_back(data.data, data.size); }
et_str view(const std::string& s) { return et_str{s.data(), s.size()}; }

struct Registered {
  int count = 0;
  std::string id;
  et_secret_store store{};
};
int32_t add_component(void* ctx, const char* kind, const char* id, const void* iface, et_status*) {
  auto* r = static_cast<Registered*>(ctx);
  ++r->count;
  r->id = id;
  if (std::strcmp(kind, ET_KIND_SECRET_STORE) == 0) {
    const auto* s = static_cast<const et_secret_store*>(iface);
    std::memcpy(&r->store, s, std::min<std::size_t>(s->size, sizeof(et_secret_store)));
  }
  return ET_OK;
}
const void* no_service(void*, const char*) { return nullptr; }
}  // namespace

TEST_CASE("the built plugin registers 'keychain' through its C entry point and round-trips a secret") {
  void* library = ::dlopen(ENTRATOOL_KEYCHAIN_PLUGIN, RTLD_NOW | RTLD_LOCAL);
  REQUIRE_MESSAGE(library != nullptr, ::dlerror());
  auto entry = reinterpret_cast<et_plugin_entry_fn>(::dlsym(library, ENTRATOOL_PLUGIN_ENTRY_SYMBOL));
  REQUIRE(static_cast<bool>(entry));
  const et_plugin_descriptor* d = entry();
  REQUIRE(d != nullptr);
  CHECK(d->magic == ENTRATOOL_PLUGIN_MAGIC);
  CHECK(std::string(d->id) == "keychain");
  CHECK(d->sdk_major == ENTRATOOL_SDK_VERSION_MAJOR);
  static const et_host host{sizeof(et_host), ENTRATOOL_SDK_VERSION_MAJOR, ENTRATOOL_SDK_VERSION_MINOR, nullptr,
                            &no_service};
  Registered r;
  et_registrar registrar{sizeof(et_registrar), &r, &add_component};
  et_status st{};
  REQUIRE(d->register_components(&host, &registrar, &st) == ET_OK);
  REQUIRE(r.count == 1);
  CHECK(r.id == "keychain");
  et_secret_store& s = r.store;

  TempKeychain keychain;
  std::string service = test_service();
  std::string keychain_key = "keychain";
  std::string service_key = "service";
  et_pair settings[] = {{view(keychain_key), view(keychain.path())}, {view(service_key), view(service)}};
  std::string directory = "/unused";
  et_store_context context{sizeof(et_store_context), view(directory), et_pairs{settings, 2}};
  REQUIRE(s.open(s.self, &context, &host, &st) == ET_OK);
  std::string name = "profile/plugin/client-secret";
  std::string value = "through the C boundary";
  REQUIRE(s.put(s.self, view(name), view(value), &st) == ET_OK);
  std::string got;
  int32_t found = 0;
  REQUIRE(s.get(s.self, view(name), et_sink{&got, &append}, &found, &st) == ET_OK);
  CHECK(found == 1);
  CHECK(got == value);
  std::vector<std::string> names;
  std::string prefix = "profile/";
  REQUIRE(s.list(s.self, view(prefix), et_sink{&names, &push}, &st) == ET_OK);
  CHECK(names == std::vector<std::string>{name});
  REQUIRE(s.erase(s.self, view(name), &st) == ET_OK);
  got.clear();
  REQUIRE(s.get(s.self, view(name), et_sink{&got, &append}, &found, &st) == ET_OK);
  CHECK(found == 0);
}
