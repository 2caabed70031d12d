#include "github_actions_flow.h"

#include <cstdlib>
#include <string>

#include "entratool/support/encoding.h"
#include "entratool/support/grants.h"
#include "entratool/support/json.h"
#include "entratool/support/scopes.h"

namespace entratool::flows {

namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

// The job's ID token for `audience`.
sdk::Result<std::string> fetch_id_token(const sdk::FlowRequest& request, sdk::HostServices& services,
                                        const std::string& audience) {
  const std::string url = env("ACTIONS_ID_TOKEN_REQUEST_URL"), token = env("ACTIONS_ID_TOKEN_REQUEST_TOKEN");
  if (url.empty() || token.empty())
    return sdk::Status::general(
        "GitHub Actions OIDC needs ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN: give the job "
        "'permissions: id-token: write'");
  sdk::HttpRequest http;
  http.method = "GET";
  http.url = url + (url.find('?') == std::string::npos ? "?" : "&") + "audience=" + support::form_urlencode(audience);
  http.headers = {{"Authorization", "Bearer " + token}, {"Accept", "application/json"}};
  http.timeout = support::time_left(request, services);
  http.ca_bundle = request.ca_bundle;
  auto response = services.http().send(http);
  if (!response) {
    if (response.status().category() == sdk::ErrorCategory::timeout)
      return sdk::Status::timeout("timed out waiting for GitHub's ID token endpoint (ACTIONS_ID_TOKEN_REQUEST_URL)");
    return sdk::Status::network("cannot reach GitHub's ID token endpoint (ACTIONS_ID_TOKEN_REQUEST_URL): " +
                                response.status().message());
  }
  const std::string http_status = "HTTP " + std::to_string(response->status);
  if (response->status == 401 || response->status == 403)
    return sdk::Status::auth_failed("GitHub refused the ID token request (" + http_status +
                                    "): check that the job has 'permissions: id-token: write' and that "
                                    "ACTIONS_ID_TOKEN_REQUEST_TOKEN belongs to this job");
  if (response->status < 200 || response->status > 299)
    return sdk::Status::network("GitHub's ID token endpoint answered " + http_status + "; try again later");
  auto body = support::json::parse(response->body);
  const support::json::Value* value = body && body->is_object() ? body->find("value") : nullptr;
  if (!value || !value->is_string() || value->text().empty())
    return sdk::Status::network("GitHub's ID token endpoint returned an unusable response (no \"value\" in it)");
  return value->text();
}

}  // namespace

sdk::Result<sdk::TokenResponse> GitHubActionsFlow::acquire(const sdk::FlowRequest& request,
                                                           sdk::HostServices& services) {
  if (request.scopes.empty())
    return sdk::Status::general("GitHub Actions OIDC needs a scope, e.g. https://management.azure.com/.default");
  auto it = request.settings.find("audience");
  const std::string audience =
      it != request.settings.end() && !it->second.empty() ? it->second : kDefaultFederatedAudience;
  auto assertion = fetch_id_token(request, services, audience);  // every time: it lives minutes
  if (!assertion) return assertion.status();
  services.logger().log(sdk::LogLevel::debug,
                        "github actions: ID token for audience " + audience + ", POST " + request.token_endpoint);
  return support::redeem_client_assertion(request, services, *assertion);
}

}  // namespace entratool::flows
