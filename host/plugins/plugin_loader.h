#pragma once
// Loads one plugin library and checks it before any of its components is used. The only file
// that knows Boost.DLL. Loaded libraries, and every component a plugin registers, are kept until
// the process exits and are deliberately never unloaded or destroyed (see docs/plugin-abi.md).
// Not thread-safe: the host loads plugins from its main thread only.

#include <cstdint>
#include <string>
#include <vector>

#include "entratool/sdk/abi.h"
#include "entratool/sdk/status.h"
#include "plugins/manifest.h"

namespace entratool::sdk {
class Flow;
class Formatter;
class SecretStore;
}  // namespace entratool::sdk

namespace entratool::host {

/// One component a library registered, behind the SDK's C++ interface (plugins/components.h).
/// Exactly one pointer is set, by kind; everything pointed to lives until exit.
struct LoadedComponent {
  std::string kind, id;
  sdk::Flow* flow = nullptr;
  sdk::Formatter* formatter = nullptr;
  sdk::SecretStore* secret_store = nullptr;
};

/// A loaded library: its descriptor and the components it registered, in manifest order.
struct LoadedLibrary {
  const et_plugin_descriptor* descriptor = nullptr;
  std::vector<LoadedComponent> components;
};

/// The smallest descriptor the host understands (SDK 2.0's layout up to register_components).
inline constexpr std::uint32_t kMinDescriptorSize =
    offsetof(et_plugin_descriptor, register_components) + sizeof(et_plugin_descriptor::register_components);

/// Checks a descriptor against the host's SDK and the plugin's manifest, in the documented
/// order: presence, magic, size, SDK version, then id/version, then the register function.
/// Reads no field the descriptor's size does not cover. `library` is only used in messages.
sdk::Status check_descriptor(const et_plugin_descriptor* descriptor, const Manifest& manifest,
                             const std::string& library);

/// "plugin 'x' was built for SDK 3.1; this entratool provides 2.0" when the versions are
/// incompatible (other major, or a newer minor), ok otherwise.
sdk::Status check_sdk_version(const std::string& id, int major, int minor);

/// The smallest interface struct the host accepts for a kind, and whether every required
/// function pointer is set: "" when usable, else what is wrong ("its acquire function is NULL").
std::string check_interface(const std::string& kind, const void* iface);

/// Loads `library` (absolute and canonical) bind-now and RTLD_LOCAL, checks its descriptor,
/// and runs its register function with `host`. The components registered must be exactly
/// those the manifest lists. Every failure is a general Status with the exact reason; nothing a
/// plugin does here (throwing, returning garbage, NULL functions) escapes as a crash.
/// `load_from`, when set, is the name dlopen is given instead (e.g. "/proc/self/fd/N" of the
/// checked file); messages still name `library`.
sdk::Result<LoadedLibrary> load_plugin(const Manifest& manifest, const std::string& library, const et_host* host,
                                       const std::string& load_from = {});

}  // namespace entratool::host
