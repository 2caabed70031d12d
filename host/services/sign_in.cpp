#include "services/sign_in.h"

#include <algorithm>
#include <cstring>
#include <string_view>

#include "core/acquisition.h"
#include "entratool/support/encoding.h"
#include "entratool/support/json.h"
#include "entratool/support/scopes.h"
#include "services/loopback_listener.h"
#include "services/pkce.h"

namespace entratool::host {

namespace {

// Set by the service; a flow's `extra` may not change them (state and PKCE protect the sign-in).
constexpr const char* kReserved[] = {"client_id", "response_type", "redirect_uri",   "response_mode",
                                     "scope",     "state",         "code_challenge", "code_challenge_method"};

// ", or use -f <flow>" for an installed flow that signs in without a browser (from the
// manifests, through the acquisition), else nothing.
std::string browserless_advice(const sdk::FlowRequest& request) {
  const Acquisition* a = current_acquisition(request);
  if (!a || a->browserless_flow.empty()) return {};
  return ", or use --flow " + a->browserless_flow;
}

std::string printable(std::string_view s) {
  std::string out;
  for (char c : s) out += (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? ' ' : c;
  if (out.size() > 400) out = out.substr(0, 400) + "...";
  return out;
}

std::string html_unescape(std::string s) {
  static const std::pair<const char*, const char*> kEntities[] = {{"&#39;", "'"}, {"&quot;", "\""}, {"&lt;", "<"},
                                                                  {"&gt;", ">"},  {"&#x27;", "'"},  {"&amp;", "&"}};
  for (const auto& [entity, text] : kEntities)
    for (auto at = s.find(entity); at != std::string::npos; at = s.find(entity, at + 1))
      s.replace(at, std::strlen(entity), text);
  return s;
}

// The provider's own words from an error answer: {"error","error_description"} (oidc-provider
// and others answer JSON to a non-browser Accept), else an AADSTS line from an HTML page.
std::pair<std::string, std::string> authorize_error(const sdk::HttpResponse& response) {
  if (auto doc = support::json::parse(response.body); doc && doc->is_object()) {
    const support::json::Value* e = doc->find("error");
    const support::json::Value* d = doc->find("error_description");
    if (e && e->is_string()) return {printable(e->text()), d && d->is_string() ? printable(d->text()) : std::string()};
  }
  // oidc-provider's default error page: <pre><strong>error</strong>: invalid_redirect_uri</pre>
  // (what the regex <strong>(error|error_description)</strong>:\s*([^<]*) matches, each match;
  // scanned by hand: std::regex constructs a std::locale, which the host links none of, output.h).
  const std::string_view body = response.body;
  std::pair<std::string, std::string> found;
  constexpr std::string_view kOpen = "<strong>",
                             kError = "error</strong>:", kDescription = "error_description</strong>:";
  for (auto at = body.find(kOpen); at != std::string_view::npos; at = body.find(kOpen, at + 1)) {
    std::string_view rest = body.substr(at + kOpen.size());
    const bool error = rest.substr(0, kError.size()) == kError;
    if (!error && rest.substr(0, kDescription.size()) != kDescription) continue;
    rest.remove_prefix(error ? kError.size() : kDescription.size());
    rest.remove_prefix(std::min(rest.size(), rest.find_first_not_of(" \t\n\v\f\r")));
    (error ? found.first : found.second) = printable(html_unescape(std::string(rest.substr(0, rest.find('<')))));
  }
  if (!found.first.empty()) return found;
  // The first AADSTS[0-9]+:[^<"]* (Entra's HTML pages).
  for (auto at = body.find("AADSTS"); at != std::string_view::npos; at = body.find("AADSTS", at + 1)) {
    auto end = at + 6;
    while (end < body.size() && body[end] >= '0' && body[end] <= '9') ++end;
    if (end == at + 6 || end == body.size() || body[end] != ':') continue;
    end = body.find_first_of("<\"", end + 1);
    return {"", printable(html_unescape(std::string(body.substr(at, end == std::string_view::npos ? end : end - at))))};
  }
  return {};
}

}  // namespace

sdk::Status check_authorize_request(sdk::HostServices& services, const std::string& url,
                                    const sdk::FlowRequest& request, const std::string& redirect_uri) {
  sdk::HttpRequest probe;
  probe.method = "GET";
  probe.url = url;
  probe.headers = {{"Accept", "application/json"}};
  probe.ca_bundle = request.ca_bundle;
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(request.deadline - services.clock().monotonic());
  probe.timeout = std::clamp(left, std::chrono::milliseconds(1), std::chrono::milliseconds(10000));
  auto response = services.http().send(probe);
  if (!response) {
    // The browser may reach what this process cannot (another proxy): let it try.
    services.logger().log(sdk::LogLevel::debug, "authorize request not checked: " + response.status().message());
    return sdk::Status::ok();
  }
  if (response->status < 400) return sdk::Status::ok();
  auto [error, description] = authorize_error(*response);
  std::string message = "the provider refused the sign-in request (HTTP " + std::to_string(response->status) + ")";
  if (!error.empty()) message += ": " + error;
  if (!description.empty()) message += (error.empty() ? ": " : " - ") + description;
  if (error == "invalid_redirect_uri" || description.find("AADSTS50011") != std::string::npos)
    message += "; register exactly " + redirect_uri +
               " (any port) as a redirect URI of the application, or set the "
               "profile's --redirect-uri to one that is registered";
  return sdk::Status::error(sdk::ErrorCategory::auth_failed, message, error.empty() ? "authorize_refused" : error);
}

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
    return sdk::Status::general(
        "no authorize endpoint is known for this profile (an OpenID provider must list authorization_endpoint in its "
        "discovery document)");
  // Entra's account picker (MSAL's default); other providers get no prompt unless a flow asks.
  const Acquisition* acquisition = current_acquisition(request);
  std::string prompt = acquisition && !acquisition->issuer.empty() ? "" : "select_account";
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
      {"client_id", request.client_id},        {"response_type", "code"},
      {"redirect_uri", result.redirect_uri},   {"response_mode", "query"},
      {"scope", support::join_scopes(scopes)}, {"state", *state},
      {"code_challenge", pkce->challenge},     {"code_challenge_method", "S256"},
  };
  if (!prompt.empty()) params.emplace_back("prompt", prompt);
  for (auto& p : more) params.push_back(std::move(p));
  const std::string url = authorize_url(request.authorize_endpoint, params);

  // A provider that refuses the request itself shows the browser an error page and never
  // redirects: ask it first, so its error shows here instead of a wait until the timeout.
  if (auto s = check_authorize_request(services_, url, request, result.redirect_uri); !s) return s;

  sdk::Console& console = services_.console();
  bool print_url = !request.open_browser;
  if (!print_url) {
    console.status("Opening browser for authentication...");
    if (!redirect_uri.empty()) console.status("Redirect URI: " + result.redirect_uri);
    if (auto s = services_.browser().open(url); !s) {
      console.notice("entratool: " + s.message() + "; open the URL below yourself" + browserless_advice(request));
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
