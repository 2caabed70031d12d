#pragma once
// The token endpoint exchange every flow shares (sdk::TokenEndpoint, lent to plugins through
// HostServices::token_endpoint()): sending a token request with bounded retries inside the
// acquisition deadline, reading the response, and turning a provider's refusal into a one-line
// Status with a hint and a machine-readable code.
//
// Error categories, decided once here so every flow behaves alike:
// - the provider answered with an OAuth error (`{"error": …}`, HTTP 4xx): ErrorCategory::auth_failed,
//   "<error>: <AADSTS… description> Hint: …", with code() = the OAuth `error` (e.g. "invalid_grant",
//   "authorization_pending", "slow_down", "expired_token", "access_denied");
// - HTTP 429/5xx still failing after the retries, or a response that is not the JSON it should be
//   (HTML page, truncated or invalid JSON, no access_token, bad expires_in): ErrorCategory::network,
//   "the token endpoint returned an unusable response: …" (code() = the OAuth `error` when the
//   body carried one);
// - the deadline passed (including a Retry-After that reaches past it): ErrorCategory::timeout.
// Messages never contain the request's secrets. Not thread-safe (it uses the host's services).

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "entratool/sdk/flow.h"
#include "entratool/sdk/host_services.h"
#include "entratool/sdk/status.h"
#include "entratool/sdk/token.h"

namespace entratool::host {

/// How the token endpoint service retries HTTP 429 and 5xx answers.
struct RetryPolicy {
  int max_attempts = 4;                          ///< attempts in all, the first included
  std::chrono::milliseconds first_backoff{500};  ///< wait before the 2nd attempt; doubles after
  std::chrono::milliseconds max_backoff{8000};   ///< cap on one wait (Retry-After is honoured beyond it)
};

/// Sends `request` (normally a POST with a form) through services.http(), retrying 429/5xx
/// responses with exponential backoff or the server's Retry-After, never past `deadline`
/// (monotonic, services.clock()). Each attempt's timeout is the time left. Returns the last
/// response whatever its status; errors only for transport failures (network/timeout), a
/// deadline that leaves no room to retry, and Ctrl-C ("cancelled"). `timeout_text` (the user's
/// --timeout, e.g. "2s") is what a timeout message names; empty: the time this call waited.
sdk::Result<sdk::HttpResponse> post_with_retries(sdk::HostServices& services, sdk::HttpRequest request,
                                                 std::chrono::steady_clock::time_point deadline,
                                                 const RetryPolicy& policy = {}, const std::string& timeout_text = {});

/// An HTTP date (IMF-fixdate, RFC 9110: "Sun, 06 Nov 1994 08:49:37 GMT") as seconds since the
/// epoch, in integers so that years past 2262 do not wrap; nullopt if malformed.
std::optional<long long> parse_http_date(std::string_view value);

/// A Retry-After value, delay-seconds or an HTTP date, as a wait from `now`; nullopt if malformed.
std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value,
                                                           std::chrono::system_clock::time_point now);

/// Reads a successful token response. expires_in may be a number or a numeric string (Entra's v1
/// endpoint); when absent, the access token's own `exp` is used if it is a JWT, else one hour.
/// `scope` absent means the requested scopes were granted.
sdk::Result<sdk::TokenResponse> parse_token_response(std::string_view body,
                                                     const std::vector<std::string>& requested_scopes,
                                                     std::chrono::system_clock::time_point now);

/// An OAuth error response's fields.
struct ProviderError {
  std::string error;        ///< e.g. "invalid_client", "authorization_pending"
  std::string description;  ///< first line of error_description, control characters removed
  std::string aadsts;       ///< "AADSTS7000215" when the description carries a code, else empty
};

/// The OAuth error in a response body, if it is JSON with a string "error" member.
std::optional<ProviderError> parse_error(std::string_view body);

/// One line of advice for a known AADSTS code or OAuth error, or empty.
std::string hint_for(const ProviderError& error);

/// The Status for a non-2xx token endpoint response (see the categories above). HTTP 404 is always
/// ErrorCategory::network with code() = "not_found" (the URL is wrong or has moved). `entra`
/// false (an issuer profile): no AADSTS advice and no mention of tenants.
sdk::Status error_status(const sdk::HttpResponse& response, bool entra = true);

/// sdk::TokenEndpoint over the host's services. Uses services.http() only when a request is
/// sent (so the network module is loaded only then), services.clock() for the deadline and
/// waits, services.console() for the "retrying" status line, services.logger() for debug lines.
class TokenEndpointService final : public sdk::TokenEndpoint {
 public:
  explicit TokenEndpointService(sdk::HostServices& services, RetryPolicy policy = {});

  /// POSTs `form` (+ `headers`, + Accept: application/json) to `url` (empty:
  /// request.token_endpoint) with request.ca_bundle, within request.deadline (unset: 60 s from
  /// now). The body of a 2xx answer, else error_status() of the last answer.
  sdk::Result<std::string> post(const sdk::FlowRequest& request, std::string_view url, const sdk::Form& form,
                                const sdk::Headers& headers) override;
  /// post() to request.token_endpoint, then parse_token_response() with request.scopes.
  sdk::Result<sdk::TokenResponse> request_token(const sdk::FlowRequest& request, const sdk::Form& form,
                                                const sdk::Headers& headers) override;

 private:
  sdk::HostServices& services_;
  RetryPolicy policy_;
};

}  // namespace entratool::host
