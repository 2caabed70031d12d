// Plugin entry of the workload-identity flow.
#include <memory>

#include "entratool/sdk/plugin.h"
#include "workload_identity_flow.h"

namespace {

entratool::sdk::Status register_flows(entratool::sdk::Registrar& registrar) {
  return registrar.add_flow("workload-identity", std::make_unique<entratool::flows::WorkloadIdentityFlow>());
}

}  // namespace

ENTRATOOL_PLUGIN(register_flows)
