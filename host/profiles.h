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

namespace entratool::host {

struct Profile {
  std::string name;
  std::string tenant_id;
  std::string client_id;
  std::vector<std::string> scopes;
  std::string auth_method = "none";  ///< "secret", "certificate" or "none" (public client)
  std::string certificate_path;      ///< PEM certificate, or a .pfx/.p12 file
  std::string private_key_path;      ///< PEM private key (empty with a PFX)
  std::string default_flow;          ///< canonical flow id (flow_names.h), e.g. "client-credentials"
  std::string redirect_uri;
  std::string authority_host;        ///< empty: AZURE_AUTHORITY_HOST or https://login.microsoftonline.com
  std::string ca_bundle;
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
  std::string dir_, path_, lock_path_;
};

}  // namespace entratool::host
