#pragma once
// The entratool-crypto module (host/modules/crypto: OpenSSL behind a C boundary, so the executable
// links no libcrypto): certificate credentials (load, chain, sign, digest), profile exports (seal,
// open, PFX check) and bundle signatures (Ed25519). One loader for the whole host, run on first
// use under a lock with the checks of core/host_module.h; the module stays loaded until exit, and
// a failure is remembered and returned to every later use.

#include <string>

#include "entratool/sdk/status.h"
#include "modules/crypto/crypto_api.h"

namespace entratool::host {

struct CryptoModule {
  decltype(&entratool_crypto_cert_load) cert_load = nullptr;
  decltype(&entratool_crypto_cert_count) cert_count = nullptr;
  decltype(&entratool_crypto_cert_der) cert_der = nullptr;
  decltype(&entratool_crypto_cert_sign) cert_sign = nullptr;
  decltype(&entratool_crypto_cert_free) cert_free = nullptr;
  decltype(&entratool_crypto_digest) digest = nullptr;
  decltype(&entratool_crypto_seal) seal = nullptr;
  decltype(&entratool_crypto_open) open = nullptr;
  decltype(&entratool_crypto_pfx_check) pfx_check = nullptr;
  decltype(&entratool_crypto_ed25519_verify) ed25519_verify = nullptr;
  decltype(&entratool_crypto_ed25519_sign) ed25519_sign = nullptr;
};

/// The module, loaded on first use; the same pointer, or the same refusal, every time after.
sdk::Result<const CryptoModule*> crypto_module();

/// Where the crypto module is loaded from: <exe>/../lib/entratool/entratool-crypto.so unless
/// set_crypto_module_path_for_testing() chose another file before the first use.
std::string crypto_module_path();
void set_crypto_module_path_for_testing(std::string path);

}  // namespace entratool::host
