#pragma once
/// \file secret_service_store.h
/// The secret-service store: one item per secret in the Secret Service's default collection
/// (GNOME Keyring's "login", KWallet, KeePassXC), attributes application=entratool and
/// name=<secret name>, through libsecret. docs/secret-store.md.

#include <string>
#include <string_view>

#include "entratool/sdk/secret_store.h"

namespace entratool::keystore {

/// The attribute every item of ours carries, and its value.
constexpr const char* kApplicationAttribute = "application";
constexpr const char* kApplicationValue = "entratool";
/// The attribute that holds the secret's name.
constexpr const char* kNameAttribute = "name";
/// libsecret's schema name, stored as the item's xdg:schema attribute.
constexpr const char* kSchemaName = "org.entratool.Secret";

/// Knobs for tests; the plugin uses the defaults.
struct SecretServiceOptions {
  int connect_timeout_ms = 1000;     ///< bus connection and the "is there a Secret Service" checks
  int operation_timeout_ms = 10000;  ///< any one libsecret call (activation, session, an item)
};

/// See sdk::SecretStore. One instance per process and thread; the Secret Service serialises
/// concurrent processes itself.
class SecretServiceStore final : public sdk::SecretStore {
 public:
  explicit SecretServiceStore(SecretServiceOptions options = {});
  ~SecretServiceStore() override;
  SecretServiceStore(const SecretServiceStore&) = delete;
  SecretServiceStore& operator=(const SecretServiceStore&) = delete;

  sdk::Status open(const sdk::StoreContext& context, sdk::HostServices& services) override;
  sdk::Result<std::optional<std::string>> get(std::string_view name) override;
  sdk::Status put(std::string_view name, std::string_view value) override;
  sdk::Status erase(std::string_view name) override;
  sdk::Result<std::vector<std::string>> list(std::string_view prefix) override;
  std::string describe() const override;

 private:
  struct Impl;
  Impl* impl_;
};

}  // namespace entratool::keystore
