#pragma once
// What a command receives: its output streams, global options, and lazily created host pieces
// (plugin registry, services, secret store), so a command pays only for what it uses.

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/output.h"
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
  Context(Output& out, Output& err, GlobalOptions options);
  ~Context();

  Output& out;  ///< stdout: only what the user asked for
  Output& err;  ///< stderr: messages and status lines

  const GlobalOptions& options() const { return options_; }
  /// The config folder (paths.h); everything the tool writes lives below it.
  const std::string& config_dir();
  /// Discovered on first use (manifests only).
  PluginRegistry& plugins();
  /// Created on first use.
  Services& services();
  /// The secret store of store_choice(), loaded and opened on first use. When it cannot be
  /// used (not installed, no bus, locked) the error names it, the reason and the other
  /// installed stores; there is never a fallback to another store. Valid until exit.
  sdk::Result<sdk::SecretStore*> secret_store();
  /// <config>/config.json's object (nullptr when there is no such file), read once; an error when
  /// it is not a JSON object or not safe to trust.
  sdk::Result<const support::json::Value*> settings() { return user_config(); }

  /// Which secret store is in force and what decided it.
  struct StoreChoice {
    std::string id;
    std::string source;   ///< "policy", "environment", "config" or "default"
    std::string because;  ///< one line for `config store`, e.g. "chosen by ENTRATOOL_KEYSTORE"
  };
  /// The system policy's "secret_store" (then nothing else can change it), else
  /// $ENTRATOOL_KEYSTORE, else config.json's "secret_store" (or its older name "keystore"), else
  /// the platform's default: dpapi on Windows, keychain on macOS, encrypted-file on Linux.
  sdk::Result<StoreChoice> store_choice();
  /// A store by plugin id, loaded and opened once (folder <config>/keystore-<id>, settings from
  /// config.json "keystore_settings"). Errors are the plugin's, unwrapped.
  sdk::Result<sdk::SecretStore*> open_store(const std::string& id);
  /// The ids of the installed secret-store plugins, sorted.
  std::vector<std::string> store_ids();
  /// config.json (nullptr when absent), for commands that rewrite it.
  sdk::Result<const support::json::Value*> config_document() { return user_config(); }

 private:
  GlobalOptions options_;
  std::string config_dir_;
  std::unique_ptr<PluginRegistry> plugins_;
  std::unique_ptr<Services> services_;
  sdk::SecretStore* store_ = nullptr;
  std::map<std::string, sdk::SecretStore*> opened_stores_;
  /// <config>/config.json, read once (nullptr when absent); an error when it is not an object.
  sdk::Result<const support::json::Value*> user_config();
  bool config_read_ = false;
  sdk::Status config_status_;
  std::unique_ptr<support::json::Value> config_doc_;
};

}  // namespace entratool::host
