// Plugin entry of the azure-pipelines flow.
#include <memory>

#include "azure_pipelines_flow.h"
#include "entratool/sdk/plugin.h"

namespace {

entratool::sdk::Status register_flows(entratool::sdk::Registrar& registrar) {
  return registrar.add_flow("azure-pipelines", std::make_unique<entratool::flows::AzurePipelinesFlow>());
}

}  // namespace

ENTRATOOL_PLUGIN(register_flows)
