/* The contract between the host and lib/entratool/entratool-trust.so, in C only.
 *
 * Plugin trust (docs/enterprise.md) needs two primitives, and only under a "pinned" or "signed"
 * system policy: SHA-256 of a library and Ed25519 verification of a bundle's signature. They
 * live in this module, which links them from Debian's static archives (OpenSSL's SHA-256 from
 * libcrypto.a, which uses the CPU's SHA extensions; libsodium's Ed25519 verification from
 * libsodium.a), so that
 *   - a process with no such policy maps neither this module nor any crypto library, and runs no
 *     CPU-feature probe (libcrypto's OPENSSL_cpuid_setup, about ten CPUID instructions, each a
 *     trap to the hypervisor on a VM) at start-up;
 *   - a check maps no libcrypto.so or libsodium.so either: loading libcrypto.so costs more than
 *     hashing a 1 MB plugin.
 * The host loads it on the first check (host/plugins/trust_crypto.cpp) and never unloads it.
 * Buffers and lengths cross, nothing else: no C++ object, exception or allocation.
 *
 *   int entratool_trust_abi_version(void)    == ENTRATOOL_TRUST_ABI_VERSION; looked up first
 *   int entratool_trust_sha256(data, len, out[32])                      0, or 1 on failure
 *   int entratool_trust_ed25519_verify(key, key_len, msg, msg_len, sig, sig_len)
 *                                            0 valid; 1 invalid (wrong sizes included);
 *                                            -1 libsodium cannot start (a check must fail)
 *
 * The version is bumped whenever a signature or a meaning changes or a function is added; the
 * host refuses any other version (a stale module beside a newer executable).
 */
#ifndef ENTRATOOL_HOST_TRUST_API_H
#define ENTRATOOL_HOST_TRUST_API_H

#include <stddef.h>

#define ENTRATOOL_TRUST_ABI_VERSION 1
#define ENTRATOOL_TRUST_ABI_SYMBOL "entratool_trust_abi_version"
#define ENTRATOOL_TRUST_SHA256_SYMBOL "entratool_trust_sha256"
#define ENTRATOOL_TRUST_ED25519_VERIFY_SYMBOL "entratool_trust_ed25519_verify"

#ifdef __cplusplus
extern "C" {
#endif

int entratool_trust_abi_version(void);
int entratool_trust_sha256(const unsigned char* data, size_t len, unsigned char out[32]);
int entratool_trust_ed25519_verify(const unsigned char* public_key, size_t public_key_len, const unsigned char* message,
                                   size_t message_len, const unsigned char* signature, size_t signature_len);

typedef int (*entratool_trust_abi_version_fn)(void);
typedef int (*entratool_trust_sha256_fn)(const unsigned char*, size_t, unsigned char*);
typedef int (*entratool_trust_ed25519_verify_fn)(const unsigned char*, size_t, const unsigned char*, size_t,
                                                 const unsigned char*, size_t);

#ifdef __cplusplus
}
#endif

#endif /* ENTRATOOL_HOST_TRUST_API_H */
