#pragma once
// Workload identity federation (azure-identity's WorkloadIdentityCredential): a client
// credentials request whose client assertion is a token the platform writes to a file
// (AZURE_FEDERATED_TOKEN_FILE, or the profile's federated_token_file). The file is read on every
// acquisition, never kept, since the platform rotates it; its content is never logged or shown.

#include <string>

#include "entratool/sdk/flow.h"

namespace entratool::flows {

class WorkloadIdentityFlow final : public sdk::Flow {
 public:
  sdk::Result<sdk::TokenResponse> acquire(const sdk::FlowRequest& request, sdk::HostServices& services) override;
};

/// The assertion in `path`, whitespace trimmed. Errors (general) say which file and what to check;
/// they never quote its content.
sdk::Result<std::string> read_federated_token(const std::string& path);

}  // namespace entratool::flows
