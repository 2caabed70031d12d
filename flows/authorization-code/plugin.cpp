// Plugin entry of the authorization-code flow.
#include <memory>

#include "authorization_code_flow.h"
#include "entratool/sdk/plugin.h"

namespace {

entratool::sdk::Status register_flow(entratool::sdk::Registrar& registrar) {
  try {
    return registrar.add_flow(std::make_unique<entratool::flows::AuthorizationCodeFlow>());
  } catch (const std::exception& e) {  // nothing may cross into the host
    return entratool::sdk::Status::general(std::string("authorization-code flow: ") + e.what());
  }
}

}  // namespace

ENTRATOOL_PLUGIN("authorization-code", "flow", PLUGIN_VERSION, PLUGIN_DESCRIPTION, &register_flow)
