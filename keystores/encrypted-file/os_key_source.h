#pragma once
/// \file os_key_source.h
/// The encrypted-file store's "os-store" key source: the 32-byte data key lives in the
/// platform's own secret store (the Secret Service, the Keychain, DPAPI), reached through the
/// host's entratool.platform-secrets/1 service, instead of in the store folder's key file. The
/// secret files stay in the folder; a copy of the folder alone cannot be decrypted.
/// docs/secret-store.md.

#include <map>
#include <string>

#include "crypto.h"
#include "entratool/sdk/host_services.h"
#include "entratool/sdk/status.h"

namespace entratool::keystore::os_key {

/// The keystore setting (config.json "keystore_settings") that picks the key source of a store
/// created from now on: "key-file" (the default) or "os-store".
constexpr const char* kSetting = "key_source";
/// store.json's "mode" for such a store, and its "key_id" (hex) naming the key.
constexpr const char* kModeName = "os-store";
constexpr const char* kKeyIdField = "key_id";

/// True when `settings` ask for the os-store key source; an error for an unknown value.
sdk::Result<bool> requested(const std::map<std::string, std::string>& settings);

/// Whether `key_id` is one this store writes (32 lowercase hex digits).
bool valid_key_id(const std::string& key_id);

/// The platform store's name for the key of `key_id`.
std::string key_name(const std::string& key_id);

/// A new random data key and its id, stored in the platform store and read back before it is
/// used. `dir` names the store in messages.
struct NewKey {
  DataKey key;
  std::string key_id;
};
sdk::Result<NewKey> create(sdk::HostServices& services, const std::string& dir);

/// The data key of `key_id` from the platform store. Absent (a copied folder, a removed item)
/// and damaged values are errors that say what to do; a damaged value is left untouched.
sdk::Result<DataKey> load(sdk::HostServices& services, const std::string& key_id, const std::string& dir);

/// For describe(): where the key is.
std::string describe(sdk::HostServices* services, const std::string& key_id);

}  // namespace entratool::keystore::os_key
