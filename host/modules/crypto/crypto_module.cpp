// OpenSSL 3 behind crypto_api.h. Sealed layout (all authenticated, the header as AAD):
//   "ETPX" | version (1) | log2(N) (1) | r (1) | p (1) | salt (16) | nonce (12) | ciphertext | tag (16)
#include "crypto_api.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pkcs12.h>
#include <openssl/provider.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include <cstdio>
#include <cstring>
#include <string>

#define ENTRATOOL_CRYPTO_EXPORT extern "C" __attribute__((visibility("default")))

namespace {

constexpr unsigned char kMagic[4] = {'E', 'T', 'P', 'X'};
constexpr unsigned char kFormatVersion = 1;
constexpr size_t kSaltLen = 16, kNonceLen = 12, kTagLen = 16, kKeyLen = 32;
constexpr size_t kHeaderLen = 4 + 4 + kSaltLen + kNonceLen;
static_assert(kHeaderLen + kTagLen == ENTRATOOL_CRYPTO_SEAL_OVERHEAD, "overhead out of date");

// OWASP's scrypt recommendation; files asking for less are refused (a downgrade), and files
// asking for much more are refused too (a memory exhaustion attempt).
constexpr unsigned kLog2N = 17, kR = 8, kP = 1;
constexpr unsigned kMinLog2N = 17, kMaxLog2N = 20, kMinR = 8, kMaxR = 16, kMinP = 1, kMaxP = 4;

void set_error(char* err, size_t cap, const std::string& message) {
  if (!err || cap == 0) return;
  std::snprintf(err, cap, "%s", message.c_str());
}

// scrypt needs 128*r*N bytes; OpenSSL's default maxmem (32 MiB) refuses OWASP's parameters.
bool derive_key(const char* pass, size_t pass_len, const unsigned char* salt, unsigned log2n, unsigned r, unsigned p,
                unsigned char* key) {
  uint64_t n = uint64_t{1} << log2n;
  uint64_t maxmem = 128ull * r * (n + 2) + 128ull * r * p + (1ull << 20);
  return EVP_PBE_scrypt(pass, pass_len, salt, kSaltLen, n, r, p, maxmem, key, kKeyLen) == 1;
}

struct CipherCtx {
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  ~CipherCtx() { EVP_CIPHER_CTX_free(ctx); }
};

}  // namespace

ENTRATOOL_CRYPTO_EXPORT int entratool_crypto_abi_version(void) { return ENTRATOOL_CRYPTO_ABI_VERSION; }

ENTRATOOL_CRYPTO_EXPORT int entratool_crypto_seal(const char* passphrase, size_t passphrase_len,
                                                  const unsigned char* plain, size_t plain_len, unsigned char* out,
                                                  size_t out_capacity, size_t* out_len, char* err,
                                                  size_t err_capacity) {
  if (out_capacity < plain_len + ENTRATOOL_CRYPTO_SEAL_OVERHEAD || plain_len > (1u << 30)) {
    set_error(err, err_capacity, "output buffer too small");
    return 1;
  }
  unsigned char* h = out;
  std::memcpy(h, kMagic, 4);
  h[4] = kFormatVersion;
  h[5] = static_cast<unsigned char>(kLog2N);
  h[6] = static_cast<unsigned char>(kR);
  h[7] = static_cast<unsigned char>(kP);
  unsigned char* salt = h + 8;
  unsigned char* nonce = salt + kSaltLen;
  if (RAND_bytes(salt, kSaltLen) != 1 || RAND_bytes(nonce, kNonceLen) != 1) {
    set_error(err, err_capacity, "the system random generator failed");
    return 1;
  }
  unsigned char key[kKeyLen];
  if (!derive_key(passphrase, passphrase_len, salt, kLog2N, kR, kP, key)) {
    set_error(err, err_capacity, "scrypt key derivation failed (not enough memory?)");
    return 1;
  }
  CipherCtx c;
  int len = 0, total = 0;
  unsigned char* ct = out + kHeaderLen;
  bool ok = c.ctx && EVP_EncryptInit_ex(c.ctx, EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
            EVP_CIPHER_CTX_ctrl(c.ctx, EVP_CTRL_GCM_SET_IVLEN, kNonceLen, nullptr) == 1 &&
            EVP_EncryptInit_ex(c.ctx, nullptr, nullptr, key, nonce) == 1 &&
            EVP_EncryptUpdate(c.ctx, nullptr, &len, out, kHeaderLen) == 1 &&
            EVP_EncryptUpdate(c.ctx, ct, &len, plain, static_cast<int>(plain_len)) == 1;
  total = len;
  ok = ok && EVP_EncryptFinal_ex(c.ctx, ct + total, &len) == 1;
  total += len;
  ok = ok && EVP_CIPHER_CTX_ctrl(c.ctx, EVP_CTRL_GCM_GET_TAG, kTagLen, ct + total) == 1;
  OPENSSL_cleanse(key, sizeof key);
  if (!ok) {
    set_error(err, err_capacity, "AES-256-GCM encryption failed");
    return 1;
  }
  *out_len = kHeaderLen + static_cast<size_t>(total) + kTagLen;
  return 0;
}

ENTRATOOL_CRYPTO_EXPORT int entratool_crypto_open(const char* passphrase, size_t passphrase_len,
                                                  const unsigned char* sealed, size_t sealed_len, unsigned char* out,
                                                  size_t out_capacity, size_t* out_len, char* err,
                                                  size_t err_capacity) {
  if (sealed_len < kHeaderLen + kTagLen || std::memcmp(sealed, kMagic, 4) != 0) {
    set_error(err, err_capacity, "not an entratool encrypted export (bad header or truncated)");
    return 1;
  }
  if (sealed[4] != kFormatVersion) {
    set_error(err, err_capacity,
              "unsupported export format version " + std::to_string(sealed[4]) + " (this entratool reads version 1)");
    return 1;
  }
  unsigned log2n = sealed[5], r = sealed[6], p = sealed[7];
  if (log2n < kMinLog2N || log2n > kMaxLog2N || r < kMinR || r > kMaxR || p < kMinP || p > kMaxP) {
    set_error(err, err_capacity,
              "the export's key derivation parameters are out of the accepted range (scrypt N=2^" +
                  std::to_string(log2n) + ", r=" + std::to_string(r) + ", p=" + std::to_string(p) +
                  "); the file is damaged or was not made by entratool");
    return 1;
  }
  size_t ct_len = sealed_len - kHeaderLen - kTagLen;
  if (out_capacity < ct_len) {
    set_error(err, err_capacity, "output buffer too small");
    return 1;
  }
  const unsigned char* salt = sealed + 8;
  const unsigned char* nonce = salt + kSaltLen;
  unsigned char key[kKeyLen];
  if (!derive_key(passphrase, passphrase_len, salt, log2n, r, p, key)) {
    set_error(err, err_capacity, "scrypt key derivation failed (not enough memory?)");
    return 1;
  }
  CipherCtx c;
  int len = 0, total = 0;
  unsigned char tag[kTagLen];
  std::memcpy(tag, sealed + kHeaderLen + ct_len, kTagLen);
  bool setup = c.ctx && EVP_DecryptInit_ex(c.ctx, EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
               EVP_CIPHER_CTX_ctrl(c.ctx, EVP_CTRL_GCM_SET_IVLEN, kNonceLen, nullptr) == 1 &&
               EVP_DecryptInit_ex(c.ctx, nullptr, nullptr, key, nonce) == 1 &&
               EVP_DecryptUpdate(c.ctx, nullptr, &len, sealed, kHeaderLen) == 1 &&
               EVP_DecryptUpdate(c.ctx, out, &len, sealed + kHeaderLen, static_cast<int>(ct_len)) == 1 &&
               EVP_CIPHER_CTX_ctrl(c.ctx, EVP_CTRL_GCM_SET_TAG, kTagLen, tag) == 1;
  OPENSSL_cleanse(key, sizeof key);
  if (!setup) {
    set_error(err, err_capacity, "AES-256-GCM decryption failed");
    return 1;
  }
  total = len;
  if (EVP_DecryptFinal_ex(c.ctx, out + total, &len) != 1) {
    OPENSSL_cleanse(out, ct_len);
    set_error(err, err_capacity, "wrong passphrase, or the file was modified or damaged");
    return 2;
  }
  *out_len = static_cast<size_t>(total) + static_cast<size_t>(len);
  return 0;
}

ENTRATOOL_CRYPTO_EXPORT int entratool_crypto_pfx_check(const unsigned char* data, size_t data_len, const char* password,
                                                       size_t password_len, char* err, size_t err_capacity) {
  const unsigned char* cursor = data;
  PKCS12* p12 = d2i_PKCS12(nullptr, &cursor, static_cast<long>(data_len));
  if (!p12) {
    set_error(err, err_capacity, "not a PKCS#12 (.pfx/.p12) file");
    return 1;
  }
  std::string pass(password, password_len);
  // An empty password may mean "no password" (NULL) or "the empty string": accept either.
  bool mac_ok = PKCS12_verify_mac(p12, pass.c_str(), static_cast<int>(pass.size())) == 1 ||
                (pass.empty() && PKCS12_verify_mac(p12, nullptr, 0) == 1);
  if (!mac_ok) {
    PKCS12_free(p12);
    set_error(err, err_capacity, "the certificate password is wrong");
    return 2;
  }
  EVP_PKEY* key = nullptr;
  X509* cert = nullptr;
  int parsed = PKCS12_parse(p12, pass.c_str(), &key, &cert, nullptr);
  if (parsed != 1) {
    // Older files use RC2/3DES, which OpenSSL 3 keeps in its legacy provider.
    ERR_clear_error();
    OSSL_PROVIDER_load(nullptr, "legacy");
    OSSL_PROVIDER_load(nullptr, "default");
    parsed = PKCS12_parse(p12, pass.c_str(), &key, &cert, nullptr);
  }
  PKCS12_free(p12);
  ERR_clear_error();
  bool complete = parsed == 1 && key && cert;
  EVP_PKEY_free(key);
  X509_free(cert);
  if (parsed != 1) {
    set_error(err, err_capacity, "the PKCS#12 file cannot be read (unsupported encryption or damaged)");
    return 1;
  }
  if (!complete) {
    set_error(err, err_capacity, "the PKCS#12 file must hold both a certificate and its private key");
    return 1;
  }
  return 0;
}
