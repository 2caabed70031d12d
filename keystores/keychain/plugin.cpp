// The plugin entry point of the Keychain secret store (macOS only).
#include <memory>

#include "entratool/sdk/plugin.h"
#include "keychain_api.h"
#include "keychain_store.h"

namespace {
entratool::sdk::Status register_keychain(entratool::sdk::Registrar& registrar) {
  return registrar.add_secret_store(
      "keychain", std::make_unique<entratool::keystore::KeychainStore>(&entratool::keystore::make_security_keychain));
}
}  // namespace

ENTRATOOL_PLUGIN(register_keychain)
