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
  auto library = open_host_module(
      crypto_module_path(), {"encryption module",
                             "entratool_crypto_abi_version",
                             ENTRATOOL_CRYPTO_ABI_VERSION,
                             {"entratool_crypto_cert_load", "entratool_crypto_cert_count", "entratool_crypto_cert_der",
                              "entratool_crypto_cert_sign", "entratool_crypto_cert_free", "entratool_crypto_digest",
                              "entratool_crypto_seal", "entratool_crypto_open", "entratool_crypto_pfx_check",
                              "entratool_crypto_ed25519_verify", "entratool_crypto_ed25519_sign"}});
  if (!library) return failure = library.status();
  auto m = std::make_unique<Loaded>();
  m->library = std::move(*library);
  CryptoModule& f = m->functions;
  bind(m->library, f.cert_load, "entratool_crypto_cert_load");
  bind(m->library, f.cert_count, "entratool_crypto_cert_count");
  bind(m->library, f.cert_der, "entratool_crypto_cert_der");
  bind(m->library, f.cert_sign, "entratool_crypto_cert_sign");
  bind(m->library, f.cert_free, "entratool_crypto_cert_free");
  bind(m->library, f.digest, "entratool_crypto_digest");
  bind(m->library, f.seal, "entratool_crypto_seal");
  bind(m->library, f.open, "entratool_crypto_open");
  bind(m->library, f.pfx_check, "entratool_crypto_pfx_check");
  bind(m->library, f.ed25519_verify, "entratool_crypto_ed25519_verify");
  bind(m->library, f.ed25519_sign, "entratool_crypto_ed25519_sign");
  loaded = m.release();  // never unloaded
  return &loaded->functions;
}

std::string crypto_module_path() {
  if (!path_override().empty()) return path_override();
  return host_module_path("entratool-crypto.so");
}

void set_crypto_module_path_for_testing(std::string path) { path_override() = std::move(path); }

}  // namespace entratool::host
