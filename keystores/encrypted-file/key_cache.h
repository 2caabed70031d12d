#pragma once
/// \file key_cache.h
/// A passphrase store's derived key kept in the Linux kernel keyring between processes, so that
/// scrypt runs once per login session instead of on every command (docs/secret-store.md,
/// "Unlocking once per session"). The key lives in kernel memory only, as a "user" key with a
/// timeout; nothing is written to disk.

#include <optional>
#include <string>
#include <string_view>

#include "crypto.h"
#include "entratool/sdk/status.h"

namespace entratool::keystore {

/// How long an unlocked key stays in the keyring unless a setting says otherwise: 15 minutes.
constexpr unsigned kDefaultUnlockTimeoutSeconds = 15 * 60;

/// The keystore setting (config.json "keystore_settings") that sets the timeout.
constexpr const char* kUnlockTimeoutSetting = "unlock_timeout";

/// Parses an unlock_timeout value: seconds ("900"), or a number with s, m or h ("15m", "1h").
/// "0" means the key is never cached. An error says what is accepted.
sdk::Result<unsigned> parse_unlock_timeout(std::string_view text);

/// The key's description in the keyring: "entratool:" + hex SHA-256 of the store folder's real
/// path and the store's salt, so two stores (or one store re-created with a new salt) never share
/// an entry, and the description gives away neither the path nor anything about the key.
std::string key_cache_description(const std::string& store_dir, std::string_view salt);

/// The keyring keys go to: the process's own session keyring when it has one (a login session
/// set up by pam_keyinit, or `keyctl session`), else the user-session keyring that the kernel gives
/// processes without one. Nullopt when the kernel keyring cannot be used (no keyctl, or a seccomp
/// filter forbids it). `session_keyring_of_its_own` tells which of the two it is.
struct CacheKeyring {
  int id = 0;
  bool session_keyring_of_its_own = false;
};
std::optional<CacheKeyring> cache_keyring();

/// The cached key for `description`, or nullopt (none, timed out, or no keyring).
std::optional<DataKey> find_cached_key(const std::string& description);

/// Caches `key` for `timeout_seconds` (> 0), replacing an older entry. An error is not fatal to
/// the caller: the store then works as without a cache.
sdk::Status cache_key(const std::string& description, const DataKey& key, unsigned timeout_seconds);

/// Forgets the cached key. True when one was there.
sdk::Result<bool> forget_cached_key(const std::string& description);

}  // namespace entratool::keystore
