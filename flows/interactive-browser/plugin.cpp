// Plugin entry of the interactive-browser flow.
#include <memory>

#include "entratool/sdk/plugin.h"
#include "interactive_browser_flow.h"

namespace {

entratool::sdk::Status register_flows(entratool::sdk::Registrar& registrar) {
  return registrar.add_flow("interactive-browser", std::make_unique<entratool::flows::InteractiveBrowserFlow>());
}

}  // namespace

ENTRATOOL_PLUGIN(register_flows)
