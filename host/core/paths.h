#pragma once
// Where entratool keeps state and where it looks for plugins.

#include <string>
#include <vector>

namespace entratool::host {

/// $ENTRATOOL_CONFIG_DIR, else $XDG_CONFIG_HOME/entratool, else ~/.config/entratool.
/// Everything the tool writes (profiles, secret store, cache, locks) lives below it.
std::string config_dir();

/// The running executable's canonical path ("" if unknown).
std::string executable_path();

/// The system policy file: <prefix>/etc/entratool/policy.json, where <prefix> is the folder above
/// the executable's bin/ (/etc/entratool/policy.json when that is /usr). "" if unknown.
std::string policy_path();

struct PluginSearchDir {
  std::string path;    ///< absolute
  std::string origin;  ///< "--plugin-dir", "ENTRATOOL_PLUGIN_PATH", "user", "system", "bundled"
};

/// The search order: --plugin-dir and ENTRATOOL_PLUGIN_PATH (':'-separated), the user folder
/// ($XDG_DATA_HOME/entratool/plugins or ~/.local/share/entratool/plugins), the system folder,
/// then <exe>/../lib/entratool/plugins. Never the current directory: relative entries are made
/// absolute against nothing and dropped with a warning by the registry. Duplicates are removed.
std::vector<PluginSearchDir> plugin_search_dirs(const std::vector<std::string>& flag_dirs);

}  // namespace entratool::host
