// Plugin entry of the authorization-code flow.
#include <memory>

#include "authorization_code_flow.h"
#include "entratool/sdk/plugin.h"

namespace {

entratool::sdk::Status register_flows(entratool::sdk::Registrar& registrar) {
  return registrar.add_flow("authorization-code", std::make_unique<entratool::flows::AuthorizationCodeFlow>());
}

}  // namespace

ENTRATOOL_PLUGIN(register_flows)
