#pragma once
/// \file secret_store.h
/// Named secrets (client secrets, certificate passwords, cached tokens), encrypted at rest, as
/// a C++ interface (header-only; crosses the boundary as et_secret_store).
/// Names are printable ASCII such as "profile/app/client-secret" or "token/<hash>".

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "entratool/sdk/host_services.h"
#include "entratool/sdk/status.h"

namespace entratool::sdk {

/// Where and how a store keeps its data; filled by the host.
struct StoreContext {
  std::string directory;                        ///< the store's own folder (created by the store, 0700)
  std::map<std::string, std::string> settings;  ///< config.json "keystore_settings"
};

/// Safe against concurrent processes; one instance is used by one thread. A value that cannot
/// be read is an error that names the file and what to do, never silently overwritten.
class SecretStore {
 public:
  virtual ~SecretStore() = default;
  /// Called once by the host before any other call. The services stay valid for the process.
  virtual Status open(const StoreContext& context, HostServices& services) = 0;
  /// The value, std::nullopt when absent.
  virtual Result<std::optional<std::string>> get(std::string_view name) = 0;
  /// Creates or replaces atomically: a reader sees the old value or the new one.
  virtual Status put(std::string_view name, std::string_view value) = 0;
  /// Removes; absent is not an error.
  virtual Status erase(std::string_view name) = 0;
  /// Names starting with `prefix`, sorted.
  virtual Result<std::vector<std::string>> list(std::string_view prefix) = 0;
  /// One line for `config show`: where the secrets are and how they are protected.
  virtual std::string describe() const = 0;
  /// Another interface this component offers beyond this one, by id with a version suffix
  /// ("vendor.vault.rotate/1"; CLAP's get_extension), or nullptr. What it returns is a C struct
  /// starting with its size, owned by the plugin and valid until exit.
  virtual const void* extension(std::string_view /*id*/) const { return nullptr; }
};

}  // namespace entratool::sdk
