#pragma once
/// \file authorize.h
/// The browser half of an authorization-code sign-in with PKCE, shared by the interactive-browser
/// and authorization-code flows: listener, authorize URL, browser (or printed URL), redirect.
/// Both redeem the code the same way; they differ in what they require of the profile.

#include <string>
#include <string_view>
#include <vector>

#include "entratool/sdk/flow.h"
#include "entratool/sdk/host_services.h"
#include "entratool/sdk/status.h"
#include "entratool/sdk/token.h"

namespace entratool::loopback {

/// Scopes for a user sign-in: the request's, plus openid, profile and offline_access (so a
/// refresh token is issued) unless already present. Order kept, duplicates dropped.
std::vector<std::string> user_flow_scopes(const std::vector<std::string>& scopes);

/// Space-joined scopes, as the scope parameter wants them.
std::string join_scopes(const std::vector<std::string>& scopes);

/// The authorize endpoint URL with every parameter form-encoded.
std::string authorize_url(std::string_view endpoint, const std::vector<std::pair<std::string, std::string>>& params);

/// What the browser step yields: the code to redeem and the values the redemption must repeat.
struct AuthorizationCode {
  std::string code;           ///< secret
  std::string redirect_uri;   ///< exactly as sent in the authorize request
  std::string code_verifier;  ///< secret
};

/// Runs the browser step. `redirect_uri` empty: http://127.0.0.1:<free port>/; else it must be a
/// loopback http URI (its port, or any port when it has none). Status lines through the console;
/// with request.open_browser false (or when the browser cannot start) the URL is printed as a
/// notice. Errors: auth_failed (error redirect, wrong state), timeout ("browser did not
/// respond"), general (cancelled, redirect URI not loopback, port taken).
sdk::Result<AuthorizationCode> sign_in_with_browser(const sdk::FlowRequest& request, sdk::HostServices& services,
                                                    std::string_view redirect_uri);

/// Redeems the code at the token endpoint with its PKCE verifier and the user-flow scopes,
/// authenticating the client as the request says (none for a public client, else its secret or
/// certificate).
sdk::Result<sdk::TokenResponse> redeem_authorization_code(const sdk::FlowRequest& request, sdk::HostServices& services,
                                                          const AuthorizationCode& signed_in);

}  // namespace entratool::loopback
