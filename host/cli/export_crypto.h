#pragma once
// Passphrase encryption for `config export/import` and PFX password checks. The work happens in
// the entratool-crypto module (OpenSSL), loaded on first use from <exe>/../lib/entratool/, so the
// entratool binary itself does not link OpenSSL.

#include <string>
#include <string_view>

#include "entratool/sdk/status.h"

namespace entratool::host::export_crypto {

/// AES-256-GCM with a scrypt key (parameters in the header). The result is binary.
sdk::Result<std::string> seal(std::string_view passphrase, std::string_view plain);
/// Reverses seal(); a wrong passphrase or a modified file is a general error saying so.
sdk::Result<std::string> open(std::string_view passphrase, std::string_view sealed);
/// Ok when the PKCS#12 data opens with `password` and holds a certificate and a key.
sdk::Status check_pfx(std::string_view data, std::string_view password);

/// Text armor for pasting: the first line kArmorHeader, then base64 in 64-column lines.
inline constexpr std::string_view kArmorHeader = "entratool-profile-export v1";
std::string armor(std::string_view binary);
/// Reverses armor(); errors say what is wrong with the text.
sdk::Result<std::string> dearmor(std::string_view text);

}  // namespace entratool::host::export_crypto
