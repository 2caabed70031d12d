// OpenSSL 3 behind crypto_api.h: passphrase sealing for profile exports, PFX checks, and client
// certificates for the host's signer (host/services/signer.cpp). Sealed layout (all authenticated, the header as AAD):
//   "ETPX" | version (1) | log2(N) (1) | r (1) | p (1) | salt (16) | nonce (12) | ciphertext | tag (16)
#include "crypto_api.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/provider.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

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

// ---- client certificates -------------------------------------------------------------------
// The messages are the ones users have seen since flows/common loaded certificates itself.

struct entratool_crypto_cert {
  X509* cert = nullptr;
  EVP_PKEY* key = nullptr;
  std::vector<std::string> chain;  // DER, the client certificate first
  ~entratool_crypto_cert() {
    X509_free(cert);
    EVP_PKEY_free(key);
  }
};

namespace {

// The first OpenSSL error as text, and the queue cleared so it does not leak into later calls.
std::string openssl_error() {
  unsigned long code = ERR_get_error();
  std::string out;
  if (code) {
    char buf[256];
    ERR_error_string_n(code, buf, sizeof buf);
    const char* reason = ERR_reason_error_string(code);
    out = reason ? reason : buf;
  }
  ERR_clear_error();
  return out.empty() ? "unknown error" : out;
}

std::string to_der(X509* cert) {
  int len = i2d_X509(cert, nullptr);
  if (len <= 0) return {};
  std::string out(static_cast<size_t>(len), '\0');
  auto* p = reinterpret_cast<unsigned char*>(out.data());
  i2d_X509(cert, &p);
  return out;
}

// PEM passwords come through a callback; an empty password means "none given".
int password_cb(char* buf, int size, int /*rwflag*/, void* u) {
  const auto* pw = static_cast<const std::string*>(u);
  if (!pw || pw->empty()) return -1;
  int n = static_cast<int>(std::min<size_t>(pw->size(), static_cast<size_t>(size)));
  std::memcpy(buf, pw->data(), static_cast<size_t>(n));
  return n;
}

// PFX files exported by older Windows tools use RC2/3DES, which OpenSSL 3 keeps in its legacy
// provider; load it only when a PFX needs it.
void load_legacy_provider() {
  static std::once_flag once;
  std::call_once(once, [] {
    OSSL_PROVIDER_load(nullptr, "legacy");
    OSSL_PROVIDER_load(nullptr, "default");
  });
}

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;

// Fills `c` or returns the message.
std::string load_cert(const std::string& data, const std::string& cert_name, const std::string* key_data,
                      const std::string& key_name, const std::string& password, entratool_crypto_cert& c) {
  const bool pem = data.find("-----BEGIN ") != std::string::npos;
  if (pem) {
    BioPtr bio(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
    c.cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr);
    if (!c.cert) return "no PEM certificate in '" + cert_name + "' (" + openssl_error() + ")";
    c.chain.push_back(to_der(c.cert));
    while (X509* extra = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
      c.chain.push_back(to_der(extra));
      X509_free(extra);
    }
    ERR_clear_error();
    const std::string& kd = key_data ? *key_data : data;
    const std::string& key_source = key_data ? key_name : cert_name;
    BioPtr kbio(BIO_new_mem_buf(kd.data(), static_cast<int>(kd.size())));
    c.key = PEM_read_bio_PrivateKey(kbio.get(), nullptr, password_cb, const_cast<std::string*>(&password));
    if (!c.key) {
      std::string why = openssl_error();
      if (kd.find("ENCRYPTED") != std::string::npos)
        return password.empty() ? "the private key '" + key_source + "' is encrypted: give its password"
                                : "cannot decrypt the private key '" + key_source + "': wrong password?";
      if (!key_data)
        return "no private key in '" + cert_name + "': give the key file too, or use a PFX with its password";
      return "cannot read the private key '" + key_source + "' (" + why + ")";
    }
  } else {
    if (key_data) return "'" + cert_name + "' is not a PEM certificate; a PFX needs no separate key file";
    const auto* p = reinterpret_cast<const unsigned char*>(data.data());
    PKCS12* p12 = d2i_PKCS12(nullptr, &p, static_cast<long>(data.size()));
    if (!p12) {
      ERR_clear_error();
      return "'" + cert_name + "' is neither a PEM certificate nor a PFX/PKCS#12 file";
    }
    const char* pw = password.c_str();
    if (!PKCS12_verify_mac(p12, pw, static_cast<int>(password.size()))) {
      // Some tools write PFX files with no password at all (NULL rather than "").
      if (!(password.empty() && PKCS12_verify_mac(p12, nullptr, 0))) {
        ERR_clear_error();
        PKCS12_free(p12);
        return password.empty() ? "the PFX '" + cert_name + "' needs its password"
                                : "wrong password for the PFX '" + cert_name + "'";
      }
      pw = nullptr;
    }
    STACK_OF(X509)* ca = nullptr;
    if (!PKCS12_parse(p12, pw, &c.key, &c.cert, &ca)) {
      ERR_clear_error();
      load_legacy_provider();
      if (!PKCS12_parse(p12, pw, &c.key, &c.cert, &ca)) {
        PKCS12_free(p12);
        return "cannot read the PFX '" + cert_name + "' (" + openssl_error() + ")";
      }
    }
    PKCS12_free(p12);
    if (c.cert) c.chain.push_back(to_der(c.cert));
    for (int i = 0; ca && i < sk_X509_num(ca); ++i) c.chain.push_back(to_der(sk_X509_value(ca, i)));
    sk_X509_pop_free(ca, X509_free);
    if (!c.cert || !c.key) return "the PFX '" + cert_name + "' lacks a certificate or a private key";
  }
  if (EVP_PKEY_get_base_id(c.key) != EVP_PKEY_RSA)
    return "the client certificate's key must be RSA (Entra ID signs assertions with PS256 or RS256)";
  if (X509_check_private_key(c.cert, c.key) != 1) {
    ERR_clear_error();
    return "the private key does not belong to the certificate '" + cert_name + "'";
  }
  return {};
}

}  // namespace

ENTRATOOL_CRYPTO_EXPORT int entratool_crypto_cert_load(const unsigned char* cert, size_t cert_len,
                                                       const char* cert_name, const unsigned char* key, size_t key_len,
                                                       const char* key_name, const char* password, size_t password_len,
                                                       entratool_crypto_cert** out, char* err, size_t err_capacity) {
  if (!out) return 1;
  *out = nullptr;
  try {
    ERR_clear_error();
    std::string data(reinterpret_cast<const char*>(cert), cert_len);
    const bool separate_key = key_name && *key_name;
    std::string key_data = separate_key ? std::string(reinterpret_cast<const char*>(key), key_len) : std::string();
    std::string pass(password ? password : "", password ? password_len : 0);
    auto c = std::make_unique<entratool_crypto_cert>();
    std::string why = load_cert(data, cert_name ? cert_name : "", separate_key ? &key_data : nullptr,
                                separate_key ? key_name : "", pass, *c);
    OPENSSL_cleanse(pass.data(), pass.size());
    if (!key_data.empty()) OPENSSL_cleanse(key_data.data(), key_data.size());
    if (!why.empty()) {
      set_error(err, err_capacity, why);
      return 1;
    }
    *out = c.release();
    return 0;
  } catch (...) {
    set_error(err, err_capacity, "out of memory loading the client certificate");
    return 1;
  }
}

ENTRATOOL_CRYPTO_EXPORT size_t entratool_crypto_cert_count(const entratool_crypto_cert* cert) {
  return cert ? cert->chain.size() : 0;
}

ENTRATOOL_CRYPTO_EXPORT int entratool_crypto_cert_der(const entratool_crypto_cert* cert, size_t index,
                                                      const unsigned char** der, size_t* der_len) {
  if (!cert || index >= cert->chain.size() || !der || !der_len) return 1;
  *der = reinterpret_cast<const unsigned char*>(cert->chain[index].data());
  *der_len = cert->chain[index].size();
  return 0;
}

ENTRATOOL_CRYPTO_EXPORT int entratool_crypto_cert_sign(const entratool_crypto_cert* cert, int pss,
                                                       const unsigned char* data, size_t data_len, unsigned char* out,
                                                       size_t out_capacity, size_t* out_len, char* err,
                                                       size_t err_capacity) {
  if (!cert || !cert->key || !out_len) {
    set_error(err, err_capacity, "no client certificate loaded");
    return 1;
  }
  if (!out) {
    *out_len = static_cast<size_t>(EVP_PKEY_get_size(cert->key));
    return 0;
  }
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_PKEY_CTX* pctx = nullptr;
  std::string failure;
  if (!ctx || EVP_DigestSignInit(ctx, &pctx, EVP_sha256(), nullptr, cert->key) != 1) {
    failure = "cannot sign the client assertion (" + openssl_error() + ")";
  } else if (pss && (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
                     EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) != 1 ||
                     EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha256()) != 1)) {
    failure = "cannot set up PS256 signing (" + openssl_error() + ")";
  } else {
    size_t len = out_capacity;
    if (EVP_DigestSign(ctx, out, &len, data, data_len) != 1)
      failure = "cannot sign the client assertion (" + openssl_error() + ")";
    else
      *out_len = len;
  }
  EVP_MD_CTX_free(ctx);
  if (!failure.empty()) {
    set_error(err, err_capacity, failure);
    return 1;
  }
  return 0;
}

ENTRATOOL_CRYPTO_EXPORT void entratool_crypto_cert_free(entratool_crypto_cert* cert) { delete cert; }

ENTRATOOL_CRYPTO_EXPORT int entratool_crypto_digest(int algorithm, const unsigned char* data, size_t data_len,
                                                    unsigned char* out, size_t out_capacity, size_t* out_len) {
  const EVP_MD* md = algorithm == 1 ? EVP_sha1() : algorithm == 256 ? EVP_sha256() : nullptr;
  if (!md || !out || !out_len || out_capacity < static_cast<size_t>(EVP_MD_get_size(md))) return 1;
  unsigned int len = 0;
  if (EVP_Digest(data, data_len, out, &len, md, nullptr) != 1) return 1;
  *out_len = len;
  return 0;
}

namespace {
void put_error(char* err, size_t cap, const std::string& text) {
  if (err && cap) std::snprintf(err, cap, "%s", text.c_str());
}
}  // namespace

ENTRATOOL_CRYPTO_EXPORT int entratool_crypto_ed25519_verify(const unsigned char* public_key, size_t public_key_len,
                                                            const unsigned char* message, size_t message_len,
                                                            const unsigned char* signature, size_t signature_len,
                                                            char* err, size_t err_capacity) {
  if (public_key_len != 32) {
    put_error(err, err_capacity, "an Ed25519 public key has 32 bytes, not " + std::to_string(public_key_len));
    return 1;
  }
  if (signature_len != 64) {
    put_error(err, err_capacity, "an Ed25519 signature has 64 bytes, not " + std::to_string(signature_len));
    return 1;
  }
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
      EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, public_key, public_key_len), &EVP_PKEY_free);
  if (!key) {
    put_error(err, err_capacity, "not a valid Ed25519 public key");
    return 1;
  }
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) != 1) {
    put_error(err, err_capacity, "cannot set up Ed25519 verification");
    return 1;
  }
  int rc = EVP_DigestVerify(ctx.get(), signature, signature_len, message, message_len);
  ERR_clear_error();
  return rc == 1 ? 0 : 2;
}

ENTRATOOL_CRYPTO_EXPORT int entratool_crypto_ed25519_sign(const unsigned char* pem, size_t pem_len,
                                                          const unsigned char* message, size_t message_len,
                                                          unsigned char signature[64], unsigned char public_key[32],
                                                          char* err, size_t err_capacity) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem, static_cast<int>(pem_len)), &BIO_free);
  // An empty passphrase callback result: an encrypted key fails instead of prompting on the terminal.
  auto no_prompt = [](char*, int, int, void*) -> int { return 0; };
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
      bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, no_prompt, nullptr) : nullptr, &EVP_PKEY_free);
  ERR_clear_error();
  if (!key) {
    put_error(err, err_capacity,
              "is not an unencrypted private key in PEM; create one with: openssl genpkey -algorithm ed25519");
    return 1;
  }
  if (EVP_PKEY_get_id(key.get()) != EVP_PKEY_ED25519) {
    put_error(err, err_capacity,
              "holds a private key that is not Ed25519; create one with: openssl genpkey -algorithm ed25519");
    return 1;
  }
  size_t pub_len = 32, sig_len = 64;
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  if (EVP_PKEY_get_raw_public_key(key.get(), public_key, &pub_len) != 1 || pub_len != 32 || !ctx ||
      EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) != 1 ||
      EVP_DigestSign(ctx.get(), signature, &sig_len, message, message_len) != 1 || sig_len != 64) {
    ERR_clear_error();
    put_error(err, err_capacity, "cannot sign with this key");
    return 1;
  }
  return 0;
}
