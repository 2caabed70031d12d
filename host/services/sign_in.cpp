#include "services/sign_in.h"

#include <algorithm>

#include "core/acquisition.h"
#include "services/loopback_listener.h"
#include "services/pkce.h"
#include "entratool/support/encoding.h"
#include "entratool/support/scopes.h"

namespace entratool::host {

namespace {

// Set by the service; a flow's `extra` may not change them (state and PKCE protect the sign-in).
constexpr const char* kReserved[] = {"client_id",      "response_type",         "redirect_uri", "response_mode",
                                     "scope",          "state",                 "code_challenge",
                                     "code_challenge_method"};

// ", or use -f <flow>" for an installed flow that signs in without a browser (from the
// manifests, through the acquisition), else nothing.
std::string browserless_advice(const sdk::FlowRequest& request) {
  const Acquisition* a = current_acquisition(request);
  if (!a || a->browserless_flow.empty()) return {};
  return ", or use --flow " + a->browserless_flow;
}

}  // namespace

std::string authorize_url(std::string_view endpoint, const std::vector<std::pair<std::string, std::string>>& params) {
  std::string url(endpoint);
  url += url.find('?') == std::string::npos ? '?' : '&';
  url += support::form_urlencode(params);
  return url;
}

SignInService::SignInService(sdk::HostServices& services) : services_(services) {}

sdk::Result<sdk::SignInResult> SignInService::sign_in(const sdk::FlowRequest& request,
                                                      const std::vector<std::string>& scopes, const sdk::Form& extra) {
  const std::string& redirect_uri = request.redirect_uri;
  RedirectTarget target;
  if (!redirect_uri.empty()) {
    auto parsed = parse_loopback_redirect(redirect_uri);
    if (!parsed) return parsed.status();
    target = std::move(*parsed);
  }
  if (request.authorize_endpoint.empty())
    return sdk::Status::general("no authorize endpoint is known for this profile");
  std::string prompt = "select_account";
  std::vector<std::pair<std::string, std::string>> more;
  for (const auto& [name, value] : extra) {
    if (std::find(std::begin(kReserved), std::end(kReserved), name) != std::end(kReserved))
      return sdk::Status::general("the sign-in sets the authorize parameter '" + name + "' itself");
    if (name == "prompt")
      prompt = value;
    else
      more.emplace_back(name, value);
  }
  auto listener = LoopbackListener::open(target);
  if (!listener) return listener.status();
  auto pkce = make_pkce();
  if (!pkce) return pkce.status();
  auto state = random_urlsafe(16);
  if (!state) return state.status();

  sdk::SignInResult result;
  result.redirect_uri = (*listener)->redirect_uri();
  result.code_verifier = pkce->verifier;
  std::vector<std::pair<std::string, std::string>> params = {
      {"client_id", request.client_id},
      {"response_type", "code"},
      {"redirect_uri", result.redirect_uri},
      {"response_mode", "query"},
      {"scope", support::join_scopes(scopes)},
      {"state", *state},
      {"code_challenge", pkce->challenge},
      {"code_challenge_method", "S256"},
  };
  if (!prompt.empty()) params.emplace_back("prompt", prompt);
  for (auto& p : more) params.push_back(std::move(p));
  const std::string url = authorize_url(request.authorize_endpoint, params);

  sdk::Console& console = services_.console();
  bool print_url = !request.open_browser;
  if (!print_url) {
    console.status("Opening browser for authentication...");
    if (!redirect_uri.empty()) console.status("Redirect URI: " + result.redirect_uri);
    if (auto s = services_.browser().open(url); !s) {
      console.notice("entratool: " + s.message());
      print_url = true;
    }
  }
  if (print_url) {
    console.notice("Open this URL in a browser on this machine to sign in:");
    console.notice("  " + url);
    console.notice("Waiting for the sign-in to reach " + result.redirect_uri + " ...");
  }

  auto callback = (*listener)->wait(*state, request.deadline, services_.clock());
  if (!callback) {
    if (callback.status().category() == sdk::ErrorCategory::timeout)
      return sdk::Status::timeout("the browser did not respond: " + callback.status().message() +
                                  " before the timeout (--timeout). Finish signing in sooner, check the application's "
                                  "redirect URI and that the local port is not blocked" +
                                  browserless_advice(request));
    return callback.status();
  }
  if (!callback->error.empty()) {
    std::string message = "sign-in failed: " + callback->error;
    if (!callback->error_description.empty()) message += ": " + callback->error_description;
    if (callback->error == "access_denied") message += " (the sign-in or the consent was declined)";
    return sdk::Status::error(sdk::ErrorCategory::auth_failed, message, callback->error);
  }
  console.status("\u2713 Authorization code received");
  result.code = std::move(callback->code);
  return result;
}

}  // namespace entratool::host
