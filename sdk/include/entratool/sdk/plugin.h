#pragma once
/// \file plugin.h
/// The plugin entry contract: one extern "C" function, `entratool_plugin_entry`, returning a
/// pointer to a static descriptor. The host reads `magic` and `size` first, then the SDK version
/// and ABI tag, and only then calls `register_plugin`. See docs/plugin-abi.md.
///
/// A plugin declares itself with one macro:
///
///     ENTRATOOL_PLUGIN("hello", "formatter", "1.0.0", "Says hello", &register_hello);

#include <cstdint>

#include "entratool/sdk/registrar.h"
#include "entratool/sdk/status.h"
#include "entratool/sdk/version.h"

#if defined(_WIN32)
#define ENTRATOOL_PLUGIN_EXPORT __declspec(dllexport)
#else
#define ENTRATOOL_PLUGIN_EXPORT __attribute__((visibility("default")))
#endif

/// "ETPL": the first field of every descriptor.
#define ENTRATOOL_PLUGIN_MAGIC 0x4C505445u
/// The symbol the host looks up.
#define ENTRATOOL_PLUGIN_ENTRY_SYMBOL "entratool_plugin_entry"

namespace entratool::sdk {
/// Registers the plugin's single component. May fail with a Status; must not throw.
using RegisterFunction = Status (*)(Registrar& registrar);
}  // namespace entratool::sdk

extern "C" {

/// Plain data, never freed: it lives in the plugin's static storage. New fields are only ever
/// appended (a minor SDK version), so `size` tells the host which fields exist.
struct entratool_plugin_descriptor {
  std::uint32_t magic;          ///< ENTRATOOL_PLUGIN_MAGIC
  std::uint32_t size;           ///< sizeof(entratool_plugin_descriptor) in the plugin's SDK
  std::uint16_t sdk_major;      ///< ENTRATOOL_SDK_VERSION_MAJOR the plugin was built with
  std::uint16_t sdk_minor;      ///< ENTRATOOL_SDK_VERSION_MINOR the plugin was built with
  const char* abi_tag;          ///< ENTRATOOL_SDK_ABI_TAG
  const char* id;               ///< unique id, e.g. "json", "client-credentials"
  const char* kind;             ///< "flow", "formatter" or "secret-store"
  const char* version;          ///< the plugin's own version, e.g. "1.0.0"
  const char* description;      ///< one line for `plugins list`
  entratool::sdk::RegisterFunction register_plugin;
};

using entratool_plugin_entry_fn = const entratool_plugin_descriptor* (*)();
}

/// Defines the entry point. Use once per plugin, at namespace scope.
#define ENTRATOOL_PLUGIN(ID, KIND, VERSION, DESCRIPTION, REGISTER)                              \
  extern "C" ENTRATOOL_PLUGIN_EXPORT const entratool_plugin_descriptor* entratool_plugin_entry() { \
    static const entratool_plugin_descriptor descriptor = {                                       \
        ENTRATOOL_PLUGIN_MAGIC, sizeof(entratool_plugin_descriptor),                              \
        ENTRATOOL_SDK_VERSION_MAJOR, ENTRATOOL_SDK_VERSION_MINOR, ENTRATOOL_SDK_ABI_TAG,          \
        ID, KIND, VERSION, DESCRIPTION, REGISTER};                                                \
    return &descriptor;                                                                           \
  }
