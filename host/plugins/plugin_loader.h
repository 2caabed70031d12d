#pragma once
// Loads one plugin library and checks it before any of its components is used. The only file
// that knows Boost.DLL. Loaded libraries, and every component a plugin registers, are kept until
// the process exits and are deliberately never unloaded or destroyed (see docs/plugin-abi.md).
// Not thread-safe: the host loads plugins from its main thread only.

#include <string>

#include "entratool/sdk/plugin.h"
#include "entratool/sdk/status.h"
#include "plugins/manifest.h"

namespace entratool::sdk {
class Flow;
class Formatter;
class SecretStore;
}  // namespace entratool::sdk

namespace entratool::host {

/// The one component a loaded plugin registered, and the descriptor it came with. Everything
/// pointed to lives until exit.
struct LoadedPlugin {
  const entratool_plugin_descriptor* descriptor = nullptr;
  sdk::Flow* flow = nullptr;
  sdk::Formatter* formatter = nullptr;
  sdk::SecretStore* secret_store = nullptr;
};

/// The smallest descriptor the host understands (SDK 1.0's layout).
inline constexpr std::uint32_t kMinDescriptorSize = sizeof(entratool_plugin_descriptor);

/// Checks a descriptor against the host's SDK and the plugin's manifest, in the documented
/// order: presence, magic, size, SDK version, ABI tag, then id/kind/version. Reads no field the
/// descriptor's size does not cover. `library` is only used in messages.
sdk::Status check_descriptor(const entratool_plugin_descriptor* descriptor, const Manifest& manifest,
                             const std::string& library);

/// "plugin 'x' was built for SDK 2.1; this entratool provides 1.0" when the versions are
/// incompatible (other major, or a newer minor), ok otherwise.
sdk::Status check_sdk_version(const std::string& id, int major, int minor);

/// Loads `library` (absolute and canonical) bind-now and RTLD_LOCAL, checks its descriptor,
/// and runs its register function. Every failure is a general Status with the exact reason;
/// nothing a plugin does here (throwing, returning garbage) escapes as an exception.
sdk::Result<LoadedPlugin> load_plugin(const Manifest& manifest, const std::string& library);

}  // namespace entratool::host
