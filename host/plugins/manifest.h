#pragma once
// The sidecar manifest <id>.plugin.json that describes a plugin library without running its code
// (format 2: cmake/plugin-manifest.json.in). It lists the components the library registers and,
// for flows, what the host must know before loading anything: names, whether a person signs in,
// refresh tokens, client authentication, the secrets and profile values the flow needs. Reading a
// manifest never loads the library it names.

#include <string>
#include <string_view>
#include <vector>

#include "entratool/sdk/status.h"

namespace entratool::host {

/// What a flow declares (manifest "flow" object); the host's only source of flow knowledge.
struct FlowDeclaration {
  enum class RefreshTokens { none, issues, redeems };
  enum class ClientAuthUse { none, optional, required };
  std::vector<std::string> aliases;  ///< other names users may type
  bool interactive = false;          ///< signs a person in
  bool browser = false;              ///< the sign-in needs a browser on this machine
  RefreshTokens refresh_tokens = RefreshTokens::none;
  ClientAuthUse client_auth = ClientAuthUse::optional;
  bool requires_tenant = true;
  bool requires_client_id = true;
  std::vector<std::string> secrets;      ///< named secrets the flow reads (Secrets service)
  std::vector<std::string> fields;       ///< profile settings it needs
  std::vector<std::string> default_for;  ///< profile auth methods ("secret", "certificate", "none")
  /// Environment variables that, all set and non-empty, make this the flow of the implicit
  /// profile when no client secret or certificate variable is set (e.g. AZURE_FEDERATED_TOKEN_FILE).
  std::vector<std::string> environment;
};

/// One component a library registers.
struct ComponentManifest {
  std::string kind;  ///< "flow", "formatter" or "secret-store"
  std::string id;
  std::string description;
  FlowDeclaration flow;  ///< for kind "flow"
};

/// What a valid manifest says. Paths are absolute.
struct Manifest {
  std::string id;  ///< the library's id (the file is <id>.plugin.json)
  std::string version, description;
  int sdk_major = 0, sdk_minor = 0;
  std::vector<ComponentManifest> components;  ///< at least one, no (kind, id) twice
  std::string path;                           ///< the manifest file itself
  std::string library;                        ///< the library beside it (as named; not checked for existence)
};

/// The file name suffix every manifest has.
inline constexpr std::string_view kManifestSuffix = ".plugin.json";
/// The manifest format this host reads.
inline constexpr int kManifestFormat = 2;

/// True for "flow", "formatter" and "secret-store".
bool is_plugin_kind(std::string_view kind);
/// True for ids of lower-case letters, digits, '.', '_' and '-' (at most 64).
bool is_valid_plugin_id(std::string_view id);

/// Parses manifest text. `path` is the manifest's absolute path: its folder locates the library
/// and its file name must be "<id>.plugin.json". Errors say what is wrong, without the path.
sdk::Result<Manifest> parse_manifest(std::string_view text, const std::string& path);

/// Reads (at most 64 KiB) and parses a manifest file.
sdk::Result<Manifest> read_manifest(const std::string& path);

}  // namespace entratool::host
