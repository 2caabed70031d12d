// The plugin entry point of the encrypted-file secret store.
#include <memory>

#include "encrypted_file_store.h"
#include "entratool/sdk/plugin.h"

namespace {
entratool::sdk::Status register_encrypted_file(entratool::sdk::Registrar& registrar) {
  try {
    return registrar.add_secret_store(std::make_unique<entratool::keystore::EncryptedFileStore>());
  } catch (...) {
    return entratool::sdk::Status::general("encrypted-file: cannot create the secret store");
  }
}
}  // namespace

ENTRATOOL_PLUGIN("encrypted-file", "secret-store", "1.0.0",
                 "Encrypted files (AES-256-GCM) with a key file or a passphrase (scrypt)", &register_encrypted_file)
