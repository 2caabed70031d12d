// Plugin entry of the managed-identity flow.
#include <memory>

#include "entratool/sdk/plugin.h"
#include "managed_identity_flow.h"

namespace {

entratool::sdk::Status register_flows(entratool::sdk::Registrar& registrar) {
  return registrar.add_flow("managed-identity", std::make_unique<entratool::flows::ManagedIdentityFlow>());
}

}  // namespace

ENTRATOOL_PLUGIN(register_flows)
