#include "key_cache.h"

#include <keyutils.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>

#include "entratool/support/sha256.h"

namespace entratool::keystore {

namespace {

// The cached key may be read, found, linked into the target keyring and expired by whoever
// possesses it (processes that reach it from their session keyring: the same user's, in the same
// session); other processes of the user may only see that it exists.
constexpr key_perm_t kKeyPermissions =
    KEY_POS_VIEW | KEY_POS_READ | KEY_POS_SEARCH | KEY_POS_LINK | KEY_POS_SETATTR | KEY_USR_VIEW;

std::string why() { return std::strerror(errno); }

}  // namespace

sdk::Result<unsigned> parse_unlock_timeout(std::string_view text) {
  auto problem = [&] {
    return sdk::Status::general(std::string("the keystore setting '") + kUnlockTimeoutSetting + "' is '" +
                                std::string(text) +
                                "'; give seconds (900), or minutes or hours (15m, 1h), or 0 to never keep the "
                                "unlocked key");
  };
  std::string_view digits = text;
  unsigned long long unit = 1;
  if (!digits.empty()) {
    switch (digits.back()) {
      case 's':
        digits.remove_suffix(1);
        break;
      case 'm':
        unit = 60;
        digits.remove_suffix(1);
        break;
      case 'h':
        unit = 3600;
        digits.remove_suffix(1);
        break;
      default:
        break;
    }
  }
  if (digits.empty() || digits.size() > 9) return problem();
  unsigned long long value = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return problem();
    value = value * 10 + static_cast<unsigned long long>(c - '0');
  }
  value *= unit;
  if (value > UINT_MAX) return problem();
  return static_cast<unsigned>(value);
}

std::string key_cache_description(const std::string& store_dir, std::string_view salt) {
  std::string identity;
  if (char* real = ::realpath(store_dir.c_str(), nullptr)) {
    identity = real;
    std::free(real);  // NOLINT(cppcoreguidelines-no-malloc): realpath's allocation
  } else {
    identity = store_dir;
  }
  identity.push_back('\0');
  identity.append(salt);
  return "entratool:" + support::sha256_hex(identity);
}

std::optional<CacheKeyring> cache_keyring() {
  // Without a session keyring of its own, a process's KEY_SPEC_SESSION_KEYRING is the user-session
  // keyring (looked up without creating anything); with one, they differ.
  key_serial_t session = ::keyctl_get_keyring_ID(KEY_SPEC_SESSION_KEYRING, 0);
  key_serial_t user_session = ::keyctl_get_keyring_ID(KEY_SPEC_USER_SESSION_KEYRING, 0);
  if (session > 0 && session != user_session) return CacheKeyring{session, true};
  if (user_session > 0) return CacheKeyring{user_session, false};
  return std::nullopt;
}

std::optional<DataKey> find_cached_key(const std::string& description) {
  auto ring = cache_keyring();
  if (!ring) return std::nullopt;
  long id = ::keyctl_search(ring->id, "user", description.c_str(), 0);
  if (id < 0) return std::nullopt;
  std::string bytes(kKeySize + 1, '\0');
  long size = ::keyctl_read(static_cast<key_serial_t>(id), bytes.data(), bytes.size());
  if (size != static_cast<long>(kKeySize)) {
    wipe(bytes);
    return std::nullopt;
  }
  bytes.resize(kKeySize);
  return DataKey(std::move(bytes));
}

sdk::Status cache_key(const std::string& description, const DataKey& key, unsigned timeout_seconds) {
  if (!key.valid() || timeout_seconds == 0) return sdk::Status::general("internal error: nothing to cache");
  auto ring = cache_keyring();
  if (!ring) return sdk::Status::general("the kernel keyring is not available: " + why());
  // The key is made in this process's own keyring, given its timeout and permissions there, and
  // only then linked into the shared keyring (replacing an older key of the same description): a
  // process killed half-way leaves nothing without a timeout behind.
  key_serial_t id =
      ::add_key("user", description.c_str(), key.bytes().data(), key.bytes().size(), KEY_SPEC_PROCESS_KEYRING);
  if (id < 0) return sdk::Status::general("cannot add the unlocked key to the kernel keyring: " + why());
  sdk::Status status;
  if (::keyctl_set_timeout(id, timeout_seconds) != 0 || ::keyctl_setperm(id, kKeyPermissions) != 0)
    status = sdk::Status::general("cannot set up the unlocked key in the kernel keyring: " + why());
  else if (::keyctl_link(id, ring->id) != 0)
    status = sdk::Status::general("cannot link the unlocked key into the session keyring: " + why());
  if (!status) ::keyctl_invalidate(id);
  ::keyctl_unlink(id, KEY_SPEC_PROCESS_KEYRING);
  return status;
}

sdk::Result<bool> forget_cached_key(const std::string& description) {
  auto ring = cache_keyring();
  if (!ring) return false;
  bool dropped = false;
  // Invalidating removes the key from every keyring at once; more than one match would be keys
  // linked in by hand, which go too.
  for (int round = 0; round < 16; ++round) {
    long id = ::keyctl_search(ring->id, "user", description.c_str(), 0);
    if (id < 0) break;
    if (::keyctl_invalidate(static_cast<key_serial_t>(id)) != 0 &&
        ::keyctl_unlink(static_cast<key_serial_t>(id), ring->id) != 0)
      return sdk::Status::general("cannot remove the unlocked key from the kernel keyring: " + why());
    dropped = true;
  }
  return dropped;
}

}  // namespace entratool::keystore
