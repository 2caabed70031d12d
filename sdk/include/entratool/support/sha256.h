#pragma once
/// \file sha256.h
/// SHA-256 (FIPS 180-4) without a crypto library, so the host's cached path needs no libcrypto.
/// For cache keys and file fingerprints; not constant-time, so never for comparing secrets.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace entratool::support {

/// Incremental SHA-256. Plain value type; one instance per message.
class Sha256 {
 public:
  using Digest = std::array<std::uint8_t, 32>;

  Sha256();
  /// Adds message bytes; may be called any number of times before finish().
  void update(std::string_view bytes);
  /// Pads, returns the digest, and leaves the object to be reset() before reuse.
  Digest finish();
  /// Starts a new message.
  void reset();

 private:
  void compress(const std::uint8_t* block);
  std::array<std::uint32_t, 8> state_;
  std::array<std::uint8_t, 64> buffer_;
  std::size_t buffered_ = 0;
  std::uint64_t length_ = 0;  // bytes so far
};

/// The 32-byte digest of `bytes`, as raw bytes.
std::string sha256(std::string_view bytes);
/// The digest as 64 lower-case hex digits.
std::string sha256_hex(std::string_view bytes);

}  // namespace entratool::support
