// Plugin entry of the client-credentials flow.
#include <memory>

#include "client_credentials_flow.h"
#include "entratool/sdk/plugin.h"

namespace {

entratool::sdk::Status register_flows(entratool::sdk::Registrar& registrar) {
  return registrar.add_flow("client-credentials", std::make_unique<entratool::flows::ClientCredentialsFlow>());
}

}  // namespace

ENTRATOOL_PLUGIN(register_flows)
