#include "crypto.h"

#include <dlfcn.h>
#include <sodium.h>
#include <strings.h>
#include <sys/random.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

// OpenSSL's headers only, for its types and the provider-cipher(7) constants: the plugin does not
// link libcrypto (a cached get-token should not pay to load it). The fallback below dlopen()s it
// on a CPU without AES instructions, and resolves the four functions it calls by name.
#include <openssl/core.h>
#include <openssl/core_dispatch.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/opensslv.h>
#include <openssl/params.h>
#include <openssl/provider.h>

#include "entratool/support/sha256.h"

namespace entratool::keystore {

namespace {

const unsigned char* bytes_of(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }
unsigned char* bytes_of(std::string& s) { return reinterpret_cast<unsigned char*>(s.data()); }

/// sodium_init() once per process (it picks the implementations for this CPU); false if it failed.
bool sodium_ready() {
  static const bool ready = ::sodium_init() >= 0;
  return ready;
}

// The OpenSSL fallback: AES-256-GCM straight from OpenSSL's default provider, through the
// provider-cipher(7) dispatch table, in libcrypto loaded with dlopen() when first needed. The EVP
// route (EVP_aes_256_gcm or EVP_CIPHER_fetch) first fills OpenSSL 3's name map from every legacy
// algorithm name and builds a method for every cipher of every provider: about 6M instructions.
// Here a private library context loads only the default provider (no openssl.cnf, and nothing
// process-wide changes, so the network module's TLS still gets the system configuration) and we
// take its AES-256-GCM functions: the same implementation EVP would run, for about 0.1M.
class OpenSslGcm {
 public:
  /// The process-wide instance; made on first use, never freed (as plugins are never unloaded).
  static const OpenSslGcm& get() {
    static const OpenSslGcm* instance = new OpenSslGcm();
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
    // What OSSL_PARAM_construct_size_t/_octet_string build (those are libcrypto functions).
    OSSL_PARAM init_params[] = {
        {OSSL_CIPHER_PARAM_AEAD_IVLEN, OSSL_PARAM_UNSIGNED_INTEGER, &ivlen, sizeof ivlen, OSSL_PARAM_UNMODIFIED},
        OSSL_PARAM_END};
    auto init = encrypt ? encrypt_init_ : decrypt_init_;
    size_t len = 0;
    size_t last = 0;
    // The provider checks that `outsize` covers the input even for AAD, which writes nothing.
    bool ok = init(c, bytes_of(key.bytes()), kKeySize, bytes_of(nonce), kNonceSize, init_params) == 1 &&
              (aad.empty() || update_(c, nullptr, &len, aad.size(), bytes_of(aad), aad.size()) == 1);
    len = 0;
    if (ok && !in.empty()) ok = update_(c, out, &len, in.size(), bytes_of(in), in.size()) == 1 && len == in.size();
    OSSL_PARAM tag_params[] = {
        {OSSL_CIPHER_PARAM_AEAD_TAG, OSSL_PARAM_OCTET_STRING, tag, kTagSize, OSSL_PARAM_UNMODIFIED}, OSSL_PARAM_END};
    // Decryption: the expected tag goes in before final, which compares it in constant time.
    if (ok && !encrypt) ok = set_params_(c, tag_params) == 1;
    ok = ok && final_(c, out + len, &last, in.size() - len) == 1 && last == 0;
    if (ok && encrypt) ok = get_params_(c, tag_params) == 1;
    free_(c);  // clears the context (key schedule included)
    return ok;
  }

 private:
  OpenSslGcm() {
    // The soname of the OpenSSL major version these headers describe ("libcrypto.so.3").
    const std::string soname = "libcrypto.so." + std::to_string(OPENSSL_VERSION_MAJOR);
    void* lib = ::dlopen(soname.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (lib == nullptr) {
      problem_ = "AES-256-GCM needs " + soname + " on this CPU (it has no AES instructions), which cannot be loaded";
      return;
    }
    auto lib_ctx_new = reinterpret_cast<decltype(&::OSSL_LIB_CTX_new)>(::dlsym(lib, "OSSL_LIB_CTX_new"));
    auto provider_load = reinterpret_cast<decltype(&::OSSL_PROVIDER_load)>(::dlsym(lib, "OSSL_PROVIDER_load"));
    auto provider_ctx =
        reinterpret_cast<decltype(&::OSSL_PROVIDER_get0_provider_ctx)>(::dlsym(lib, "OSSL_PROVIDER_get0_provider_ctx"));
    auto query =
        reinterpret_cast<decltype(&::OSSL_PROVIDER_query_operation)>(::dlsym(lib, "OSSL_PROVIDER_query_operation"));
    if (!lib_ctx_new || !provider_load || !provider_ctx || !query) {
      problem_ = soname + " lacks the OpenSSL 3 provider functions";
      return;
    }
    OSSL_LIB_CTX* lib_ctx = lib_ctx_new();
    OSSL_PROVIDER* provider = lib_ctx ? provider_load(lib_ctx, "default") : nullptr;
    if (provider == nullptr) {
      problem_ = "OpenSSL's default provider cannot be loaded";
      return;
    }
    provctx_ = provider_ctx(provider);
    int no_cache = 0;
    const OSSL_ALGORITHM* algorithm = query(provider, OSSL_OP_CIPHER, &no_cache);
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
      if (one.size() == name.size() && ::strncasecmp(one.data(), name.data(), name.size()) == 0) return true;
      if (colon == std::string_view::npos) break;
      names.remove_prefix(colon + 1);
    }
    return false;
  }

  std::string problem_;
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

bool sodium_gcm(bool encrypt, const DataKey& key, std::string_view nonce, std::string_view aad, std::string_view in,
                unsigned char* out, unsigned char* tag) {
  if (!sodium_ready() || ::crypto_aead_aes256gcm_is_available() == 0) return false;
  if (encrypt) {
    return ::crypto_aead_aes256gcm_encrypt_detached(out, tag, nullptr, bytes_of(in), in.size(), bytes_of(aad),
                                                    aad.size(), nullptr, bytes_of(nonce), bytes_of(key.bytes())) == 0;
  }
  return ::crypto_aead_aes256gcm_decrypt_detached(out, nullptr, bytes_of(in), in.size(), tag, bytes_of(aad), aad.size(),
                                                  bytes_of(nonce), bytes_of(key.bytes())) == 0;
}

bool run_gcm(AesBackend backend, bool encrypt, const DataKey& key, std::string_view nonce, std::string_view aad,
             std::string_view in, unsigned char* out, unsigned char* tag) {
  if (backend == AesBackend::libsodium) return sodium_gcm(encrypt, key, nonce, aad, in, out, tag);
  return OpenSslGcm::get().run(encrypt, key, nonce, aad, in, out, tag);
}

std::string backend_problem(AesBackend backend) {
  if (backend == AesBackend::openssl) return OpenSslGcm::get().problem();
  if (!sodium_ready()) return "libsodium cannot be initialised";
  if (::crypto_aead_aes256gcm_is_available() == 0) return "this CPU has no AES instructions for libsodium";
  return {};
}

}  // namespace

AesBackend aes_backend() {
  static const AesBackend backend = [] {
    const char* force = std::getenv(kForceOpenSslEnv);
    if (force != nullptr && *force != '\0' && std::strcmp(force, "0") != 0) return AesBackend::openssl;
    return sodium_ready() && ::crypto_aead_aes256gcm_is_available() != 0 ? AesBackend::libsodium : AesBackend::openssl;
  }();
  return backend;
}

std::string aes_problem() { return backend_problem(aes_backend()); }

void wipe(std::string& s) noexcept {
  if (!s.empty()) ::sodium_memzero(s.data(), s.size());
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

// The kernel's CSPRNG (what OpenSSL and libsodium seed from): no DRBG to instantiate.
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

sdk::Result<std::string> seal_with(AesBackend backend, const DataKey& key, std::string_view nonce, std::string_view aad,
                                   std::string_view plaintext) {
  if (!key.valid() || nonce.size() != kNonceSize) return sdk::Status::general("internal error: bad key or nonce size");
  if (std::string problem = backend_problem(backend); !problem.empty())
    return sdk::Status::general("encryption is unavailable: " + problem);
  std::string out(plaintext.size() + kTagSize, '\0');
  if (!run_gcm(backend, true, key, nonce, aad, plaintext, bytes_of(out), bytes_of(out) + plaintext.size())) {
    wipe(out);
    return sdk::Status::general("encryption failed (AES-256-GCM)");
  }
  return out;
}

std::optional<std::string> open_with(AesBackend backend, const DataKey& key, std::string_view nonce,
                                     std::string_view aad, std::string_view sealed) {
  if (!key.valid() || nonce.size() != kNonceSize || sealed.size() < kTagSize) return std::nullopt;
  std::string_view ciphertext = sealed.substr(0, sealed.size() - kTagSize);
  std::string tag(sealed.substr(sealed.size() - kTagSize));
  std::string out(ciphertext.size(), '\0');
  // Until the tag verifies, `out` is unauthenticated: it is wiped on failure.
  if (!run_gcm(backend, false, key, nonce, aad, ciphertext, bytes_of(out), bytes_of(tag))) {
    wipe(out);
    return std::nullopt;
  }
  return out;
}

sdk::Result<std::string> seal(const DataKey& key, std::string_view nonce, std::string_view aad,
                              std::string_view plaintext) {
  return seal_with(aes_backend(), key, nonce, aad, plaintext);
}

std::optional<std::string> open_sealed(const DataKey& key, std::string_view nonce, std::string_view aad,
                                       std::string_view sealed) {
  return open_with(aes_backend(), key, nonce, aad, sealed);
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
  if (!sodium_ready()) return sdk::Status::general("scrypt key derivation failed: libsodium cannot be initialised");
  // libsodium's scrypt with explicit N, r, p: RFC 7914, the same function as OpenSSL's
  // EVP_PBE_scrypt (tests/keystore/crypto_test.cpp compares them). It has no maxmem cap; the
  // bounds above keep it at 1 GiB at most.
  std::string key(kKeySize, '\0');
  if (::crypto_pwhash_scryptsalsa208sha256_ll(bytes_of(passphrase), passphrase.size(), bytes_of(salt), salt.size(),
                                              params.n, params.r, params.p, bytes_of(key), key.size()) != 0) {
    wipe(key);
    return sdk::Status::general("scrypt key derivation failed (out of memory?)");
  }
  return DataKey(std::move(key));
}

}  // namespace entratool::keystore
