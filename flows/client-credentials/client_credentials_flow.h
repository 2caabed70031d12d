#pragma once
// The client credentials grant (RFC 6749 §4.4): the application authenticates as itself with a
// secret or a certificate assertion (both applied by the host) and gets an app-only token for
// `<resource>/.default` scopes.

#include "entratool/sdk/flow.h"

namespace entratool::flows {

class ClientCredentialsFlow final : public sdk::Flow {
 public:
  /// Refuses, before any request, a profile without a token endpoint, scopes, or a secret or
  /// certificate; then one token request (the host retries 429/5xx).
  sdk::Result<sdk::TokenResponse> acquire(const sdk::FlowRequest& request, sdk::HostServices& services) override;
};

}  // namespace entratool::flows
