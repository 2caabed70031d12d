/* Plugin trust's two primitives behind trust_api.h: OpenSSL's low-level SHA-256 (libcrypto.a) and
 * libsodium's Ed25519 verification (libsodium.a). Plain C: the module carries no C++ runtime. */
#include "trust_api.h"

/* The low-level SHA-256 interface is deprecated in OpenSSL 3 in favour of EVP, but EVP pulls in
 * the provider machinery (and reads openssl.cnf) at every first use; this is the same code without
 * it. The functions are still in OpenSSL 3's API. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>
#include <sodium.h>

#define TRUST_EXPORT __attribute__((visibility("default")))

TRUST_EXPORT int entratool_trust_abi_version(void) { return ENTRATOOL_TRUST_ABI_VERSION; }

TRUST_EXPORT int entratool_trust_sha256(const unsigned char* data, size_t len, unsigned char out[32]) {
  SHA256_CTX ctx;
  if (SHA256_Init(&ctx) != 1 || SHA256_Update(&ctx, data, len) != 1 || SHA256_Final(out, &ctx) != 1) return 1;
  return 0;
}

TRUST_EXPORT int entratool_trust_ed25519_verify(const unsigned char* public_key, size_t public_key_len,
                                                const unsigned char* message, size_t message_len,
                                                const unsigned char* signature, size_t signature_len) {
  if (public_key_len != crypto_sign_ed25519_PUBLICKEYBYTES || signature_len != crypto_sign_ed25519_BYTES) return 1;
  if (sodium_init() < 0) return -1; /* 0 the first time, 1 after; -1 only if it cannot work at all */
  return crypto_sign_ed25519_verify_detached(signature, message, message_len, public_key) == 0 ? 0 : 1;
}
