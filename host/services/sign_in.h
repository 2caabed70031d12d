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

/// GETs the authorize URL once without following its redirect (Accept: application/json): an
/// answer of 400 or more means the provider refuses the request outright (unknown client, a
/// redirect URI it does not have registered), which a browser would only show as an error page.
/// Returns auth_failed with the provider's error (as code()) and description; ok when it
/// accepts or cannot be reached from here (the browser may still reach it).
sdk::Status check_authorize_request(sdk::HostServices& services, const std::string& url,
                                    const sdk::FlowRequest& request, const std::string& redirect_uri);

/// sdk::SignIn over the host's console, browser, clock and HTTP client (one GET of the authorize
/// URL, check_authorize_request, before the browser opens).
class SignInService final : public sdk::SignIn {
 public:
  explicit SignInService(sdk::HostServices& services);

  /// request.redirect_uri empty: http://127.0.0.1:<free port>/; else it must be a loopback http
  /// URI (its port, or any port when it has none). Sends client_id, response_type=code,
  /// redirect_uri, response_mode=query, scope (`scopes` space-joined, as given), state,
  /// code_challenge (S256), prompt=select_account, then `extra` (e.g. login_hint, domain_hint;
  /// an extra "prompt" replaces select_account; the parameters the service sets itself are
  /// refused as general errors). The authorize URL is checked first (check_authorize_request).
  /// Status lines through the console; with request.open_browser false
  /// (or when the browser cannot start) the URL is printed as a notice. Errors: auth_failed
  /// (error redirect or refused authorize request, with the provider's error as code()), timeout ("the browser
  /// did not respond"), general (cancelled, redirect URI not loopback, port taken, no authorize
  /// endpoint).
  sdk::Result<sdk::SignInResult> sign_in(const sdk::FlowRequest& request, const std::vector<std::string>& scopes,
                                         const sdk::Form& extra) override;

 private:
  sdk::HostServices& services_;
};

}  // namespace entratool::host
