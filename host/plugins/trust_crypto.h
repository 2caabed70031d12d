#pragma once
// The two primitives plugin trust needs under a "pinned" or "signed" policy: SHA-256 of a library
// and Ed25519 verification of a bundle's signature. They run in lib/entratool/entratool-trust.so
// (host/modules/trust, a C boundary), loaded on the first call only: a process that checks
// nothing maps no crypto code at all and runs no CPU-feature probe at start-up. Signing (`plugins
// bundle create`) and everything else that needs OpenSSL stays in modules/crypto. See
// docs/enterprise.md "What checking costs".
//
// If the module cannot be used (missing, not owned by root or the user, not loadable, another
// interface version) every call fails with a one-line message ending "; reinstall entratool",
// and the failure is remembered: a check that needs it fails closed, never "trusted anyway".
// Thread-safe.

#include <array>
#include <string>
#include <string_view>

#include "entratool/sdk/status.h"

namespace entratool::host::trust_crypto {

/// SHA-256 of `data`.
sdk::Result<std::array<unsigned char, 32>> sha256(std::string_view data);

/// Whether `signature` (64 bytes) is a valid Ed25519 signature (RFC 8032) of `message` by
/// `public_key` (32 raw bytes). Wrong sizes are simply invalid (false); an error only when the
/// module cannot be used.
sdk::Result<bool> ed25519_verify(std::string_view public_key, std::string_view message, std::string_view signature);

/// Where the module is loaded from: <exe>/../lib/entratool/entratool-trust.so unless
/// set_module_path_for_testing() chose another file before the first call.
std::string module_path();
void set_module_path_for_testing(std::string path);

}  // namespace entratool::host::trust_crypto
