#pragma once
// entratool.platform-secrets/1: small secrets (the encrypted-file store's data key in os-store
// mode) kept in the platform's own secret store, which is opened on first use.

#include <functional>
#include <string>
#include <string_view>

#include "entratool/sdk/host_services.h"

namespace entratool::sdk {
class SecretStore;
}

namespace entratool::host {

/// Where the platform store keeps what this service is given: "<prefix><caller's name>". Such
/// names are not the user's secrets: `config store migrate` leaves them where they are.
constexpr std::string_view kPlatformSecretPrefix = "platform-secret/";

/// The platform's own store: "secret-service" on Linux, "keychain" on macOS, "dpapi" on Windows.
const char* platform_store_id();

class PlatformSecretsService final : public sdk::PlatformSecrets {
 public:
  /// `open` loads and opens the store with id `store_id` (Context::open_store).
  using Opener = std::function<sdk::Result<sdk::SecretStore*>(const std::string& store_id)>;
  explicit PlatformSecretsService(Opener open) : open_(std::move(open)) {}

  sdk::Result<std::optional<std::string>> get(std::string_view name) override;
  sdk::Status put(std::string_view name, std::string_view value) override;
  sdk::Status erase(std::string_view name) override;
  std::string describe() override;

 private:
  sdk::Result<sdk::SecretStore*> store();
  Opener open_;
  bool opening_ = false;
};

}  // namespace entratool::host
