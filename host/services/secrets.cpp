#include "services/secrets.h"

#include <algorithm>

#include "core/acquisition.h"

namespace entratool::host {

sdk::Result<std::optional<std::string>> SecretsService::get(const sdk::FlowRequest& request, std::string_view name) {
  const Acquisition* a = current_acquisition(request);
  if (!a)
    return sdk::Status::general("the secret '" + std::string(name) +
                                "' is not available to this request (it does not belong to the current acquisition)");
  const auto& declared = a->declared_secrets;
  if (std::find(declared.begin(), declared.end(), name) == declared.end())
    return sdk::Status::general("the flow asked for the secret '" + std::string(name) +
                                "', which it does not declare; a flow must declare the secrets it reads in its "
                                "manifest (\"secrets\" in its flow declarations)");
  if (!a->read_secret) return std::optional<std::string>();
  return a->read_secret(name);
}

}  // namespace entratool::host
