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

// Every function the host takes from the module, by the name after "entratool_crypto_": the
// struct's members, the symbols the loader checks and binds are all this one list.
#define ENTRATOOL_CRYPTO_FUNCTIONS(X) \
  X(cert_load)                        \
  X(cert_count)                       \
  X(cert_der)                         \
  X(cert_sign)                        \
  X(cert_free)                        \
  X(digest)                           \
  X(seal)                             \
  X(open)                             \
  X(pfx_check)                        \
  X(ed25519_verify)                   \
  X(ed25519_sign)

struct CryptoModule {
// NOLINTNEXTLINE(bugprone-macro-parentheses): `name` declares the member, it cannot be parenthesised
#define ENTRATOOL_CRYPTO_MEMBER(name) decltype(&entratool_crypto_##name) name = nullptr;
  ENTRATOOL_CRYPTO_FUNCTIONS(ENTRATOOL_CRYPTO_MEMBER)
#undef ENTRATOOL_CRYPTO_MEMBER
};

/// The module, loaded on first use; the same pointer, or the same refusal, every time after.
sdk::Result<const CryptoModule*> crypto_module();

/// Where the crypto module is loaded from: <exe>/../lib/entratool/entratool-crypto.so unless
/// set_crypto_module_path_for_testing() chose another file before the first use.
std::string crypto_module_path();
void set_crypto_module_path_for_testing(std::string path);

}  // namespace entratool::host
