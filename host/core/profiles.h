#pragma once
// Named profiles in <config>/profiles.json. The file never holds a secret: secrets live in the
// secret store under the names below. Writes are atomic under <config>/profiles.lock; a file that
// does not parse is reported and left untouched, never replaced.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "entratool/sdk/status.h"

namespace entratool::support::json {
class Value;
}

namespace entratool::host {

/// The auth method of a profile whose application is a managed identity: the platform proves
/// who it is, so there is no secret, and neither tenant nor client id is required.
inline constexpr std::string_view kManagedIdentity = "managed-identity";

struct Profile {
  std::string name;
  std::string tenant_id;
  std::string client_id;
  std::vector<std::string> scopes;
  std::string auth_method = "none";  ///< "secret", "certificate", "none" (public client) or kManagedIdentity
  std::string certificate_path;      ///< PEM certificate, or a .pfx/.p12 file
  std::string private_key_path;      ///< PEM private key (empty with a PFX)
  std::string default_flow;          ///< a flow plugin's id (PluginRegistry::resolve_flow_name)
  std::string redirect_uri;
  std::string authority_host;  ///< empty: AZURE_AUTHORITY_HOST or https://login.microsoftonline.com
  /// An OpenID provider's issuer URL: endpoints come from its discovery document, no tenant is
  /// needed, and nothing Entra-specific applies. Empty: Entra's URL layout under authority_host.
  std::string issuer;
  std::string ca_bundle;
  std::string federated_token_file;   ///< workload identity: the assertion file (else AZURE_FEDERATED_TOKEN_FILE)
  std::string service_connection_id;  ///< Azure Pipelines service connection (else the environment)
  std::string object_id;              ///< managed identity: a user-assigned identity by object id
  std::string resource_id;            ///< managed identity: a user-assigned identity by ARM resource id
  /// Flow settings: "client_auth" (basic|body), "assertion_alg" (PS256|RS256), "send_x5c" (true|false).
  std::map<std::string, std::string> settings;
  std::string created_at, updated_at;  ///< UTC ISO 8601
};

/// Secret-store names for a profile's secrets.
std::string client_secret_name(std::string_view profile);         ///< "profile/<name>/client-secret"
std::string certificate_password_name(std::string_view profile);  ///< "profile/<name>/certificate-password"

/// Scopes from user text: space- or comma-separated, trimmed, duplicates dropped, order kept.
std::vector<std::string> split_scopes(std::string_view text);

/// Validation with messages that say what to fix. Each returns ok or a general error.
sdk::Status validate_profile_name(std::string_view name);
sdk::Status validate_tenant(std::string_view tenant);
sdk::Status validate_profile(const Profile& profile);
sdk::Status validate_client_id(std::string_view client_id);
sdk::Status validate_scopes(const std::vector<std::string>& scopes);
/// "https://..." or "http://" on a loopback host (test providers); `what` names the field.
sdk::Status validate_url(std::string_view url, std::string_view what);
/// An OpenID issuer: validate_url's rules, and no query, fragment, user info or space.
sdk::Status validate_issuer(std::string_view issuer);
/// The certificate files exist and look right: a PEM certificate plus a PEM private key (in
/// private_key_path, or in the certificate file when that is empty). A PFX is only checked to
/// exist and be readable here; opening it needs its password (export_crypto.h).
sdk::Status validate_certificate_files(const Profile& profile);
/// True for a .pfx or .p12 file name.
bool is_pfx_path(std::string_view path);

/// A profile as stored in profiles.json (empty optional fields left out; never a secret).
support::json::Value profile_to_json(const Profile& profile);
/// Reads the fields profile_to_json writes; unknown members are ignored.
sdk::Result<Profile> profile_from_json(const support::json::Value& value);

/// The one validator for a profile read from a file (profiles.json and `config import`): the
/// fields profile_from_json reads, no secret member, and validate_profile's rules.
sdk::Result<Profile> validate_stored_profile(const support::json::Value& entry);
/// `text` with control characters (C0, DEL) shown as \xNN, safe to print on a terminal.
std::string printable(std::string_view text);

class ProfileStore {
 public:
  explicit ProfileStore(std::string config_dir);

  /// All profiles, sorted by name. Missing file: empty. Corrupt file: error naming the file.
  sdk::Result<std::vector<Profile>> list() const;
  /// ErrorCategory::profile_not_found: "profile 'x' not found (existing profiles: a, b)".
  sdk::Result<Profile> find(std::string_view name) const;
  /// The default profile's name, or "" when none is set.
  sdk::Result<std::string> default_name() const;

  /// Adds or (with overwrite) replaces, keeping created_at; sets updated_at.
  sdk::Status save(Profile profile, bool overwrite);
  sdk::Status remove(std::string_view name);
  sdk::Status set_default(std::string_view name);

  const std::string& path() const { return path_; }

 private:
  // The parsed document (an empty one when the file is missing), or the corruption error.
  sdk::Result<support::json::Value> load() const;
  sdk::Status write(const support::json::Value& doc);
  sdk::Status not_found(std::string_view name, const support::json::Value& doc) const;

  std::string dir_, path_, lock_path_;
};

}  // namespace entratool::host
