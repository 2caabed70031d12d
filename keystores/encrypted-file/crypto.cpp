#include "crypto.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <memory>

namespace entratool::keystore {

namespace {
struct CipherCtxDeleter {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxDeleter>;

const unsigned char* bytes_of(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }
unsigned char* bytes_of(std::string& s) { return reinterpret_cast<unsigned char*>(s.data()); }
}  // namespace

void wipe(std::string& s) noexcept {
  if (!s.empty()) OPENSSL_cleanse(s.data(), s.size());
  s.clear();
}

DataKey::DataKey(DataKey&& other) noexcept : bytes_(std::move(other.bytes_)) { other.wipe(); }
DataKey& DataKey::operator=(DataKey&& other) noexcept {
  if (this != &other) {
    wipe();
    bytes_ = std::move(other.bytes_);
    other.wipe();
  }
  return *this;
}
DataKey::~DataKey() { wipe(); }
void DataKey::wipe() noexcept { keystore::wipe(bytes_); }

sdk::Result<std::string> random_bytes(std::size_t count) {
  std::string out(count, '\0');
  if (RAND_bytes(bytes_of(out), static_cast<int>(count)) != 1)
    return sdk::Status::general("the system random number generator failed");
  return out;
}

std::string sha256_hex(std::string_view data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(bytes_of(data), data.size(), digest);
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * sizeof digest);
  for (unsigned char b : digest) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 15]);
  }
  return out;
}

sdk::Result<std::string> seal(const DataKey& key, std::string_view nonce, std::string_view aad,
                              std::string_view plaintext) {
  if (!key.valid() || nonce.size() != kNonceSize) return sdk::Status::general("internal error: bad key or nonce size");
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  std::string out(plaintext.size() + kTagSize, '\0');
  int len = 0;
  int total = 0;
  bool ok =
      ctx && EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(kNonceSize), nullptr) == 1 &&
      EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, bytes_of(key.bytes()), bytes_of(nonce)) == 1 &&
      (aad.empty() || EVP_EncryptUpdate(ctx.get(), nullptr, &len, bytes_of(aad), static_cast<int>(aad.size())) == 1);
  if (ok && !plaintext.empty()) {
    ok =
        EVP_EncryptUpdate(ctx.get(), bytes_of(out), &len, bytes_of(plaintext), static_cast<int>(plaintext.size())) == 1;
    total = len;
  }
  ok = ok && EVP_EncryptFinal_ex(ctx.get(), bytes_of(out) + total, &len) == 1;
  total += len;
  ok = ok &&
       EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(kTagSize), bytes_of(out) + total) == 1;
  if (!ok) {
    wipe(out);
    return sdk::Status::general("encryption failed (OpenSSL AES-256-GCM)");
  }
  out.resize(static_cast<std::size_t>(total) + kTagSize);
  return out;
}

std::optional<std::string> open_sealed(const DataKey& key, std::string_view nonce, std::string_view aad,
                                       std::string_view sealed) {
  if (!key.valid() || nonce.size() != kNonceSize || sealed.size() < kTagSize) return std::nullopt;
  std::string_view ciphertext = sealed.substr(0, sealed.size() - kTagSize);
  std::string tag(sealed.substr(sealed.size() - kTagSize));
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  std::string out(ciphertext.size(), '\0');
  int len = 0;
  int total = 0;
  bool ok =
      ctx && EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(kNonceSize), nullptr) == 1 &&
      EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr, bytes_of(key.bytes()), bytes_of(nonce)) == 1 &&
      (aad.empty() || EVP_DecryptUpdate(ctx.get(), nullptr, &len, bytes_of(aad), static_cast<int>(aad.size())) == 1);
  if (ok && !ciphertext.empty()) {
    ok = EVP_DecryptUpdate(ctx.get(), bytes_of(out), &len, bytes_of(ciphertext), static_cast<int>(ciphertext.size())) ==
         1;
    total = len;
  }
  ok = ok && EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(kTagSize), bytes_of(tag)) == 1;
  // The tag is checked in Final: until it passes, `out` is unauthenticated and is wiped on failure.
  ok = ok && EVP_DecryptFinal_ex(ctx.get(), bytes_of(out) + total, &len) == 1;
  if (!ok) {
    wipe(out);
    return std::nullopt;
  }
  out.resize(static_cast<std::size_t>(total) + static_cast<std::size_t>(len));
  return out;
}

std::string scrypt_params_problem(const ScryptParams& params) {
  auto pow2 = [](std::uint64_t v) { return v != 0 && (v & (v - 1)) == 0; };
  if (!pow2(params.n)) return "N=" + std::to_string(params.n) + " is not a power of two";
  if (params.n < kScryptMinN) return "N=" + std::to_string(params.n) + " is below " + std::to_string(kScryptMinN);
  if (params.n > kScryptMaxN) return "N=" + std::to_string(params.n) + " is above " + std::to_string(kScryptMaxN);
  if (params.r < kScryptMinR || params.r > kScryptMaxR)
    return "r=" + std::to_string(params.r) + " is outside " + std::to_string(kScryptMinR) + ".." +
           std::to_string(kScryptMaxR);
  if (params.p < kScryptMinP || params.p > kScryptMaxP)
    return "p=" + std::to_string(params.p) + " is outside " + std::to_string(kScryptMinP) + ".." +
           std::to_string(kScryptMaxP);
  if (128 * params.n * params.r > kScryptMaxMemory)
    return "N=" + std::to_string(params.n) + " with r=" + std::to_string(params.r) + " needs more than 1 GiB";
  return {};
}

sdk::Result<DataKey> derive_scrypt(std::string_view passphrase, std::string_view salt, const ScryptParams& params) {
  if (std::string problem = scrypt_params_problem(params); !problem.empty())
    return sdk::Status::general("scrypt parameters out of bounds: " + problem);
  // OpenSSL's default maxmem (32 MiB) rejects OWASP's N=2^17, r=8 (128 MiB): allow what these
  // (bounded) parameters need plus the B array and some slack.
  std::uint64_t maxmem = 128 * params.n * params.r + 128 * std::uint64_t{params.r} * params.p + (1u << 20);
  std::string key(kKeySize, '\0');
  if (EVP_PBE_scrypt(passphrase.data(), passphrase.size(), bytes_of(salt), salt.size(), params.n, params.r, params.p,
                     maxmem, bytes_of(key), key.size()) != 1) {
    wipe(key);
    return sdk::Status::general("scrypt key derivation failed (out of memory?)");
  }
  return DataKey(std::move(key));
}

}  // namespace entratool::keystore
