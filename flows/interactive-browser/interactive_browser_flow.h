#pragma once
// The interactive-browser flow: a public client signs the user in through the browser and
// redeems the code with its PKCE verifier (RFC 8252: native apps, loopback redirect).

#include "entratool/sdk/flow.h"

namespace entratool::flows {

class InteractiveBrowserFlow final : public sdk::Flow {
 public:
  /// The host's sign-in with the user-flow scopes, then the code redeemed with the verifier; a
  /// public client sends only its id, a profile with a secret or certificate uses it.
  sdk::Result<sdk::TokenResponse> acquire(const sdk::FlowRequest& request, sdk::HostServices& services) override;
};

}  // namespace entratool::flows
