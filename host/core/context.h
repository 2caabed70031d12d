#pragma once
// What a command receives: its output streams, global options, and lazily created host pieces
// (plugin registry, services, secret store), so a command pays only for what it uses.

#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

#include "entratool/sdk/status.h"

namespace entratool::sdk {
class SecretStore;
}

namespace entratool::support::json {
class Value;
}  // namespace entratool::support::json

namespace entratool::host {

class PluginRegistry;
class Services;

struct GlobalOptions {
  std::vector<std::string> plugin_dirs;  ///< --plugin-dir, in order
  bool verbose = false;                  ///< --verbose
};

class Context {
 public:
  Context(std::ostream& out, std::ostream& err, GlobalOptions options);
  ~Context();

  std::ostream& out;  ///< stdout: only what the user asked for
  std::ostream& err;  ///< stderr: messages and status lines

  const GlobalOptions& options() const { return options_; }
  /// The config folder (paths.h); everything the tool writes lives below it.
  const std::string& config_dir();
  /// Discovered on first use (manifests only).
  PluginRegistry& plugins();
  /// Created on first use.
  Services& services();
  /// The secret store: the system policy's "secret_store" if it sets one (then nothing else
  /// can change it), else the plugin id from $ENTRATOOL_KEYSTORE, else config.json's "keystore",
  /// else "encrypted-file" on Linux. Loaded and opened on first use (its folder is
  /// <config>/keystore-<id>). The pointer stays valid until exit.
  sdk::Result<sdk::SecretStore*> secret_store();
  /// <config>/config.json's object (nullptr when there is no such file), read once; an error when
  /// it is not a JSON object or not safe to trust.
  sdk::Result<const support::json::Value*> settings() { return user_config(); }

 private:
  GlobalOptions options_;
  std::string config_dir_;
  std::unique_ptr<PluginRegistry> plugins_;
  std::unique_ptr<Services> services_;
  sdk::SecretStore* store_ = nullptr;
  /// <config>/config.json, read once (nullptr when absent); an error when it is not an object.
  sdk::Result<const support::json::Value*> user_config();
  bool config_read_ = false;
  sdk::Status config_status_;
  std::unique_ptr<support::json::Value> config_doc_;
};

}  // namespace entratool::host
