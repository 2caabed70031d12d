#pragma once
// The two primitives plugin trust needs on every command under a "pinned" or "signed" policy:
// SHA-256 of a library and Ed25519 verification of a bundle's signature. They are linked into the
// executable (OpenSSL's SHA-256, which uses the CPU's SHA extensions, and libsodium's Ed25519,
// both from Debian's static archives), so checking a plugin loads no shared library: loading
// libcrypto.so costs more than hashing a 1 MB plugin. Signing (`plugins bundle create`) and
// everything else that needs OpenSSL stays in modules/crypto. See docs/enterprise.md "Cost".

#include <array>
#include <string_view>

namespace entratool::host::trust_crypto {

/// SHA-256 of `data`.
std::array<unsigned char, 32> sha256(std::string_view data);

/// Whether `signature` (64 bytes) is a valid Ed25519 signature (RFC 8032) of `message` by
/// `public_key` (32 raw bytes). Wrong sizes are simply invalid.
bool ed25519_verify(std::string_view public_key, std::string_view message, std::string_view signature);

}  // namespace entratool::host::trust_crypto
