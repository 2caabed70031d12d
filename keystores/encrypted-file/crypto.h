#pragma once
/// \file crypto.h
/// The few primitives the encrypted-file store needs, behind std types so that no library header
/// leaks into the store's interface: AES-256-GCM and scrypt from libsodium, with OpenSSL's
/// AES-256-GCM (libcrypto loaded only then) where the CPU has no AES instructions.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "entratool/sdk/status.h"

namespace entratool::keystore {

constexpr std::size_t kKeySize = 32;    ///< AES-256
constexpr std::size_t kNonceSize = 12;  ///< 96-bit GCM nonce
constexpr std::size_t kTagSize = 16;    ///< GCM tag

/// A 32-byte data key that is wiped when destroyed.
class DataKey {
 public:
  DataKey() = default;
  explicit DataKey(std::string bytes) : bytes_(std::move(bytes)) {}
  DataKey(const DataKey&) = delete;
  DataKey& operator=(const DataKey&) = delete;
  DataKey(DataKey&& other) noexcept;
  DataKey& operator=(DataKey&& other) noexcept;
  ~DataKey();
  bool valid() const noexcept { return bytes_.size() == kKeySize; }
  const std::string& bytes() const noexcept { return bytes_; }

 private:
  void wipe() noexcept;
  std::string bytes_;
};

/// Cryptographically secure random bytes (the kernel CSPRNG, getrandom).
sdk::Result<std::string> random_bytes(std::size_t count);

/// Lower-case hex SHA-256 of `data` (support::sha256_hex: names files without starting OpenSSL).
std::string sha256_hex(std::string_view data);

/// Who runs AES-256-GCM. Both produce the same bytes (the standard cipher), so a store written with
/// one opens with the other.
enum class AesBackend {
  libsodium,  ///< crypto_aead_aes256gcm_*: needs AES-NI and CLMUL
  openssl,    ///< OpenSSL's default provider, libcrypto dlopen()ed on first use
};

/// Setting this (to anything but "0") makes the store use the OpenSSL fallback even where
/// libsodium could run: for tests and for diagnosing a suspected libsodium problem.
constexpr const char* kForceOpenSslEnv = "ENTRATOOL_KEYSTORE_FORCE_OPENSSL";

/// The process's choice: libsodium when the CPU has the instructions it needs
/// (crypto_aead_aes256gcm_is_available()) and kForceOpenSslEnv is not set, else OpenSSL.
AesBackend aes_backend();

/// Empty when aes_backend() can run, else why not (the OpenSSL fallback without a loadable
/// libcrypto), so that the store reports that instead of "wrong key or damaged".
std::string aes_problem();

/// seal() and open_sealed() with a chosen backend (tests compare them).
sdk::Result<std::string> seal_with(AesBackend backend, const DataKey& key, std::string_view nonce, std::string_view aad,
                                   std::string_view plaintext);
std::optional<std::string> open_with(AesBackend backend, const DataKey& key, std::string_view nonce,
                                     std::string_view aad, std::string_view sealed);

/// AES-256-GCM with aes_backend(): returns ciphertext || 16-byte tag.
sdk::Result<std::string> seal(const DataKey& key, std::string_view nonce, std::string_view aad,
                              std::string_view plaintext);

/// AES-256-GCM: the plaintext, or nullopt when the tag does not verify (wrong key or damage).
std::optional<std::string> open_sealed(const DataKey& key, std::string_view nonce, std::string_view aad,
                                       std::string_view sealed);

/// scrypt cost parameters.
struct ScryptParams {
  std::uint64_t n = 1u << 17;  ///< CPU/memory cost (OWASP: 2^17)
  std::uint32_t r = 8;         ///< block size
  std::uint32_t p = 1;         ///< parallelism
};

/// Bounds enforced on parameters read from disk, so a tampered header can neither weaken the KDF
/// nor make us allocate gigabytes.
constexpr std::uint64_t kScryptMinN = 1u << 14;
constexpr std::uint64_t kScryptMaxN = 1u << 20;
constexpr std::uint32_t kScryptMinR = 8;
constexpr std::uint32_t kScryptMaxR = 16;
constexpr std::uint32_t kScryptMinP = 1;
constexpr std::uint32_t kScryptMaxP = 4;
constexpr std::uint64_t kScryptMaxMemory = std::uint64_t{1} << 30;  ///< 128*N*r at most 1 GiB

/// Empty when the parameters are within bounds, else what is wrong ("N=1024 is below 16384").
std::string scrypt_params_problem(const ScryptParams& params);

/// scrypt(passphrase, salt) -> 32-byte key (libsodium's crypto_pwhash_scryptsalsa208sha256_ll;
/// the same function as OpenSSL's EVP_PBE_scrypt).
sdk::Result<DataKey> derive_scrypt(std::string_view passphrase, std::string_view salt, const ScryptParams& params);

/// Overwrites a string's bytes before it is released.
void wipe(std::string& s) noexcept;

}  // namespace entratool::keystore
