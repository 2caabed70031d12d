#pragma once
// The refresh_token grant (RFC 6749 §6) as its own flow: the host runs it silently when a cached
// user token is too old, and for `entratool refresh`.

#include "entratool/sdk/flow.h"

namespace entratool::flows {

class RefreshFlow final : public sdk::Flow {
 public:
  /// Redeems request.refresh_token for the request's scopes (plus offline_access), with the
  /// client's secret or certificate when the profile has one. A refused refresh token is
  /// auth_failed with code() "invalid_grant" and a message starting so. A response without a new refresh token
  /// means the old one stays valid: it is returned in the result.
  sdk::Result<sdk::TokenResponse> acquire(const sdk::FlowRequest& request, sdk::HostServices& services) override;
};

}  // namespace entratool::flows
