#include "plugins/trust_crypto.h"

// The low-level SHA-256 interface is deprecated in OpenSSL 3 in favour of EVP, but EVP pulls in
// the provider machinery (and reads openssl.cnf), which is what this file exists to avoid. The
// functions stay in OpenSSL 3's API.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>
#include <sodium.h>

namespace entratool::host::trust_crypto {

std::array<unsigned char, 32> sha256(std::string_view data) {
  std::array<unsigned char, 32> out{};
  SHA256_CTX ctx;
  SHA256_Init(&ctx);
  SHA256_Update(&ctx, data.data(), data.size());
  SHA256_Final(out.data(), &ctx);
  return out;
}

bool ed25519_verify(std::string_view public_key, std::string_view message, std::string_view signature) {
  if (public_key.size() != crypto_sign_ed25519_PUBLICKEYBYTES || signature.size() != crypto_sign_ed25519_BYTES)
    return false;
  if (sodium_init() < 0) return false;  // 0 the first time, 1 after; -1 only if it cannot work at all
  const auto bytes = [](std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); };
  return crypto_sign_ed25519_verify_detached(bytes(signature), bytes(message), message.size(), bytes(public_key)) == 0;
}

}  // namespace entratool::host::trust_crypto
