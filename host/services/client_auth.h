#pragma once
// Client authentication at a token endpoint (sdk::ClientAuthenticator, lent to plugins through
// HostServices::client_auth()). The credentials come from the current acquisition
// (core/acquisition.h), never from the request: a flow asks for them to be applied and never
// handles the key. Messages never contain a secret.

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "entratool/sdk/flow.h"
#include "entratool/sdk/host_services.h"
#include "entratool/sdk/status.h"
#include "services/signer.h"

namespace entratool::host {

/// "Basic " + base64(form_urlencode(id) ":" form_urlencode(secret)), as RFC 6749 §2.3.1 requires.
std::string basic_authorization(std::string_view client_id, std::string_view client_secret);

/// A signed RFC 7523 client assertion: iss = sub = `client_id`, aud = `audience`, unique jti,
/// nbf = iat = now, exp = now + 10 minutes. `alg` "PS256" (header x5t#S256) or "RS256" (header
/// x5t, SHA-1); `send_x5c` adds the certificate chain (subject name/issuer authentication).
sdk::Result<std::string> make_client_assertion(Signer& signer, std::string_view alg, bool send_x5c,
                                               std::string_view client_id, std::string_view audience,
                                               std::chrono::system_clock::time_point now);

class ClientAuthService final : public sdk::ClientAuthenticator {
 public:
  /// `services` gives the clock (assertion times); `signers` makes the certificate signer
  /// (default: certificate_signer_for, the profile's PEM/PFX files through the crypto module).
  explicit ClientAuthService(sdk::HostServices& services, SignerFactory signers = {});

  /// By request.client_auth:
  /// - none: client_id in the form (no acquisition needed);
  /// - secret: an Authorization: Basic header (setting "client_auth" = "basic", the default) or
  ///   client_id + client_secret in the form ("client_auth" = "body");
  /// - certificate: client_id, client_assertion_type and a fresh client_assertion for `audience`
  ///   (empty: request.token_endpoint); settings "assertion_alg" PS256 (default) | RS256 and
  ///   "send_x5c" true.
  /// Secrets, certificate files and settings come from host::current_acquisition(request)
  /// (its settings first, then request.settings); a request that is not the current
  /// acquisition's gets no credentials. Errors: general for unusable settings or credentials
  /// (unreadable certificate, wrong password, missing secret).
  sdk::Status apply(const sdk::FlowRequest& request, std::string_view audience, sdk::Form& form,
                    sdk::Headers& headers) override;

 private:
  sdk::HostServices& services_;
  SignerFactory signers_;
};

}  // namespace entratool::host
