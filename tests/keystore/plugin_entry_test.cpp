// The built plugin, loaded the way the host loads it: dlopen, the entry point, the descriptor
// checks against the manifest, register_components() into a registrar, then the store used
// through the C interface (et_secret_store) only, as a host built with any compiler would.
#include <dlfcn.h>
#include <doctest/doctest.h>

#include <cstring>
#include <string>
#include <vector>

#include "entratool/sdk/abi.h"
#include "entratool/sdk/detail/convert.h"
#include "entratool/support/json.h"
#include "keystore_test_support.h"

using namespace keystore_test;
namespace detail = entratool::sdk::detail;

namespace {

/// Accepts the one store the manifest lists, copying its interface (it may live on the plugin's stack).
struct OneStoreRegistrar {
  int added = 0;
  et_secret_store store{};
  std::string kind, id;
  static int32_t add(void* ctx, const char* kind, const char* id, const void* iface, et_status* status) {
    auto* self = static_cast<OneStoreRegistrar*>(ctx);
    if (self->added++) return detail::to_c(sdk::Status::general("second component"), status);
    self->kind = kind;
    self->id = id;
    std::memcpy(&self->store, iface, sizeof(et_secret_store));
    return ET_OK;
  }
};

// No host services at all: the store's log lines are dropped, prompts fail ("unsupported").
const et_host kNoServices{sizeof(et_host), ENTRATOOL_SDK_VERSION_MAJOR, ENTRATOOL_SDK_VERSION_MINOR, nullptr,
                          [](void*, const char*) -> const void* { return nullptr; }};

sdk::Status call(int32_t rc, const et_status& st) { return detail::from_c(rc, st); }

}  // namespace

TEST_CASE("the encrypted-file plugin loads, describes itself and stores through the C interface") {
  const std::string dir = ENTRATOOL_PLUGIN_DIR;
  // Never unloaded: the store lives in the library (plugins stay loaded until exit).
  void* handle = ::dlopen((dir + "/entratool-encrypted-file.so").c_str(), RTLD_NOW | RTLD_LOCAL);
  REQUIRE_MESSAGE(handle != nullptr, ::dlerror());
  void* symbol = ::dlsym(handle, ENTRATOOL_PLUGIN_ENTRY_SYMBOL);
  REQUIRE(symbol != nullptr);
  const et_plugin_descriptor* d = reinterpret_cast<et_plugin_entry_fn>(symbol)();
  REQUIRE(d != nullptr);
  CHECK(d->magic == ENTRATOOL_PLUGIN_MAGIC);
  CHECK(d->size == sizeof(et_plugin_descriptor));
  CHECK(d->sdk_major == ENTRATOOL_SDK_VERSION_MAJOR);
  CHECK(std::string(d->id) == "encrypted-file");

  // The manifest lists exactly the component the library registers.
  auto manifest = entratool::support::json::parse(slurp(dir + "/encrypted-file.plugin.json"));
  REQUIRE(manifest);
  CHECK(manifest->get_string("version") == d->version);
  CHECK(manifest->get_string("description") == d->description);
  REQUIRE(manifest->find("components")->items().size() == 1);
  const auto& component = manifest->find("components")->items()[0];
  CHECK(component.get_string("kind") == "secret-store");
  CHECK(component.get_string("id") == "encrypted-file");

  OneStoreRegistrar capture;
  et_registrar registrar{sizeof(et_registrar), &capture, &OneStoreRegistrar::add};
  et_status st = detail::empty_status();
  REQUIRE(call(d->register_components(&kNoServices, &registrar, &st), st).is_ok());
  REQUIRE(capture.added == 1);
  CHECK(capture.kind == ET_KIND_SECRET_STORE);
  CHECK(capture.id == "encrypted-file");
  const et_secret_store& s = capture.store;
  REQUIRE(s.size >= sizeof(et_secret_store));
  REQUIRE((s.open && s.get && s.put && s.erase && s.list && s.describe));

  EnvGuard no_pass("ENTRATOOL_KEYSTORE_PASSPHRASE", nullptr);
  TempDir t;
  const std::string folder = t.path() + "/keystore-encrypted-file";
  // Settings travel with the folder (this store has none of its own and ignores them).
  std::vector<std::pair<std::string, std::string>> settings{{"unused", "value"}};
  detail::CPairs c_settings(settings);
  et_store_context ctx{sizeof(et_store_context), detail::to_c(folder), c_settings.get()};
  REQUIRE(call(s.open(s.self, &ctx, &kNoServices, &st), st).is_ok());
  CHECK(mode_of(folder) == 0700);

  REQUIRE(call(s.put(s.self, detail::to_c("profile/p/client-secret"), detail::to_c("plugin-secret"), &st), st).is_ok());
  std::string value;
  int32_t found = -1;
  REQUIRE(call(s.get(s.self, detail::to_c("profile/p/client-secret"), detail::string_sink(value), &found, &st), st)
              .is_ok());
  CHECK(found == 1);
  CHECK(value == "plugin-secret");

  std::vector<std::string> names;
  REQUIRE(call(s.list(s.self, detail::to_c("profile/"), detail::list_sink(names), &st), st).is_ok());
  CHECK(names == std::vector<std::string>{"profile/p/client-secret"});
  CHECK(call(s.erase(s.self, detail::to_c("profile/p/client-secret"), &st), st).is_ok());

  value.clear();
  found = -1;
  REQUIRE(call(s.get(s.self, detail::to_c("profile/p/client-secret"), detail::string_sink(value), &found, &st), st)
              .is_ok());
  CHECK(found == 0);
  CHECK(value.empty());

  // An error crosses as a value: category, message naming what is wrong.
  auto bad = call(s.put(s.self, detail::to_c(""), detail::to_c("x"), &st), st);
  CHECK(bad.category() == sdk::ErrorCategory::general);
  CHECK(bad.message().find("invalid secret name") != std::string::npos);

  std::string described;
  s.describe(s.self, detail::string_sink(described));
  CHECK(described.find("AES-256-GCM") != std::string::npos);
}
