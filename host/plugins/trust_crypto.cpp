#include "plugins/trust_crypto.h"

#include <boost/dll/shared_library.hpp>
#include <memory>
#include <mutex>
#include <vector>

#include "core/host_module.h"
#include "core/module_path.h"
#include "modules/trust/trust_api.h"

namespace entratool::host::trust_crypto {

namespace {

struct Module {
  boost::dll::shared_library library;
  entratool_trust_sha256_fn sha256 = nullptr;
  entratool_trust_ed25519_verify_fn verify = nullptr;
};

std::string& path_override() {
  static std::string path;
  return path;
}

// Loaded on first need and kept until exit; a failure is remembered. It is checked like the
// other modules and the plugins it judges (core/host_module.h: owner and mode of it and every
// folder on its way), since what it answers decides which code runs with the user's secrets.
sdk::Result<Module*> module() {
  static std::mutex mutex;
  static Module* loaded = nullptr;
  static sdk::Status failure;
  std::lock_guard<std::mutex> lock(mutex);
  if (loaded) return loaded;
  if (!failure.is_ok()) return failure;
  auto library =
      open_host_module(module_path(), {"plugin-trust module",
                                       ENTRATOOL_TRUST_ABI_SYMBOL,
                                       ENTRATOOL_TRUST_ABI_VERSION,
                                       {ENTRATOOL_TRUST_SHA256_SYMBOL, ENTRATOOL_TRUST_ED25519_VERIFY_SYMBOL}});
  if (!library) return failure = library.status();
  auto m = std::make_unique<Module>();
  m->library = std::move(*library);
  m->sha256 = &m->library.get<int(const unsigned char*, size_t, unsigned char*)>(ENTRATOOL_TRUST_SHA256_SYMBOL);
  m->verify =
      &m->library.get<int(const unsigned char*, size_t, const unsigned char*, size_t, const unsigned char*, size_t)>(
          ENTRATOOL_TRUST_ED25519_VERIFY_SYMBOL);
  loaded = m.release();  // never unloaded
  return loaded;
}

const unsigned char* bytes(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }

}  // namespace

sdk::Result<std::array<unsigned char, 32>> sha256(std::string_view data) {
  auto m = module();
  if (!m) return m.status();
  std::array<unsigned char, 32> out{};
  if ((*m)->sha256(bytes(data), data.size(), out.data()) != 0)
    return sdk::Status::general("the plugin-trust module could not compute a SHA-256; reinstall entratool");
  return out;
}

sdk::Result<bool> ed25519_verify(std::string_view public_key, std::string_view message, std::string_view signature) {
  auto m = module();
  if (!m) return m.status();
  const int rc = (*m)->verify(bytes(public_key), public_key.size(), bytes(message), message.size(), bytes(signature),
                              signature.size());
  if (rc < 0) return sdk::Status::general("the plugin-trust module could not start libsodium; reinstall entratool");
  return rc == 0;
}

std::string module_path() {
  if (!path_override().empty()) return path_override();
  return host_module_path("entratool-trust.so");
}

void set_module_path_for_testing(std::string path) { path_override() = std::move(path); }

}  // namespace entratool::host::trust_crypto
