#pragma once
// Discovers plugins from their manifests (no plugin code runs) and loads, on request, only the
// library a command needs. One library may hold several components; each component is a
// candidate of its own, found by its id. Flow declarations (manifest "flow") are answered from
// the manifests alone, so planning an acquisition loads no flow. Loaded libraries are never
// unloaded before the process exits.

#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/paths.h"
#include "entratool/sdk/abi.h"
#include "entratool/sdk/status.h"
#include "plugins/manifest.h"
#include "plugins/policy.h"

namespace entratool::sdk {
class Flow;
class Formatter;
class SecretStore;
}  // namespace entratool::sdk

namespace entratool::host {

/// One component found in a manifest (or a manifest that could not be read).
struct PluginCandidate {
  enum class State {
    available,  ///< manifest valid, not loaded (yet)
    loaded,     ///< its library is loaded and registered it
    shadowed,   ///< another candidate with the same id came first in the search order
    invalid,    ///< manifest unreadable/invalid, or library missing
    refused,    ///< loading or checking failed (version, entry point, register function, interface)
  };
  std::string id, kind, version, sdk_version, description;
  std::string library_id;  ///< the manifest's id (several components may share one library)
  std::string library;     ///< absolute path of the .so
  std::string manifest;    ///< absolute path of the manifest
  std::string origin;      ///< PluginSearchDir::origin
  std::string built_with;  ///< the descriptor's compiler and C++ library, once loaded (informative)
  FlowDeclaration flow;    ///< for flows: what the manifest declares
  std::string bundle;      ///< "name version" of the bundle that lists its library, if any
  std::string signer;      ///< the trusted key that signed that bundle (its name), once checked
  std::string sha256;      ///< the library's SHA-256, once computed (pinned/signed policy, verify)
  State state = State::available;
  std::string reason;  ///< why shadowed/invalid/refused; empty otherwise
};

std::string_view to_string(PluginCandidate::State state);

/// What, besides the folders, decides which candidates may be used.
struct RegistryOptions {
  PolicyLoad policy;             ///< the system policy (defaults: none)
  bool allow_shadowing = false;  ///< the user's config allows replacing bundled/system stores and flows
  std::string config_path;       ///< where allow_shadowing is set, for messages
  /// One-line warnings for stderr (a formatter shadowing a bundled one, an ignored policy).
  std::function<void(const std::string&)> warn;
};

/// Whether an origin is the administrator's ("system", "bundled") rather than the user's.
bool is_system_origin(std::string_view origin);

class PluginRegistry {
 public:
  /// Gives the et_host that loaded plugins receive; called on the first load only.
  using HostProvider = std::function<const et_host*()>;

  /// Checks the folders in `dirs` and reads the manifests of the bundled and system ones; the
  /// user folders' are read by id as asked (see find). Loads nothing. Missing folders are noted,
  /// never fatal.
  PluginRegistry(const std::vector<PluginSearchDir>& dirs, HostProvider host);
  PluginRegistry(const std::vector<PluginSearchDir>& dirs, HostProvider host, RegistryOptions options);
  ~PluginRegistry();
  PluginRegistry(const PluginRegistry&) = delete;
  PluginRegistry& operator=(const PluginRegistry&) = delete;

  /// Every candidate, in search order, including shadowed and invalid ones. Reads every folder
  /// (the other questions read only what they need); references stay valid while the registry lives.
  const std::deque<PluginCandidate>& candidates() const;
  /// Notes about the search itself (e.g. "plugin folder '/x' does not exist"), for `plugins list`.
  /// Reads every folder.
  const std::vector<std::string>& notes() const;
  /// How many manifest files were read so far (a look-up by id reads only those named after it).
  size_t manifests_read() const;
  /// The policy in force (defaults when there is none).
  const Policy& policy() const;
  /// Set when the policy file exists but cannot be honoured: every plugin use fails with it.
  const sdk::Status& policy_error() const;

  /// Checks, without loading code, every candidate (or those whose manifest is in `folder`)
  /// against the policy: owner and mode, bundle signature, hashes. A present bundle's claims are
  /// checked even under "plugins": "any". Refused candidates get the reason. Loads the crypto
  /// module when there is anything to hash.
  void verify(const std::string& folder = {});

  /// The winning candidate for an id, or nullptr. Looks for <folder>/<id>.plugin.json in the user
  /// folders first; reads them all only when no folder has a manifest named after the id.
  const PluginCandidate* find(std::string_view id) const;
  /// Ids of the winning candidates of a kind ("flow", "formatter", "secret-store"), sorted.
  std::vector<std::string> ids_of_kind(std::string_view kind) const;

  /// The flow a user-typed name means: its id or one of its declared aliases, ignoring case,
  /// '-' and '_' ("ClientCredentials", "interactive"). Unknown names come back lower-cased, so
  /// the error that follows names what the user typed.
  std::string resolve_flow_name(std::string_view name) const;
  /// The flow declared as the default for a profile auth method ("secret", "certificate",
  /// "none"), among bundled and system plugins (any plugin when the user's config allows
  /// shadowing); the lowest id when several declare it; empty when none does.
  std::string default_flow_for(std::string_view auth_method) const;
  /// The flow that redeems refresh tokens (refresh_tokens: "redeems"); empty when none.
  std::string refresh_flow() const;
  /// The first flow that signs a person in without a browser on this machine (declared
  /// interactive, not browser), e.g. for "use -f <it>" advice; empty when none.
  std::string browserless_sign_in_flow() const;
  /// The flow for the implicit environment profile: among flows whose "environment" variables
  /// are all set (per `is_set`), the one declaring the most of them (ties: the lower id); empty
  /// when none matches.
  std::string environment_flow(const std::function<bool(const std::string&)>& is_set) const;
  /// The winning flow's declaration, or nullptr for an unknown id.
  const FlowDeclaration* flow_declaration(std::string_view id) const;

  /// Loads (once) the library that holds this id and returns the component. Errors: an unknown
  /// id ("no formatter plugin 'x' (available: json, token, yaml)"), a kind mismatch, or the
  /// refusal reason. All general (exit 1). Owned by the registry; valid until exit.
  sdk::Result<sdk::Flow*> flow(std::string_view id);
  sdk::Result<sdk::Formatter*> formatter(std::string_view id);
  sdk::Result<sdk::SecretStore*> secret_store(std::string_view id);

  /// Loads every available candidate (for checks); the outcome is in candidates().
  void load_all();

 private:
  template <class F>
  void for_each_winner(F f) const;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace entratool::host
