// The plugin entry point of the encrypted-file secret store.
#include <memory>

#include "encrypted_file_store.h"
#include "entratool/sdk/plugin.h"

namespace {
entratool::sdk::Status register_encrypted_file(entratool::sdk::Registrar& registrar) {
  return registrar.add_secret_store("encrypted-file", std::make_unique<entratool::keystore::EncryptedFileStore>());
}
}  // namespace

ENTRATOOL_PLUGIN(register_encrypted_file)
