#pragma once
// Access tokens cached in the secret store, one entry per (authority, tenant, client, flow,
// normalised scope set). A damaged entry is a miss, never a crash.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "entratool/sdk/status.h"
#include "entratool/sdk/token.h"

namespace entratool::sdk {
class SecretStore;
}

namespace entratool::host {

struct CacheKey {
  std::string authority;  ///< e.g. https://login.microsoftonline.com
  std::string tenant;
  std::string client_id;
  std::string flow;       ///< canonical flow id
  std::vector<std::string> scopes;
  std::string profile;    ///< for per-profile lookup and removal; not part of the identity
};

class TokenCache {
 public:
  explicit TokenCache(sdk::SecretStore& store);

  /// The secret-store name of an entry: "token/<profile>/<sha256 of the normalised key>".
  static std::string entry_name(const CacheKey& key);

  /// A cached token, if present, parseable and valid for at least `min_validity` at `now`.
  sdk::Result<std::optional<sdk::TokenResponse>> find(const CacheKey& key, std::chrono::system_clock::time_point now,
                                                      std::chrono::seconds min_validity);
  sdk::Status store(const CacheKey& key, const sdk::TokenResponse& token);
  /// The most recently stored token of a profile (for `inspect -p`), expired or not.
  sdk::Result<std::optional<sdk::TokenResponse>> latest_for_profile(std::string_view profile);
  /// Removes every cached token of a profile (config delete).
  sdk::Status erase_profile(std::string_view profile);

 private:
  sdk::SecretStore& store_;
};

}  // namespace entratool::host
