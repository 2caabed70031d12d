#pragma once
/// \file flow.h
/// An OAuth2 grant, as a C++ interface (header-only; crosses the boundary as et_flow).

#include <chrono>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "entratool/sdk/host_services.h"
#include "entratool/sdk/status.h"
#include "entratool/sdk/token.h"

namespace entratool::sdk {

/// How the profile's client authenticates; HostServices::client_auth() applies it.
enum class ClientAuthMethod {
  none,         ///< public client
  secret,       ///< client_secret
  certificate,  ///< private_key_jwt assertion (RFC 7523)
};

/// Everything a flow needs for one acquisition, built by the host. It holds no client secret
/// or key: client_auth() adds credentials, secrets() reads the secrets the flow declared.
struct FlowRequest {
  std::string profile_name;
  std::string client_id;            ///< empty when the flow declares it needs none
  std::string tenant;               ///< empty when the flow declares it needs none
  std::vector<std::string> scopes;  ///< normalised, in request order
  std::string token_endpoint;
  std::string device_code_endpoint;
  std::string authorize_endpoint;
  std::string redirect_uri;  ///< empty: the sign-in service chooses
  std::string ca_bundle;     ///< extra CA file for HTTP requests
  ClientAuthMethod client_auth = ClientAuthMethod::none;
  bool open_browser = true;   ///< false with --no-browser
  std::string refresh_token;  ///< secret; for a flow that redeems refresh tokens
  /// Profile settings and the profile fields the flow declared, e.g. "client_auth",
  /// "assertion_alg", "send_x5c".
  std::map<std::string, std::string> settings;
  /// The whole acquisition must finish before this instant (on HostServices::clock().monotonic()).
  std::chrono::steady_clock::time_point deadline;
  /// The host's handle for this acquisition; services that act on the request use it.
  const void* acquisition = nullptr;
};

/// Flows are stateless between calls; the plugin owns the instance until exit.
class Flow {
 public:
  virtual ~Flow() = default;
  /// Performs the grant. Provider refusals are auth_failed (as the token endpoint service maps
  /// them); transport problems network/timeout. Exceptions become errors in the adapter.
  virtual Result<TokenResponse> acquire(const FlowRequest& request, HostServices& services) = 0;
  /// Another interface this component offers beyond this one, by id with a version suffix
  /// ("vendor.vault.rotate/1"; CLAP's get_extension), or nullptr. What it returns is a C struct
  /// starting with its size, owned by the plugin and valid until exit.
  virtual const void* extension(std::string_view /*id*/) const { return nullptr; }
};

}  // namespace entratool::sdk
