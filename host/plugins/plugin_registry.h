#pragma once
// Discovers plugins from their manifests (no plugin code runs) and loads, on request, only the
// plugins a command needs. Loaded libraries are never unloaded before the process exits.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/paths.h"
#include "entratool/sdk/status.h"

namespace entratool::sdk {
class Flow;
class Formatter;
class SecretStore;
}  // namespace entratool::sdk

namespace entratool::host {

struct PluginCandidate {
  enum class State {
    available,  ///< manifest valid, not loaded (yet)
    loaded,     ///< loaded and registered
    shadowed,   ///< another candidate with the same id came first in the search order
    invalid,    ///< manifest unreadable/invalid, or library missing
    refused,    ///< loading or checking failed (version, ABI, entry point, register function)
  };
  std::string id, kind, version, sdk_version, description;
  std::string library;   ///< absolute path of the .so
  std::string manifest;  ///< absolute path of the manifest
  std::string origin;    ///< PluginSearchDir::origin
  std::string abi_tag;   ///< the descriptor's ABI tag, once loaded
  State state = State::available;
  std::string reason;    ///< why shadowed/invalid/refused; empty otherwise
};

std::string_view to_string(PluginCandidate::State state);

class PluginRegistry {
 public:
  /// Reads the manifests in `dirs`; loads nothing. Missing folders are noted, never fatal.
  explicit PluginRegistry(std::vector<PluginSearchDir> dirs);
  ~PluginRegistry();
  PluginRegistry(const PluginRegistry&) = delete;
  PluginRegistry& operator=(const PluginRegistry&) = delete;

  /// Every candidate seen, in search order, including shadowed and invalid ones.
  const std::vector<PluginCandidate>& candidates() const;
  /// Notes about the search itself (e.g. "plugin folder '/x' does not exist"), for `plugins list`.
  const std::vector<std::string>& notes() const;
  /// The winning candidate for an id, or nullptr.
  const PluginCandidate* find(std::string_view id) const;
  /// Ids of the winning candidates of a kind ("flow", "formatter", "secret-store"), sorted.
  std::vector<std::string> ids_of_kind(std::string_view kind) const;

  /// Loads (once) the plugin with this id and returns its component. Errors: an unknown id
  /// ("no formatter plugin 'x' (available: json, token, yaml)"), a kind mismatch, or the refusal
  /// reason ("plugin 'x' was built for SDK 2.1; this entratool provides 1.0"). All general (exit 1).
  /// The returned pointer is owned by the registry and valid until exit.
  sdk::Result<sdk::Flow*> flow(std::string_view id);
  sdk::Result<sdk::Formatter*> formatter(std::string_view id);
  sdk::Result<sdk::SecretStore*> secret_store(std::string_view id);

  /// Loads every available candidate (for `plugins info` and checks); returns nothing, the
  /// outcome is in candidates().
  void load_all();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace entratool::host
