// Plugin entry of the github-actions flow.
#include <memory>

#include "entratool/sdk/plugin.h"
#include "github_actions_flow.h"

namespace {

entratool::sdk::Status register_flows(entratool::sdk::Registrar& registrar) {
  return registrar.add_flow("github-actions", std::make_unique<entratool::flows::GitHubActionsFlow>());
}

}  // namespace

ENTRATOOL_PLUGIN(register_flows)
