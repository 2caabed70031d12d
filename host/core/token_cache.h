#pragma once
// Access tokens cached in the secret store, one entry per (authority, tenant, client, flow,
// normalised scope set). A damaged entry is a miss, never a crash. See docs/caching.md.

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
  std::string flow;  ///< canonical flow id
  std::vector<std::string> scopes;
  std::string profile;  ///< for per-profile lookup and removal; not part of the identity
};

/// A cached token and when it was stored.
struct CachedToken {
  sdk::TokenResponse token;
  std::chrono::system_clock::time_point stored_at;
  std::string key_text;  ///< the normalised key the entry was stored under
};

class TokenCache {
 public:
  explicit TokenCache(sdk::SecretStore& store);

  /// The identity of a key as text: authority and tenant lower-cased, client id, flow, and the
  /// scopes sorted with duplicates removed, one per line. Equal texts mean the same cached token.
  static std::string normalised_key(const CacheKey& key);
  /// SHA-256 (hex) of normalised_key(): names the entry and its lock file.
  static std::string key_hash(const CacheKey& key);
  /// The secret-store name of an entry: "token/<profile>/<sha256 of the normalised key>".
  static std::string entry_name(const CacheKey& key);
  /// The secret-store prefix of a profile's entries: "token/<profile>/".
  static std::string profile_prefix(std::string_view profile);

  /// The stored form of an entry (JSON: the token fields, the key, stored_at).
  static std::string serialize_entry(const CacheKey& key, const sdk::TokenResponse& token,
                                     std::chrono::system_clock::time_point stored_at);
  /// Parses an entry; nullopt when it is damaged or, with `key`, belongs to another key.
  static std::optional<CachedToken> parse_entry(std::string_view text, const CacheKey* key = nullptr);
  /// The key a normalised_key() text stands for (with `profile`); nullopt for a text of another
  /// format version. normalised_key(*key_from_text(t, p)) == t.
  static std::optional<CacheKey> key_from_text(std::string_view text, std::string_view profile);
  /// Every readable entry of a profile with the key it is stored under (damaged ones skipped).
  sdk::Result<std::vector<std::pair<CacheKey, CachedToken>>> entries_of_profile(std::string_view profile);

  /// A cached token, if present, parseable and valid for at least `min_validity` at `now`.
  /// Errors only when the store itself fails.
  sdk::Result<std::optional<sdk::TokenResponse>> find(const CacheKey& key, std::chrono::system_clock::time_point now,
                                                      std::chrono::seconds min_validity);
  /// Stores (replaces) the entry, stamped with `stored_at`.
  sdk::Status store(const CacheKey& key, const sdk::TokenResponse& token,
                    std::chrono::system_clock::time_point stored_at = std::chrono::system_clock::now());
  /// Removes one entry; absent is not an error.
  sdk::Status erase(const CacheKey& key);
  /// The most recently stored token of a profile (for `inspect -p`), expired or not.
  sdk::Result<std::optional<sdk::TokenResponse>> latest_for_profile(std::string_view profile);
  /// Removes every cached token of a profile (config delete).
  sdk::Status erase_profile(std::string_view profile);

 private:
  sdk::SecretStore& store_;
};

}  // namespace entratool::host
