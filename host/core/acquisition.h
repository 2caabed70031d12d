#pragma once
// What the host knows about one acquisition that no plugin may see: the client's credentials and
// how to read the secrets the flow declared. sdk::FlowRequest::acquisition points to the one
// current Acquisition while a flow runs; the host services that act on a request (client
// authentication, secrets) find it through current_acquisition(), which refuses any other pointer
// (a plugin hands the request back to us, and we do not trust a pointer we did not make).
// Not thread-safe: one acquisition at a time, on the main thread.

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "entratool/sdk/flow.h"
#include "entratool/sdk/status.h"

namespace entratool::host {

struct Acquisition {
  std::string profile_name;
  sdk::ClientAuthMethod client_auth = sdk::ClientAuthMethod::none;
  std::string client_id;
  std::string client_secret;                    ///< secret; set when client_auth == secret
  std::string certificate_path;                 ///< PEM certificate (with or without its key), or a PFX
  std::string private_key_path;                 ///< PEM key; empty with a PFX or a combined PEM
  std::string certificate_password;             ///< secret; PFX or encrypted-key password
  std::map<std::string, std::string> settings;  ///< "client_auth", "assertion_alg", "send_x5c", ...
  /// The secrets the flow declared (manifest "secrets"); the Secrets service serves only these.
  std::vector<std::string> declared_secrets;
  /// Reads one declared secret (store or environment); absent is nullopt.
  std::function<sdk::Result<std::optional<std::string>>(std::string_view name)> read_secret;
  /// A flow that signs a person in without a browser here (its manifest: interactive, not
  /// browser), for advice when a browser sign-in cannot work; empty when none is installed.
  std::string browserless_flow;
  /// The user's whole budget as they gave it ("2s", "1m30s"), for timeout messages.
  std::string timeout_text;
  /// A claims request (get-token --claims, JSON) the token endpoint service adds to every token
  /// request of this acquisition; empty: none.
  std::string claims;
  /// The OpenID issuer of an issuer profile: run_flow() fills the request's endpoints from its
  /// discovery document, and the token endpoint service gives no Entra (AADSTS) advice. Empty:
  /// Entra's URL layout, endpoints already set.
  std::string issuer;

  /// Forgets the secrets held here (called as soon as the flow returns).
  void clear_secrets() {
    client_secret.assign(client_secret.size(), '\0');
    client_secret.clear();
    certificate_password.assign(certificate_password.size(), '\0');
    certificate_password.clear();
  }
};

/// Makes `a` the current acquisition while alive, and `request.acquisition` point to it.
class ScopedAcquisition {
 public:
  ScopedAcquisition(Acquisition& a, sdk::FlowRequest& request);
  ~ScopedAcquisition();
  ScopedAcquisition(const ScopedAcquisition&) = delete;
  ScopedAcquisition& operator=(const ScopedAcquisition&) = delete;

 private:
  Acquisition* previous_;
};

/// The acquisition `request` belongs to, or nullptr when its handle is not the current one.
Acquisition* current_acquisition(const sdk::FlowRequest& request);

}  // namespace entratool::host
