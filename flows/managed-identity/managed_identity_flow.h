#pragma once
// Azure managed identity, as azure-identity's ManagedIdentityCredential does it:
// - App Service / Functions when IDENTITY_ENDPOINT and IDENTITY_HEADER are set: GET
//   $IDENTITY_ENDPOINT?api-version=2019-08-01&resource=R with "X-IDENTITY-HEADER: $IDENTITY_HEADER";
// - else IMDS: GET {AZURE_POD_IDENTITY_AUTHORITY_HOST or http://169.254.169.254}/metadata/identity/
//   oauth2/token?api-version=2018-02-01&resource=R with "Metadata: true".
// R is the one scope without "/.default". A user-assigned identity is picked by the profile's
// client id, object_id or resource_id. expires_in/expires_on arrive as strings. 404, 410, 429
// and 5xx are retried with exponential backoff (or Retry-After) inside the deadline, as IMDS
// documents. The identity header's value is never logged or shown.

#include <string>
#include <vector>

#include "entratool/sdk/flow.h"

namespace entratool::flows {

class ManagedIdentityFlow final : public sdk::Flow {
 public:
  sdk::Result<sdk::TokenResponse> acquire(const sdk::FlowRequest& request, sdk::HostServices& services) override;
};

/// The resource for `scopes`: exactly one scope, "/.default" dropped. Errors say what to pass.
sdk::Result<std::string> managed_identity_resource(const std::vector<std::string>& scopes);

/// Reads an identity endpoint's token response (numbers or numeric strings for expires_*).
sdk::Result<sdk::TokenResponse> parse_managed_identity_token(const std::string& body,
                                                             const std::vector<std::string>& scopes,
                                                             std::chrono::system_clock::time_point now);

}  // namespace entratool::flows
