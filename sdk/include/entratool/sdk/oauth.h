#pragma once
/// \file oauth.h
/// OAuth2 token-endpoint helpers every flow shares (SDK support library): sending a token request
/// with bounded retries inside the acquisition deadline, reading the response, and turning a
/// provider's refusal into a one-line Status with a hint.
///
/// Error categories, decided once here so every flow behaves alike:
/// - the provider answered with an OAuth error (`{"error": …}`, HTTP 4xx): ErrorCategory::auth_failed,
///   "<error>: <AADSTS… description> Hint: …";
/// - HTTP 429/5xx still failing after the retries, or a response that is not the JSON it should be
///   (HTML page, truncated or invalid JSON, no access_token, bad expires_in): ErrorCategory::network,
///   "the token endpoint returned an unusable response: …";
/// - the deadline passed (including a Retry-After that reaches past it): ErrorCategory::timeout.
/// Messages never contain the request's secrets. Stateless; safe to call from any thread.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "entratool/sdk/flow.h"
#include "entratool/sdk/host_services.h"
#include "entratool/sdk/status.h"
#include "entratool/sdk/token.h"

namespace entratool::sdk::oauth {

using Form = std::vector<std::pair<std::string, std::string>>;

/// How post_token_request retries HTTP 429 and 5xx answers.
struct RetryPolicy {
  int max_attempts = 4;                          ///< attempts in all, the first included
  std::chrono::milliseconds first_backoff{500};  ///< wait before the 2nd attempt; doubles after
  std::chrono::milliseconds max_backoff{8000};   ///< cap on one wait (Retry-After is honoured beyond it)
};

/// Sends `request` (normally a POST with a form), retrying 429/5xx responses with exponential
/// backoff or the server's Retry-After, never past `deadline` (monotonic, services.clock()).
/// Each attempt's timeout is the time left. Returns the last response whatever its status; errors
/// only for transport failures (network/timeout) and a deadline that leaves no room to retry.
Result<HttpResponse> post_token_request(HostServices& services, HttpRequest request,
                                        std::chrono::steady_clock::time_point deadline, const RetryPolicy& policy = {});

/// The same for a flow: POSTs `form` (+ `headers`) to request.token_endpoint with its CA bundle,
/// within request.deadline.
Result<HttpResponse> post_token_request(HostServices& services, const FlowRequest& request, Form form,
                                        Headers headers = {}, const RetryPolicy& policy = {});

/// A Retry-After value, delay-seconds or an HTTP date, as a wait from `now`; nullopt if malformed.
std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value,
                                                           std::chrono::system_clock::time_point now);

/// Reads a successful token response. expires_in may be a number or a numeric string (Entra's v1
/// endpoint); when absent, the access token's own `exp` is used if it is a JWT, else one hour.
/// `scope` absent means the requested scopes were granted.
Result<TokenResponse> parse_token_response(std::string_view body, const std::vector<std::string>& requested_scopes,
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

/// The Status for a non-2xx token endpoint response (see the categories above).
Status error_status(const HttpResponse& response);

/// post_token_request + parse_token_response / error_status: the whole token call of a flow.
Result<TokenResponse> request_token(HostServices& services, const FlowRequest& request, Form form, Headers headers = {},
                                    const RetryPolicy& policy = {});

}  // namespace entratool::sdk::oauth
