#pragma once
// A user sign-in in the browser (sdk::SignIn, lent to plugins through HostServices::sign_in()):
// PKCE S256, a random state, the one-shot loopback listener (loopback_listener.h), the authorize
// URL, the browser (or the URL printed), and the wait for the redirect (RFC 8252). The flow
// redeems the code itself (with the token endpoint and client authentication services).

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "entratool/sdk/flow.h"
#include "entratool/sdk/host_services.h"
#include "entratool/sdk/status.h"

namespace entratool::host {

/// The authorize endpoint URL with every parameter form-encoded.
std::string authorize_url(std::string_view endpoint, const std::vector<std::pair<std::string, std::string>>& params);

/// sdk::SignIn over the host's console, browser and clock. Opens no network connection of its
/// own (only the loopback listener), so it never loads the network module.
class SignInService final : public sdk::SignIn {
 public:
  explicit SignInService(sdk::HostServices& services);

  /// request.redirect_uri empty: http://127.0.0.1:<free port>/; else it must be a loopback http
  /// URI (its port, or any port when it has none). Sends client_id, response_type=code,
  /// redirect_uri, response_mode=query, scope (`scopes` space-joined, as given), state,
  /// code_challenge (S256), prompt=select_account, then `extra` (e.g. login_hint, domain_hint;
  /// an extra "prompt" replaces select_account; the parameters the service sets itself are
  /// refused as general errors). Status lines through the console; with request.open_browser false
  /// (or when the browser cannot start) the URL is printed as a notice. Errors: auth_failed
  /// (error redirect, with the provider's error as code(); wrong state), timeout ("the browser
  /// did not respond"), general (cancelled, redirect URI not loopback, port taken, no authorize
  /// endpoint).
  sdk::Result<sdk::SignInResult> sign_in(const sdk::FlowRequest& request, const std::vector<std::string>& scopes,
                                         const sdk::Form& extra) override;

 private:
  sdk::HostServices& services_;
};

}  // namespace entratool::host
