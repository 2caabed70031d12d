#pragma once
// Proof Key for Code Exchange (RFC 7636, S256) and random values (state, assertion ids), for the
// sign-in and client authentication services. Randomness from the kernel (getrandom).

#include <string>
#include <string_view>

#include "entratool/sdk/status.h"

namespace entratool::host {

/// A code verifier and its S256 challenge.
struct Pkce {
  std::string verifier;   ///< 43 characters of base64url (32 random bytes); a secret until redeemed
  std::string challenge;  ///< base64url(SHA-256(verifier))
};

/// `count` random bytes from the kernel (getrandom).
sdk::Result<std::string> random_bytes(std::size_t count);

/// `bytes` random bytes from the kernel (getrandom), base64url-encoded without padding.
sdk::Result<std::string> random_urlsafe(std::size_t bytes);

/// The S256 challenge of a verifier.
std::string s256_challenge(std::string_view verifier);

/// A fresh verifier (32 random bytes) and its challenge.
sdk::Result<Pkce> make_pkce();

}  // namespace entratool::host
