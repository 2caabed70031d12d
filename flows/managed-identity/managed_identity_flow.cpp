#include "managed_identity_flow.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>

#include "entratool/support/encoding.h"
#include "entratool/support/json.h"

namespace entratool::flows {

namespace {

using std::chrono::milliseconds;

constexpr const char* kImdsHost = "http://169.254.169.254";
constexpr milliseconds kFirstBackoff{500};
constexpr milliseconds kMaxBackoff{8000};
constexpr int kMaxAttempts = 6;

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

bool retryable(int status) { return status == 404 || status == 410 || status == 429 || status >= 500; }

std::optional<long long> seconds_value(const support::json::Value* v) {
  if (!v) return std::nullopt;
  if (v->is_number()) return v->as_int();
  if (!v->is_string() || v->text().empty() || v->text().size() > 12) return std::nullopt;
  const std::string& s = v->text();
  if (!std::all_of(s.begin(), s.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }))
    return std::nullopt;
  return std::stoll(s);
}

// The endpoint's own words for a refusal (`error_description`, else `error`, else `message`), one line.
std::string reason_of(const std::string& body) {
  auto v = support::json::parse(body);
  if (!v || !v->is_object()) return {};
  std::string text = v->get_string("error_description");
  if (text.empty()) text = v->get_string("message");
  if (text.empty()) text = v->get_string("error");
  std::string out;
  for (char c : text) {
    if (c == '\r' || c == '\n') break;
    out += static_cast<unsigned char>(c) < 0x20 ? ' ' : c;
  }
  return out.size() > 300 ? out.substr(0, 300) + "…" : out;
}

}  // namespace

sdk::Result<std::string> managed_identity_resource(const std::vector<std::string>& scopes) {
  if (scopes.size() != 1)
    return sdk::Status::general(
        "a managed identity token is for one resource: give one scope, e.g. "
        "https://management.azure.com/.default");
  std::string resource = scopes.front();
  const std::string suffix = "/.default";
  if (resource.size() > suffix.size() && resource.compare(resource.size() - suffix.size(), suffix.size(), suffix) == 0)
    resource.resize(resource.size() - suffix.size());
  return resource;
}

sdk::Result<sdk::TokenResponse> parse_managed_identity_token(const std::string& body,
                                                             const std::vector<std::string>& scopes,
                                                             std::chrono::system_clock::time_point now) {
  auto v = support::json::parse(body);
  if (!v || !v->is_object())
    return sdk::Status::network("the managed identity endpoint returned an unusable response (not JSON)");
  sdk::TokenResponse t;
  t.access_token = v->get_string("access_token");
  if (t.access_token.empty())
    return sdk::Status::network("the managed identity endpoint returned an unusable response (no access_token)");
  if (auto type = v->get_string("token_type"); !type.empty()) t.token_type = type;
  if (auto on = seconds_value(v->find("expires_on"))) {
    t.expires_at = std::chrono::system_clock::time_point(std::chrono::seconds(*on));
  } else if (auto in = seconds_value(v->find("expires_in"))) {
    t.expires_at = now + std::chrono::seconds(*in);
  } else {
    return sdk::Status::network(
        "the managed identity endpoint returned an unusable response (no expires_on or "
        "expires_in)");
  }
  t.scopes = scopes;
  return t;
}

sdk::Result<sdk::TokenResponse> ManagedIdentityFlow::acquire(const sdk::FlowRequest& request,
                                                             sdk::HostServices& services) {
  auto resource = managed_identity_resource(request.scopes);
  if (!resource) return resource.status();
  auto setting = [&](const char* key) {
    auto it = request.settings.find(key);
    return it == request.settings.end() ? std::string() : it->second;
  };
  const std::string object_id = setting("object_id"), resource_id = setting("resource_id");

  const std::string identity_endpoint = env("IDENTITY_ENDPOINT"), identity_header = env("IDENTITY_HEADER");
  if (!identity_endpoint.empty() && identity_header.empty())
    return sdk::Status::general(
        "IDENTITY_ENDPOINT is set but IDENTITY_HEADER is not: turn the App Service's managed "
        "identity on again, or unset IDENTITY_ENDPOINT to use IMDS");
  const bool app_service = !identity_endpoint.empty();
  sdk::HttpRequest http;
  http.method = "GET";
  std::string query;
  if (app_service) {
    query = "api-version=2019-08-01&resource=" + support::form_urlencode(*resource);
    if (!request.client_id.empty()) query += "&client_id=" + support::form_urlencode(request.client_id);
    if (!object_id.empty()) query += "&principal_id=" + support::form_urlencode(object_id);
    if (!resource_id.empty()) query += "&mi_res_id=" + support::form_urlencode(resource_id);
    http.url = identity_endpoint + (identity_endpoint.find('?') == std::string::npos ? "?" : "&") + query;
    http.headers = {{"X-IDENTITY-HEADER", identity_header}};
  } else {
    std::string host = env("AZURE_POD_IDENTITY_AUTHORITY_HOST");
    if (host.empty()) host = kImdsHost;
    while (!host.empty() && host.back() == '/') host.pop_back();
    query = "api-version=2018-02-01&resource=" + support::form_urlencode(*resource);
    if (!request.client_id.empty()) query += "&client_id=" + support::form_urlencode(request.client_id);
    if (!object_id.empty()) query += "&object_id=" + support::form_urlencode(object_id);
    if (!resource_id.empty()) query += "&msi_res_id=" + support::form_urlencode(resource_id);
    http.url = host + "/metadata/identity/oauth2/token?" + query;
    http.headers = {{"Metadata", "true"}};
  }
  http.headers.emplace_back("Accept", "application/json");
  const std::string where =
      app_service ? "the App Service identity endpoint (IDENTITY_ENDPOINT)" : "the instance metadata service (IMDS)";
  services.logger().log(sdk::LogLevel::debug, "managed identity: GET " + where + " for " + *resource);

  sdk::Clock& clock = services.clock();
  const auto deadline = request.deadline == std::chrono::steady_clock::time_point{}
                            ? clock.monotonic() + std::chrono::seconds(60)
                            : request.deadline;
  milliseconds backoff = kFirstBackoff;
  for (int attempt = 1;; ++attempt) {
    auto now = clock.monotonic();
    if (now >= deadline) return sdk::Status::timeout("timed out waiting for " + where + " (raise --timeout?)");
    http.timeout = std::max(milliseconds(1), std::chrono::duration_cast<milliseconds>(deadline - now));
    auto response = services.http().send(http);
    if (!response) {
      if (response.status().category() == sdk::ErrorCategory::timeout)
        return sdk::Status::timeout("timed out waiting for " + where + " (raise --timeout?)");
      return sdk::Status::network("cannot reach " + where + ": " + response.status().message() +
                                  "; is this an Azure resource with a managed identity?");
    }
    const int status = response->status;
    if (status >= 200 && status <= 299)
      return parse_managed_identity_token(response->body, request.scopes, clock.now());
    const std::string reason = reason_of(response->body);
    const std::string said = "HTTP " + std::to_string(status) + (reason.empty() ? "" : ": " + reason);
    if (!retryable(status)) {
      if (status == 400 || status == 401 || status == 403)
        return sdk::Status::auth_failed(
            std::string(where) + " refused the request (" + said +
            "); check that the identity is assigned to this resource and that --client-id, --object-id or "
            "--resource-id names it");
      return sdk::Status::network(std::string(where) + " answered " + said);
    }
    milliseconds wait = std::min(backoff, kMaxBackoff);
    backoff *= 2;
    if (auto retry_after = response->header("Retry-After");
        !retry_after.empty() &&
        std::all_of(retry_after.begin(), retry_after.end(),
                    [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }) &&
        retry_after.size() < 6)
      wait = std::chrono::seconds(std::stoi(retry_after));
    if (attempt >= kMaxAttempts || clock.monotonic() + wait >= deadline)
      return sdk::Status::network(std::string(where) + " is unavailable (" + said + ") after " +
                                  std::to_string(attempt) + (attempt == 1 ? " attempt" : " attempts") +
                                  " within --timeout");
    services.console().status("The managed identity endpoint answered HTTP " + std::to_string(status) +
                              "; retrying in " + std::to_string((wait.count() + 999) / 1000) + " s...");
    clock.sleep_for(wait);
    if (clock.cancelled()) return sdk::Status::error(sdk::ErrorCategory::general, "cancelled", sdk::codes::kCancelled);
  }
}

}  // namespace entratool::flows
