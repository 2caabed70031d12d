#include "core/crypto_module.h"

#include <memory>
#include <mutex>
#include <type_traits>

#include "core/host_module.h"
#include "core/module_path.h"

namespace entratool::host {

namespace {

std::string& path_override() {
  static std::string path;
  return path;
}

struct Loaded {
  boost::dll::shared_library library;  // kept until exit: signers and exports run its code
  CryptoModule functions;
};

template <class Fn>
void bind(boost::dll::shared_library& library, Fn& out, const char* name) {
  out = &library.get<std::remove_pointer_t<Fn>>(name);
}

}  // namespace

sdk::Result<const CryptoModule*> crypto_module() {
  static std::mutex mutex;
  static const Loaded* loaded = nullptr;
  static sdk::Status failure;
  const std::lock_guard<std::mutex> lock(mutex);
  if (loaded) return &loaded->functions;
  if (!failure.is_ok()) return failure;
#define ENTRATOOL_CRYPTO_SYMBOL(name) "entratool_crypto_" #name,
  auto library = open_host_module(crypto_module_path(), {"encryption module",
                                                         "entratool_crypto_abi_version",
                                                         ENTRATOOL_CRYPTO_ABI_VERSION,
                                                         {ENTRATOOL_CRYPTO_FUNCTIONS(ENTRATOOL_CRYPTO_SYMBOL)}});
#undef ENTRATOOL_CRYPTO_SYMBOL
  if (!library) return failure = library.status();
  auto m = std::make_unique<Loaded>();
  m->library = std::move(*library);
#define ENTRATOOL_CRYPTO_BIND(name) bind(m->library, m->functions.name, "entratool_crypto_" #name);
  ENTRATOOL_CRYPTO_FUNCTIONS(ENTRATOOL_CRYPTO_BIND)
#undef ENTRATOOL_CRYPTO_BIND
  loaded = m.release();  // never unloaded
  return &loaded->functions;
}

std::string crypto_module_path() {
  if (!path_override().empty()) return path_override();
  return host_module_path("entratool-crypto.so");
}

void set_crypto_module_path_for_testing(std::string path) { path_override() = std::move(path); }

}  // namespace entratool::host
