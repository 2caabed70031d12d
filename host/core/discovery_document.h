#pragma once
// An OpenID provider's discovery document (OpenID Connect Discovery 1.0,
// {issuer}/.well-known/openid-configuration): the endpoints entratool takes from it, read and
// checked without any I/O, so a fuzz target can call parse_discovery_document() directly.

#include <string>
#include <string_view>

#include "entratool/sdk/status.h"

namespace entratool::host {

/// The endpoints of a provider named by its issuer. Only `token` is required.
struct ProviderEndpoints {
  std::string issuer;                ///< exactly as the document (and the profile) names it
  std::string token;                 ///< token_endpoint
  std::string device_authorization;  ///< device_authorization_endpoint; empty: no device code flow
  std::string authorization;         ///< authorization_endpoint; empty: no browser sign-in
  bool operator==(const ProviderEndpoints& o) const {
    return issuer == o.issuer && token == o.token && device_authorization == o.device_authorization &&
           authorization == o.authorization;
  }
  bool operator!=(const ProviderEndpoints& o) const { return !(*this == o); }
};

/// Reads `body` as the discovery document of `expected_issuer` (fetched from `url`, which messages
/// name). Errors say what to check: not a JSON object, or a missing/non-string token_endpoint →
/// ErrorCategory::network ("the provider's answer is unusable"); an `issuer` member that differs
/// from `expected_issuer` by even one character, or an endpoint that is not https:// (http:// only
/// on a loopback host) → ErrorCategory::general (a configuration to fix). Never throws.
sdk::Result<ProviderEndpoints> parse_discovery_document(std::string_view body, std::string_view expected_issuer,
                                                        std::string_view url);

}  // namespace entratool::host
