#pragma once
/// \file client_auth.h
/// How a flow proves the client's identity at the token endpoint (flows/common, linked into each
/// flow plugin). Stateless; safe from any thread. Messages never contain a secret.

#include <chrono>
#include <string>
#include <string_view>

#include "entratool/sdk/flow.h"
#include "entratool/sdk/oauth.h"
#include "entratool/sdk/status.h"

namespace entratool::flows {

/// "Basic " + base64(form_urlencode(id) ":" form_urlencode(secret)), as RFC 6749 §2.3.1 requires.
std::string basic_authorization(std::string_view client_id, std::string_view client_secret);

/// Adds the client's credentials to a token request, by request.client_auth:
/// - none: client_id in the form;
/// - secret: an Authorization: Basic header (settings "client_auth" = "basic", the default) or
///   client_id + client_secret in the form ("client_auth" = "body");
/// - certificate: client_id, client_assertion_type and a fresh client_assertion (make_client_assertion).
/// Errors: ErrorCategory::general for unusable settings or credentials (unreadable certificate,
/// wrong password, missing secret).
sdk::Status apply_client_auth(const sdk::FlowRequest& request, sdk::oauth::Form& form, sdk::Headers& headers,
                              std::chrono::system_clock::time_point now);

/// A signed RFC 7523 client assertion for request.token_endpoint: iss = sub = client id, aud =
/// token endpoint, unique jti, nbf = iat = now, exp = now + 10 minutes. Settings: "assertion_alg"
/// PS256 (default, header x5t#S256) or RS256 (header x5t, SHA-1); "send_x5c" = "true" adds the
/// certificate chain (subject name/issuer authentication).
sdk::Result<std::string> make_client_assertion(const sdk::FlowRequest& request,
                                               std::chrono::system_clock::time_point now);

}  // namespace entratool::flows
