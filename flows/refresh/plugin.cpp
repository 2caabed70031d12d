// Plugin entry of the refresh flow.
#include <memory>

#include "entratool/sdk/plugin.h"
#include "refresh_flow.h"

namespace {

entratool::sdk::Status register_flow(entratool::sdk::Registrar& registrar) {
  try {
    return registrar.add_flow(std::make_unique<entratool::flows::RefreshFlow>());
  } catch (const std::exception& e) {  // nothing may cross into the host
    return entratool::sdk::Status::general(std::string("refresh flow: ") + e.what());
  }
}

}  // namespace

ENTRATOOL_PLUGIN("refresh", "flow", PLUGIN_VERSION, PLUGIN_DESCRIPTION, &register_flow)
