#pragma once
// GitHub Actions OIDC federation (azure/login's way): GET $ACTIONS_ID_TOKEN_REQUEST_URL&audience=…
// with "Authorization: Bearer $ACTIONS_ID_TOKEN_REQUEST_TOKEN" answers {"value": JWT}, which is
// the client assertion of a client credentials request. Fetched again for every acquisition, so a
// job longer than the ID token's few minutes never presents an expired one (AADSTS700024).
// Neither the request token nor the ID token is ever logged or put in a message.

#include "entratool/sdk/flow.h"

namespace entratool::flows {

/// The audience Entra's federated credentials expect unless the profile's "audience" setting says otherwise.
inline constexpr const char* kDefaultFederatedAudience = "api://AzureADTokenExchange";

class GitHubActionsFlow final : public sdk::Flow {
 public:
  sdk::Result<sdk::TokenResponse> acquire(const sdk::FlowRequest& request, sdk::HostServices& services) override;
};

}  // namespace entratool::flows
