// Plugin entry of the device-code flow.
#include <memory>

#include "device_code_flow.h"
#include "entratool/sdk/plugin.h"

namespace {

entratool::sdk::Status register_flows(entratool::sdk::Registrar& registrar) {
  return registrar.add_flow("device-code", std::make_unique<entratool::flows::DeviceCodeFlow>());
}

}  // namespace

ENTRATOOL_PLUGIN(register_flows)
