#pragma once
// Where token requests go: the authority host (flag, cloud, profile, environment, default), the
// Entra endpoint layout under it, and the CA bundle that verifies it. Plain http:// is accepted
// only for loopback hosts, so a local test provider works and nothing else can leak a secret.

#include <string>
#include <string_view>

#include "entratool/sdk/status.h"

namespace entratool::host {

/// The public cloud's authority host, used when nothing else names one.
inline constexpr std::string_view kDefaultAuthorityHost = "https://login.microsoftonline.com";

/// The candidates for the authority host, highest precedence first; empty means "not given".
struct AuthoritySources {
  std::string flag_host;     ///< --authority-host
  std::string flag_cloud;    ///< --cloud public|usgov|china
  std::string profile_host;  ///< the profile's authority_host
  std::string env_host;      ///< $AZURE_AUTHORITY_HOST
};

/// The authority host of a named cloud: public, usgov, china (case-insensitive; a few common
/// aliases such as "azureusgovernment" are accepted). Unknown names are a general error listing them.
sdk::Result<std::string> cloud_authority_host(std::string_view cloud);

/// True for localhost, 127.0.0.0/8 and ::1 (with or without brackets).
bool is_loopback_host(std::string_view host);

/// Checks and normalises an authority URL: a scheme-less host gets https://; the scheme and host
/// are lower-cased; a trailing '/' is dropped; a path prefix is kept; query, fragment and user
/// info are refused; http:// is refused unless the host is loopback. `what` names the source in errors.
sdk::Result<std::string> normalise_authority_host(std::string_view url, std::string_view what);

/// The host to use: --authority-host, else --cloud, else the profile's, else $AZURE_AUTHORITY_HOST,
/// else kDefaultAuthorityHost. Giving both --authority-host and --cloud is an error.
sdk::Result<std::string> resolve_authority_host(const AuthoritySources& sources);

/// Checks that a tenant can be put in a URL path: letters, digits, '.', '-', '_' only.
sdk::Status check_tenant_for_url(std::string_view tenant);

/// The Entra v2 endpoints under an authority host.
struct Endpoints {
  std::string token;        ///< {host}/{tenant}/oauth2/v2.0/token
  std::string device_code;  ///< {host}/{tenant}/oauth2/v2.0/devicecode
  std::string authorize;    ///< {host}/{tenant}/oauth2/v2.0/authorize
};
/// `authority_host` must come from normalise_authority_host; `tenant` must pass check_tenant_for_url.
Endpoints entra_endpoints(std::string_view authority_host, std::string_view tenant);

/// Checks an OpenID issuer URL (a profile's `issuer`, --issuer) and returns it trimmed of surrounding
/// whitespace but otherwise exactly as given (the discovery document must name the same string):
/// https://, or http:// for a loopback host only; a host; no query, fragment, user info, space or
/// control character. `what` names the source in errors.
sdk::Result<std::string> check_issuer(std::string_view issuer, std::string_view what);

/// {issuer}/.well-known/openid-configuration (OpenID Connect Discovery 1.0 §4; a trailing '/' of the
/// issuer is not doubled).
std::string discovery_url(std::string_view issuer);

/// The extra CA file: --ca-bundle, else the profile's, else $ENTRATOOL_CA_BUNDLE, else
/// $SSL_CERT_FILE, else "" (system CAs only). A named file that cannot be read is an error.
sdk::Result<std::string> resolve_ca_bundle(std::string_view flag_value, std::string_view profile_value);

}  // namespace entratool::host
