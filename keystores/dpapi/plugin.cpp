// The plugin entry point of the DPAPI secret store (Windows only).
#include <memory>

#include "dpapi_store.h"
#include "entratool/sdk/plugin.h"

namespace {
entratool::sdk::Status register_dpapi(entratool::sdk::Registrar& registrar) {
  return registrar.add_secret_store("dpapi", std::make_unique<entratool::keystore::DpapiStore>());
}
}  // namespace

ENTRATOOL_PLUGIN(register_dpapi)
