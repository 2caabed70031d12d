#pragma once
// The C-only boundary between the host and the entratool-crypto module: buffers and lengths in,
// a return code and an error text out. No exception and no C++ type crosses it, so the module
// may be built with any compiler flags and loaded lazily.

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Bumped when any signature or the sealed format changes; the host refuses another version.
#define ENTRATOOL_CRYPTO_ABI_VERSION 1

/// Extra bytes seal() adds to the plaintext (header, salt, nonce, tag).
#define ENTRATOOL_CRYPTO_SEAL_OVERHEAD 52

/// Returns ENTRATOOL_CRYPTO_ABI_VERSION.
int entratool_crypto_abi_version(void);

/// Encrypts and authenticates `plain` with AES-256-GCM under a key derived from `passphrase`
/// by scrypt (N=2^17, r=8, p=1, fresh salt and nonce). `out` must hold plain_len +
/// ENTRATOOL_CRYPTO_SEAL_OVERHEAD bytes. Returns 0, or non-zero with a message in `err`.
int entratool_crypto_seal(const char* passphrase, size_t passphrase_len, const unsigned char* plain, size_t plain_len,
                          unsigned char* out, size_t out_capacity, size_t* out_len, char* err, size_t err_capacity);

/// Reverses seal(). KDF parameters come from the header and must be within fixed floors and
/// ceilings. `out` must hold sealed_len bytes. Returns 0; 2 for a wrong passphrase or a
/// tampered file (the two cannot be told apart); 1 for any other error; message in `err`.
int entratool_crypto_open(const char* passphrase, size_t passphrase_len, const unsigned char* sealed, size_t sealed_len,
                          unsigned char* out, size_t out_capacity, size_t* out_len, char* err, size_t err_capacity);

/// Checks that a PKCS#12 (.pfx/.p12) file opens with `password` and holds a certificate and a
/// private key. Returns 0; 2 for a wrong password; 1 for anything else; message in `err`.
int entratool_crypto_pfx_check(const unsigned char* data, size_t data_len, const char* password, size_t password_len,
                               char* err, size_t err_capacity);

#ifdef __cplusplus
}
#endif
