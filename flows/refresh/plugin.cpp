// Plugin entry of the refresh flow.
#include <memory>

#include "entratool/sdk/plugin.h"
#include "refresh_flow.h"

namespace {

entratool::sdk::Status register_flows(entratool::sdk::Registrar& registrar) {
  return registrar.add_flow("refresh", std::make_unique<entratool::flows::RefreshFlow>());
}

}  // namespace

ENTRATOOL_PLUGIN(register_flows)
