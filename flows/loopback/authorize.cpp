#include "entratool/loopback/authorize.h"

#include <algorithm>

#include "entratool/flows/client_auth.h"
#include "entratool/loopback/loopback_listener.h"
#include "entratool/loopback/pkce.h"
#include "entratool/sdk/oauth.h"
#include "entratool/support/encoding.h"

namespace entratool::loopback {

std::vector<std::string> user_flow_scopes(const std::vector<std::string>& scopes) {
  std::vector<std::string> out;
  auto add = [&out](const std::string& s) {
    if (!s.empty() && std::find(out.begin(), out.end(), s) == out.end()) out.push_back(s);
  };
  for (const auto& s : scopes) add(s);
  // What MSAL sends with every user sign-in; offline_access is what yields a refresh token.
  for (const char* s : {"openid", "profile", "offline_access"}) add(s);
  return out;
}

std::string join_scopes(const std::vector<std::string>& scopes) {
  std::string out;
  for (const auto& s : scopes) out += (out.empty() ? "" : " ") + s;
  return out;
}

std::string authorize_url(std::string_view endpoint, const std::vector<std::pair<std::string, std::string>>& params) {
  std::string url(endpoint);
  url += url.find('?') == std::string::npos ? '?' : '&';
  url += support::form_urlencode(params);
  return url;
}

sdk::Result<AuthorizationCode> sign_in_with_browser(const sdk::FlowRequest& request, sdk::HostServices& services,
                                                    std::string_view redirect_uri) {
  RedirectTarget target;
  if (!redirect_uri.empty()) {
    auto parsed = parse_loopback_redirect(redirect_uri);
    if (!parsed) return parsed.status();
    target = std::move(*parsed);
  }
  if (request.authorize_endpoint.empty())
    return sdk::Status::general("no authorize endpoint is known for this profile");
  auto listener = LoopbackListener::open(target);
  if (!listener) return listener.status();
  auto pkce = make_pkce();
  if (!pkce) return pkce.status();
  auto state = random_urlsafe(16);
  if (!state) return state.status();

  AuthorizationCode result;
  result.redirect_uri = (*listener)->redirect_uri();
  result.code_verifier = pkce->verifier;
  const std::string url =
      authorize_url(request.authorize_endpoint, {
                                                    {"client_id", request.client_id},
                                                    {"response_type", "code"},
                                                    {"redirect_uri", result.redirect_uri},
                                                    {"response_mode", "query"},
                                                    {"scope", join_scopes(user_flow_scopes(request.scopes))},
                                                    {"state", *state},
                                                    {"code_challenge", pkce->challenge},
                                                    {"code_challenge_method", "S256"},
                                                    {"prompt", "select_account"},
                                                });

  sdk::Console& console = services.console();
  bool print_url = !request.open_browser;
  if (!print_url) {
    console.status("Opening browser for authentication...");
    if (!redirect_uri.empty()) console.status("Redirect URI: " + result.redirect_uri);
    if (auto s = services.browser().open(url); !s) {
      console.notice("entratool: " + s.message());
      print_url = true;
    }
  }
  if (print_url) {
    console.notice("Open this URL in a browser on this machine to sign in:");
    console.notice("  " + url);
    console.notice("Waiting for the sign-in to reach " + result.redirect_uri + " ...");
  }

  auto callback = (*listener)->wait(*state, request.deadline, services.clock());
  if (!callback) {
    if (callback.status().category() == sdk::ErrorCategory::timeout)
      return sdk::Status::timeout("the browser did not respond: " + callback.status().message() +
                                  " before the timeout (--timeout). Finish signing in sooner, check the application's "
                                  "redirect URI and that the local port is not blocked, or use --flow device-code");
    return callback.status();
  }
  if (!callback->error.empty()) {
    std::string message = "sign-in failed: " + callback->error;
    if (!callback->error_description.empty()) message += ": " + callback->error_description;
    if (callback->error == "access_denied") message += " (the sign-in or the consent was declined)";
    return sdk::Status::auth_failed(message);
  }
  console.status("\u2713 Authorization code received");
  result.code = std::move(callback->code);
  return result;
}

sdk::Result<sdk::TokenResponse> redeem_authorization_code(const sdk::FlowRequest& request, sdk::HostServices& services,
                                                          const AuthorizationCode& signed_in) {
  sdk::oauth::Form form = {
      {"grant_type", "authorization_code"},
      {"code", signed_in.code},
      {"redirect_uri", signed_in.redirect_uri},
      {"code_verifier", signed_in.code_verifier},
      {"scope", join_scopes(user_flow_scopes(request.scopes))},
  };
  sdk::Headers headers;
  if (auto s = flows::apply_client_auth(request, form, headers, services.clock().now()); !s) return s;
  return sdk::oauth::request_token(services, request, std::move(form), std::move(headers));
}

}  // namespace entratool::loopback
