#pragma once
// The secrets a flow declared in its manifest ("secrets"), lent through HostServices::secrets().
// What may be read and how is the current acquisition's (core/acquisition.h): its
// declared_secrets and read_secret.

#include <optional>
#include <string>
#include <string_view>

#include "entratool/sdk/flow.h"
#include "entratool/sdk/host_services.h"

namespace entratool::host {

class SecretsService final : public sdk::Secrets {
 public:
  /// A name in current_acquisition(request)->declared_secrets, read with its read_secret
  /// (nullopt when absent). Anything else is a general error naming the secret and saying the
  /// flow must declare it in its manifest; a request that is not the current acquisition's
  /// gets nothing.
  sdk::Result<std::optional<std::string>> get(const sdk::FlowRequest& request, std::string_view name) override;
};

}  // namespace entratool::host
