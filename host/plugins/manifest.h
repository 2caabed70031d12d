#pragma once
// The sidecar manifest <id>.plugin.json that describes a plugin without running its code
// (format: cmake/plugin-manifest.json.in). Reading one never loads the library it names.

#include <string>
#include <string_view>

#include "entratool/sdk/status.h"

namespace entratool::host {

/// What a valid manifest says. Paths are absolute.
struct Manifest {
  std::string id, kind, version, description;
  int sdk_major = 0, sdk_minor = 0;
  std::string path;     ///< the manifest file itself
  std::string library;  ///< the library beside it (as named; not checked for existence)
};

/// The file name suffix every manifest has.
inline constexpr std::string_view kManifestSuffix = ".plugin.json";

/// True for "flow", "formatter" and "secret-store".
bool is_plugin_kind(std::string_view kind);

/// Parses manifest text. `path` is the manifest's absolute path: its folder locates the library
/// and its file name must be "<id>.plugin.json". Errors say what is wrong, without the path.
sdk::Result<Manifest> parse_manifest(std::string_view text, const std::string& path);

/// Reads (at most 64 KiB) and parses a manifest file.
sdk::Result<Manifest> read_manifest(const std::string& path);

}  // namespace entratool::host
