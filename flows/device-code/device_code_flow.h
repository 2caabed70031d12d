#pragma once
// The device authorization grant (RFC 8628) as Entra ID runs it: ask for a user code, show it,
// poll the token endpoint until the user has signed in somewhere else.

#include "entratool/sdk/flow.h"

namespace entratool::flows {

class DeviceCodeFlow final : public sdk::Flow {
 public:
  /// Polls at the provider's `interval` (5 s when absent), +5 s on slow_down; stops on
  /// access_denied / expired_token / any other error (auth_failed), at the deadline or the code's
  /// expiry (timeout), or on Ctrl-C (general, "cancelled").
  sdk::Result<sdk::TokenResponse> acquire(const sdk::FlowRequest& request, sdk::HostServices& services) override;
};

}  // namespace entratool::flows
