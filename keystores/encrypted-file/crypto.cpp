#include "crypto.h"

#include <openssl/core_dispatch.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/provider.h>
#include <sys/random.h>

#include <cerrno>
#include <cstring>

#include "entratool/support/sha256.h"

namespace entratool::keystore {

namespace {

const unsigned char* bytes_of(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }
unsigned char* bytes_of(std::string& s) { return reinterpret_cast<unsigned char*>(s.data()); }

// AES-256-GCM straight from OpenSSL's default provider, through the provider-cipher(7) dispatch
// table. The EVP route (EVP_aes_256_gcm or EVP_CIPHER_fetch) first fills OpenSSL 3's name map from
// every legacy algorithm name and builds a method for every cipher of every provider: about 6M
// instructions, which was most of a cached get-token. Here a private library context loads only
// the default provider (no openssl.cnf, and nothing process-wide changes, so the network module's
// TLS still gets the system configuration) and we take its AES-256-GCM functions: the same
// implementation EVP would run (AES-NI and CLMUL when the CPU has them), for about 0.1M.
class Gcm {
 public:
  /// The process-wide instance; made on first use, never freed (as plugins are never unloaded).
  static const Gcm& get() {
    static const Gcm* instance = new Gcm();
    return *instance;
  }
  /// Empty when usable, else why not.
  const std::string& problem() const { return problem_; }

  /// One GCM operation: (en|de)crypt `in` with `aad` into `out` (same size as `in`). For
  /// decryption `tag` is the expected tag and the result says whether it verified; for encryption
  /// `tag` receives the tag.
  bool run(bool encrypt, const DataKey& key, std::string_view nonce, std::string_view aad, std::string_view in,
           unsigned char* out, unsigned char* tag) const {
    if (!problem_.empty()) return false;
    void* c = newctx_(provctx_);
    if (c == nullptr) return false;
    size_t ivlen = kNonceSize;
    OSSL_PARAM init_params[] = {OSSL_PARAM_construct_size_t(OSSL_CIPHER_PARAM_AEAD_IVLEN, &ivlen),
                                OSSL_PARAM_construct_end()};
    auto init = encrypt ? encrypt_init_ : decrypt_init_;
    size_t len = 0;
    size_t last = 0;
    // The provider checks that `outsize` covers the input even for AAD, which writes nothing.
    bool ok = init(c, bytes_of(key.bytes()), kKeySize, bytes_of(nonce), kNonceSize, init_params) == 1 &&
              (aad.empty() || update_(c, nullptr, &len, aad.size(), bytes_of(aad), aad.size()) == 1);
    len = 0;
    if (ok && !in.empty()) ok = update_(c, out, &len, in.size(), bytes_of(in), in.size()) == 1 && len == in.size();
    OSSL_PARAM tag_params[] = {OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, tag, kTagSize),
                               OSSL_PARAM_construct_end()};
    // Decryption: the expected tag goes in before final, which compares it in constant time.
    if (ok && !encrypt) ok = set_params_(c, tag_params) == 1;
    ok = ok && final_(c, out + len, &last, in.size() - len) == 1 && last == 0;
    if (ok && encrypt) ok = get_params_(c, tag_params) == 1;
    free_(c);  // clears the context (key schedule included)
    return ok;
  }

 private:
  Gcm() {
    lib_ = OSSL_LIB_CTX_new();
    OSSL_PROVIDER* provider = lib_ ? OSSL_PROVIDER_load(lib_, "default") : nullptr;
    if (provider == nullptr) {
      problem_ = "OpenSSL's default provider cannot be loaded";
      return;
    }
    provctx_ = OSSL_PROVIDER_get0_provider_ctx(provider);
    int no_cache = 0;
    const OSSL_ALGORITHM* algorithm = OSSL_PROVIDER_query_operation(provider, OSSL_OP_CIPHER, &no_cache);
    const OSSL_DISPATCH* fns = nullptr;
    for (; algorithm != nullptr && algorithm->algorithm_names != nullptr && fns == nullptr; ++algorithm)
      if (names_include(algorithm->algorithm_names, "AES-256-GCM")) fns = algorithm->implementation;
    for (; fns != nullptr && fns->function_id != 0; ++fns) {
      switch (fns->function_id) {
        case OSSL_FUNC_CIPHER_NEWCTX:
          newctx_ = OSSL_FUNC_cipher_newctx(fns);
          break;
        case OSSL_FUNC_CIPHER_FREECTX:
          free_ = OSSL_FUNC_cipher_freectx(fns);
          break;
        case OSSL_FUNC_CIPHER_ENCRYPT_INIT:
          encrypt_init_ = OSSL_FUNC_cipher_encrypt_init(fns);
          break;
        case OSSL_FUNC_CIPHER_DECRYPT_INIT:
          decrypt_init_ = OSSL_FUNC_cipher_decrypt_init(fns);
          break;
        case OSSL_FUNC_CIPHER_UPDATE:
          update_ = OSSL_FUNC_cipher_update(fns);
          break;
        case OSSL_FUNC_CIPHER_FINAL:
          final_ = OSSL_FUNC_cipher_final(fns);
          break;
        case OSSL_FUNC_CIPHER_GET_CTX_PARAMS:
          get_params_ = OSSL_FUNC_cipher_get_ctx_params(fns);
          break;
        case OSSL_FUNC_CIPHER_SET_CTX_PARAMS:
          set_params_ = OSSL_FUNC_cipher_set_ctx_params(fns);
          break;
        default:
          break;
      }
    }
    if (!newctx_ || !free_ || !encrypt_init_ || !decrypt_init_ || !update_ || !final_ || !get_params_ || !set_params_)
      problem_ = "OpenSSL's default provider has no complete AES-256-GCM";
  }

  // "AES-256-GCM:id-aes256-GCM:2.16..." contains `name` as one of its colon-separated names.
  static bool names_include(std::string_view names, std::string_view name) {
    while (!names.empty()) {
      size_t colon = names.find(':');
      std::string_view one = names.substr(0, colon);
      if (one.size() == name.size() && OPENSSL_strncasecmp(one.data(), name.data(), name.size()) == 0) return true;
      if (colon == std::string_view::npos) break;
      names.remove_prefix(colon + 1);
    }
    return false;
  }

  std::string problem_;
  OSSL_LIB_CTX* lib_ = nullptr;
  void* provctx_ = nullptr;
  OSSL_FUNC_cipher_newctx_fn* newctx_ = nullptr;
  OSSL_FUNC_cipher_freectx_fn* free_ = nullptr;
  OSSL_FUNC_cipher_encrypt_init_fn* encrypt_init_ = nullptr;
  OSSL_FUNC_cipher_decrypt_init_fn* decrypt_init_ = nullptr;
  OSSL_FUNC_cipher_update_fn* update_ = nullptr;
  OSSL_FUNC_cipher_final_fn* final_ = nullptr;
  OSSL_FUNC_cipher_get_ctx_params_fn* get_params_ = nullptr;
  OSSL_FUNC_cipher_set_ctx_params_fn* set_params_ = nullptr;
};

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

// The kernel's CSPRNG (what OpenSSL seeds its own from): no DRBG to instantiate, which in
// OpenSSL 3 would set up the whole provider store on every store write.
sdk::Result<std::string> random_bytes(std::size_t count) {
  std::string out(count, '\0');
  size_t filled = 0;
  while (filled < count) {
    ssize_t n = ::getrandom(out.data() + filled, count - filled, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      wipe(out);
      return sdk::Status::general(std::string("the system random number generator failed: ") + std::strerror(errno));
    }
    filled += static_cast<size_t>(n);
  }
  return out;
}

std::string sha256_hex(std::string_view data) { return support::sha256_hex(data); }

sdk::Result<std::string> seal(const DataKey& key, std::string_view nonce, std::string_view aad,
                              std::string_view plaintext) {
  if (!key.valid() || nonce.size() != kNonceSize) return sdk::Status::general("internal error: bad key or nonce size");
  const Gcm& gcm = Gcm::get();
  if (!gcm.problem().empty()) return sdk::Status::general("encryption is unavailable: " + gcm.problem());
  std::string out(plaintext.size() + kTagSize, '\0');
  if (!gcm.run(true, key, nonce, aad, plaintext, bytes_of(out), bytes_of(out) + plaintext.size())) {
    wipe(out);
    return sdk::Status::general("encryption failed (OpenSSL AES-256-GCM)");
  }
  return out;
}

std::optional<std::string> open_sealed(const DataKey& key, std::string_view nonce, std::string_view aad,
                                       std::string_view sealed) {
  if (!key.valid() || nonce.size() != kNonceSize || sealed.size() < kTagSize) return std::nullopt;
  std::string_view ciphertext = sealed.substr(0, sealed.size() - kTagSize);
  std::string tag(sealed.substr(sealed.size() - kTagSize));
  std::string out(ciphertext.size(), '\0');
  // Until the tag verifies, `out` is unauthenticated: it is wiped on failure.
  if (!Gcm::get().run(false, key, nonce, aad, ciphertext, bytes_of(out), bytes_of(tag))) {
    wipe(out);
    return std::nullopt;
  }
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
