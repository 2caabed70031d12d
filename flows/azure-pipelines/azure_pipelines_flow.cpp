#include "azure_pipelines_flow.h"

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

sdk::Result<std::string> fetch_oidc_token(const sdk::FlowRequest& request, sdk::HostServices& services) {
  const std::string uri = env("SYSTEM_OIDCREQUESTURI"), token = env("SYSTEM_ACCESSTOKEN");
  auto it = request.settings.find("service_connection_id");
  const std::string connection =
      it != request.settings.end() && !it->second.empty() ? it->second : env("AZURESUBSCRIPTION_SERVICE_CONNECTION_ID");
  if (uri.empty())
    return sdk::Status::general("Azure Pipelines OIDC needs SYSTEM_OIDCREQUESTURI: run inside a pipeline job");
  if (token.empty())
    return sdk::Status::general(
        "Azure Pipelines OIDC needs SYSTEM_ACCESSTOKEN: map it into the step with "
        "'env: SYSTEM_ACCESSTOKEN: $(System.AccessToken)'");
  if (connection.empty())
    return sdk::Status::general(
        "Azure Pipelines OIDC needs a service connection: set "
        "AZURESUBSCRIPTION_SERVICE_CONNECTION_ID or create the profile with "
        "--service-connection-id");
  sdk::HttpRequest http;
  http.method = "POST";
  http.url = uri + (uri.find('?') == std::string::npos ? "?" : "&") +
             "api-version=7.1&serviceConnectionId=" + support::form_urlencode(connection);
  http.headers = {{"Authorization", "Bearer " + token}, {"Accept", "application/json"}};
  http.content_type = "application/json";
  http.timeout = support::time_left(request, services);
  http.ca_bundle = request.ca_bundle;
  auto response = services.http().send(http);
  if (!response) {
    if (response.status().category() == sdk::ErrorCategory::timeout)
      return sdk::Status::timeout("timed out waiting for the pipeline's OIDC endpoint (SYSTEM_OIDCREQUESTURI)");
    return sdk::Status::network("cannot reach the pipeline's OIDC endpoint (SYSTEM_OIDCREQUESTURI): " +
                                response.status().message());
  }
  const std::string http_status = "HTTP " + std::to_string(response->status);
  if (response->status == 401 || response->status == 403)
    return sdk::Status::auth_failed("Azure DevOps refused the OIDC token request (" + http_status +
                                    "): check that SYSTEM_ACCESSTOKEN is this job's $(System.AccessToken)");
  if (response->status == 404)
    return sdk::Status::auth_failed("Azure DevOps does not know the service connection '" + connection + "' (" +
                                    http_status + "): check its id and that the pipeline may use it");
  if (response->status < 200 || response->status > 299)
    return sdk::Status::network("the pipeline's OIDC endpoint answered " + http_status + "; try again later");
  auto body = support::json::parse(response->body);
  const support::json::Value* value = body && body->is_object() ? body->find("oidcToken") : nullptr;
  if (!value || !value->is_string() || value->text().empty())
    return sdk::Status::network("the pipeline's OIDC endpoint returned an unusable response (no \"oidcToken\" in it)");
  return value->text();
}

}  // namespace

sdk::Result<sdk::TokenResponse> AzurePipelinesFlow::acquire(const sdk::FlowRequest& request,
                                                            sdk::HostServices& services) {
  if (request.scopes.empty())
    return sdk::Status::general("Azure Pipelines OIDC needs a scope, e.g. https://management.azure.com/.default");
  auto assertion = fetch_oidc_token(request, services);
  if (!assertion) return assertion.status();
  services.logger().log(sdk::LogLevel::debug, "azure pipelines: POST " + request.token_endpoint);
  return support::redeem_client_assertion(request, services, *assertion);
}

}  // namespace entratool::flows
