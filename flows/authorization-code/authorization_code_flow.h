#pragma once
// The web-application variant of the authorization code grant: the profile's registered loopback
// redirect URI, PKCE, and the client's secret or certificate to redeem the code.

#include "entratool/sdk/flow.h"

namespace entratool::flows {

class AuthorizationCodeFlow final : public sdk::Flow {
 public:
  /// Fails before opening anything when the profile has no redirect URI, when it is not a
  /// loopback http URI, or when the profile has neither a secret nor a certificate.
  sdk::Result<sdk::TokenResponse> acquire(const sdk::FlowRequest& request, sdk::HostServices& services) override;
};

}  // namespace entratool::flows
