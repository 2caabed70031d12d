// Plugin entry of the device-code flow.
#include <memory>

#include "device_code_flow.h"
#include "entratool/sdk/plugin.h"

namespace {

entratool::sdk::Status register_flow(entratool::sdk::Registrar& registrar) {
  try {
    return registrar.add_flow(std::make_unique<entratool::flows::DeviceCodeFlow>());
  } catch (const std::exception& e) {  // nothing may cross into the host
    return entratool::sdk::Status::general(std::string("device-code flow: ") + e.what());
  }
}

}  // namespace

ENTRATOOL_PLUGIN("device-code", "flow", PLUGIN_VERSION, PLUGIN_DESCRIPTION, &register_flow)
