// The built plugin, loaded the way the host loads it: dlopen, the entry point, the descriptor
// checks, register into a registrar, then use the store through the SDK interface only.
#include <dlfcn.h>
#include <doctest/doctest.h>

#include <memory>

#include "entratool/sdk/plugin.h"
#include "entratool/sdk/secret_store.h"
#include "keystore_test_support.h"

using namespace keystore_test;

namespace {
class OneStoreRegistrar final : public sdk::Registrar {
 public:
  std::unique_ptr<sdk::SecretStore> store;
  sdk::Status add_flow(std::unique_ptr<sdk::Flow>) override { return sdk::Status::general("not a flow host"); }
  sdk::Status add_formatter(std::unique_ptr<sdk::Formatter>) override {
    return sdk::Status::general("not a formatter host");
  }
  sdk::Status add_secret_store(std::unique_ptr<sdk::SecretStore> s) override {
    if (store) return sdk::Status::general("second store");
    store = std::move(s);
    return sdk::Status::ok();
  }
};
}  // namespace

TEST_CASE("the encrypted-file plugin loads, describes itself and stores through the SDK interface") {
  std::string path = std::string(ENTRATOOL_PLUGIN_DIR) + "/entratool-encrypted-file.so";
  // Never unloaded: the store's vtable lives in the library (plugins stay loaded until exit).
  void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  REQUIRE_MESSAGE(handle != nullptr, ::dlerror());
  void* symbol = ::dlsym(handle, ENTRATOOL_PLUGIN_ENTRY_SYMBOL);
  REQUIRE(symbol != nullptr);
  auto entry = reinterpret_cast<entratool_plugin_entry_fn>(symbol);
  const entratool_plugin_descriptor* d = entry();
  REQUIRE(d != nullptr);
  CHECK(d->magic == ENTRATOOL_PLUGIN_MAGIC);
  CHECK(d->size == sizeof(entratool_plugin_descriptor));
  CHECK(d->sdk_major == ENTRATOOL_SDK_VERSION_MAJOR);
  CHECK(std::string(d->id) == "encrypted-file");
  CHECK(std::string(d->kind) == "secret-store");

  OneStoreRegistrar registrar;
  REQUIRE(d->register_plugin(registrar).is_ok());
  REQUIRE(registrar.store);

  EnvGuard no_pass("ENTRATOOL_KEYSTORE_PASSPHRASE", nullptr);
  TempDir t;
  FakeServices services;
  sdk::StoreContext ctx;
  ctx.directory = t.path() + "/keystore-encrypted-file";
  REQUIRE(registrar.store->open(ctx, services).is_ok());
  REQUIRE(registrar.store->put("profile/p/client-secret", "plugin-secret").is_ok());
  auto r = registrar.store->get("profile/p/client-secret");
  REQUIRE(r.is_ok());
  REQUIRE(r->has_value());
  CHECK(**r == "plugin-secret");
  auto names = registrar.store->list("profile/");
  REQUIRE(names.is_ok());
  CHECK(*names == std::vector<std::string>{"profile/p/client-secret"});
  CHECK(registrar.store->erase("profile/p/client-secret").is_ok());
  CHECK(registrar.store->describe().find("AES-256-GCM") != std::string::npos);
  // Released while the library is still loaded.
  registrar.store.reset();
}
