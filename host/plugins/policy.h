#pragma once
// The system policy file <prefix>/etc/entratool/policy.json: what an administrator requires of
// plugins on this machine. Honoured only when it and its folder pass the checks of trust.h and
// belong to root or to the owner of the entratool executable; a policy that fails them is
// ignored with a warning. A policy that cannot be read or has an unknown field is an error
// (fail closed): a typo must never silently weaken it. See docs/enterprise.md.

#include <sys/types.h>

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "entratool/sdk/status.h"

namespace entratool::host {

/// An Ed25519 public key a policy trusts for bundle signatures.
struct TrustedKey {
  std::string name;    ///< optional; shown as the signer
  std::string base64;  ///< as written in the policy
  std::string raw;     ///< the 32 raw bytes
};

struct Policy {
  enum class Plugins { any, pinned, signed_ };
  enum class Search { all, system };
  bool present = false;  ///< a policy file was found and honoured
  std::string path;      ///< where it was looked for
  Plugins plugins = Plugins::any;
  Search search = Search::all;
  std::map<std::string, std::string, std::less<>> pins;  ///< plugin id -> lower-case hex SHA-256
  std::vector<TrustedKey> trusted_keys;
  std::string secret_store;  ///< forced store id, or empty

  /// The trusted key with these raw bytes, or nullptr.
  const TrustedKey* trusted(std::string_view raw) const;
};

std::string_view to_string(Policy::Plugins plugins);
std::string_view to_string(Policy::Search search);

/// Parses policy text; errors name the field and what is wrong ("unknown field 'plugin' (known: …)").
sdk::Result<Policy> parse_policy(std::string_view text);

/// The outcome of looking for the policy file.
struct PolicyLoad {
  Policy policy;                      ///< defaults when absent or ignored
  sdk::Status error;                  ///< the file exists but cannot be honoured safely: every plugin use fails
  std::vector<std::string> warnings;  ///< e.g. why an unsafe file was ignored
};

/// Looks for `path` (nothing found: defaults, one stat). `executable_owner` is the uid that, with
/// root, may own the file and its folder.
PolicyLoad load_policy(const std::string& path, uid_t executable_owner);

}  // namespace entratool::host
