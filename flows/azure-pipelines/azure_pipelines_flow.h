#pragma once
// Azure Pipelines OIDC federation (AzurePipelinesCredential): POST
// $SYSTEM_OIDCREQUESTURI?api-version=7.1&serviceConnectionId=ID with "Authorization: Bearer
// $SYSTEM_ACCESSTOKEN" answers {"oidcToken": JWT}, the client assertion of a client credentials
// request. The service connection comes from the profile's service_connection_id or
// AZURESUBSCRIPTION_SERVICE_CONNECTION_ID. Requested again for every acquisition. Neither the
// access token nor the ID token is ever logged or put in a message.

#include "entratool/sdk/flow.h"

namespace entratool::flows {

class AzurePipelinesFlow final : public sdk::Flow {
 public:
  sdk::Result<sdk::TokenResponse> acquire(const sdk::FlowRequest& request, sdk::HostServices& services) override;
};

}  // namespace entratool::flows
