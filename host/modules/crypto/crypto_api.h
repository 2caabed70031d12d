#pragma once
// The C-only boundary between the host and the entratool-crypto module: buffers and lengths in,
// a return code and an error text out. No exception and no C++ type crosses it, so the module
// may be built with any compiler flags and loaded lazily.

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Bumped when any signature or the sealed format changes, or functions are added; the host
/// refuses another version.
#define ENTRATOOL_CRYPTO_ABI_VERSION 3

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

/* ---- client certificates (host/services/signer.cpp) -------------------------------------- */

/// A loaded client certificate with its private key. Opaque; freed with entratool_crypto_cert_free.
typedef struct entratool_crypto_cert entratool_crypto_cert;

/// Loads a client certificate from file contents (the host reads the files):
/// - `cert` PEM with a separate PEM `key` (encrypted or not: `password` decrypts it);
/// - `cert` PEM holding both (`key_name` NULL or empty: no separate key file);
/// - `cert` PFX/PKCS#12 with `password` (no separate key file).
/// `cert_name` and `key_name` (NUL-terminated) name the files in messages. Checks that the key is
/// RSA and belongs to the certificate. Returns 0 and `*out`; non-zero with a message in `err`
/// that never holds the password.
int entratool_crypto_cert_load(const unsigned char* cert, size_t cert_len, const char* cert_name,
                               const unsigned char* key, size_t key_len, const char* key_name, const char* password,
                               size_t password_len, entratool_crypto_cert** out, char* err, size_t err_capacity);

/// How many certificates the file held: the client certificate first, then any chain.
size_t entratool_crypto_cert_count(const entratool_crypto_cert* cert);

/// The DER of certificate `index` (0: the client certificate). The bytes stay valid until
/// entratool_crypto_cert_free. Returns 0, or 1 for an index out of range.
int entratool_crypto_cert_der(const entratool_crypto_cert* cert, size_t index, const unsigned char** der,
                              size_t* der_len);

/// Signs `data` with SHA-256 and RSASSA-PSS (`pss` non-zero: PS256, salt = digest length) or
/// RSASSA-PKCS1-v1_5 (RS256). With `out` NULL, stores the signature's size in `*out_len`.
/// Returns 0, or non-zero with a message in `err`.
int entratool_crypto_cert_sign(const entratool_crypto_cert* cert, int pss, const unsigned char* data, size_t data_len,
                               unsigned char* out, size_t out_capacity, size_t* out_len, char* err,
                               size_t err_capacity);

void entratool_crypto_cert_free(entratool_crypto_cert* cert);

/// SHA-1 (`algorithm` 1) or SHA-256 (`algorithm` 256) of `data` into `out` (20 or 32 bytes).
/// Returns 0, or 1 for another algorithm or too small a buffer.
int entratool_crypto_digest(int algorithm, const unsigned char* data, size_t data_len, unsigned char* out,
                            size_t out_capacity, size_t* out_len);

/* ---- plugin bundles (host/plugins/bundle.cpp) ------------------------------------------- */

/// Verifies a detached Ed25519 signature (64 bytes) over `message` with a raw 32-byte public key.
/// Returns 0 when valid; 2 when the signature does not match; 1 for malformed input (message in `err`).
int entratool_crypto_ed25519_verify(const unsigned char* public_key, size_t public_key_len,
                                    const unsigned char* message, size_t message_len, const unsigned char* signature,
                                    size_t signature_len, char* err, size_t err_capacity);

/// Signs `message` with the Ed25519 private key in `pem` (PKCS#8 PEM, as `openssl genpkey
/// -algorithm ed25519` writes it). Writes the 64-byte signature to `signature` and the raw 32-byte
/// public key to `public_key`. Returns 0, or 1 with a message in `err` (never key material).
int entratool_crypto_ed25519_sign(const unsigned char* pem, size_t pem_len, const unsigned char* message,
                                  size_t message_len, unsigned char signature[64], unsigned char public_key[32],
                                  char* err, size_t err_capacity);

#ifdef __cplusplus
}
#endif
