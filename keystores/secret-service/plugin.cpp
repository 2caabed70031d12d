// The plugin entry point of the secret-service store.
#include <memory>

#include "entratool/sdk/plugin.h"
#include "secret_service_store.h"

namespace {
entratool::sdk::Status register_secret_service(entratool::sdk::Registrar& registrar) {
  return registrar.add_secret_store("secret-service", std::make_unique<entratool::keystore::SecretServiceStore>());
}
}  // namespace

ENTRATOOL_PLUGIN(register_secret_service)
