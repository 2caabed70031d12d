#pragma once
/// \file flow.h
/// An OAuth2 grant: turns a profile's settings and credentials into a TokenResponse.

#include <chrono>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "entratool/sdk/host_services.h"
#include "entratool/sdk/status.h"
#include "entratool/sdk/token.h"

namespace entratool::sdk {

/// How the client proves who it is at the token endpoint.
enum class ClientAuth {
  none,         ///< public client (device code, interactive browser)
  secret,       ///< client_secret: HTTP Basic or form body (settings "client_auth")
  certificate,  ///< private_key_jwt assertion (RFC 7523) from certificate + key or a PFX
};

/// Everything a flow needs for one acquisition. Built by the host from the profile, flags,
/// environment and the secret store; the secrets in it live only for this call.
struct FlowRequest {
  std::string profile_name;
  std::string client_id;
  std::string tenant;
  std::vector<std::string> scopes;        ///< normalised, in request order
  std::string token_endpoint;             ///< {authority}/{tenant}/oauth2/v2.0/token
  std::string device_code_endpoint;       ///< {authority}/{tenant}/oauth2/v2.0/devicecode
  std::string authorize_endpoint;         ///< {authority}/{tenant}/oauth2/v2.0/authorize
  std::string redirect_uri;               ///< empty: the flow chooses (loopback, ephemeral port)
  std::string ca_bundle;                  ///< extra CA file for HttpRequest::ca_bundle

  ClientAuth client_auth = ClientAuth::none;
  std::string client_secret;              ///< secret; set when client_auth == secret
  std::string certificate_path;           ///< PEM certificate, or the PFX file
  std::string private_key_path;           ///< PEM private key; empty with a PFX
  std::string certificate_password;       ///< secret; PFX or encrypted-key password

  std::string refresh_token;              ///< secret; for the "refresh" flow
  bool open_browser = true;               ///< false with --no-browser: print the URL instead

  /// Profile settings a flow may read, e.g. "client_auth" = "basic"|"body",
  /// "assertion_alg" = "PS256"|"RS256", "send_x5c" = "true".
  std::map<std::string, std::string> settings;

  /// The whole acquisition must finish before this instant (exit 5 otherwise).
  std::chrono::steady_clock::time_point deadline;
};

/// Flows are stateless between calls; the host owns the instance.
class Flow {
 public:
  virtual ~Flow() = default;
  /// Performs the grant. Provider refusals are ErrorCategory::auth_failed with the provider's
  /// `error`, the AADSTS code when present and a hint; transport problems are network/timeout.
  virtual Result<TokenResponse> acquire(const FlowRequest& request, HostServices& services) = 0;
};

}  // namespace entratool::sdk
