#include "key_cache.h"

#include <linux/keyctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "entratool/support/sha256.h"

namespace entratool::keystore {

namespace {

// The kernel keyring through its two system calls, as libkeyutils' keyctl_*() and add_key() make
// them (keyctl(2), add_key(2)): a library of its own would be one more shared object to map and
// relocate on every cached get-token (its static archive is not position-independent). The
// permission bits are the kernel's (they are not in <linux/keyctl.h>; keyutils.h spells them
// KEY_POS_VIEW ... KEY_USR_VIEW).
using key_serial_t = int32_t;
constexpr unsigned kPossessorView = 0x01000000, kPossessorRead = 0x02000000, kPossessorSearch = 0x08000000,
                   kPossessorLink = 0x10000000, kPossessorSetAttr = 0x20000000, kUserView = 0x00010000;

long keyctl(int operation, unsigned long a = 0, unsigned long b = 0, unsigned long c = 0, unsigned long d = 0) {
  return ::syscall(SYS_keyctl, operation, a, b, c, d);
}
unsigned long arg(const void* p) { return reinterpret_cast<unsigned long>(p); }
unsigned long arg(key_serial_t id) { return static_cast<unsigned long>(static_cast<long>(id)); }

key_serial_t keyring_id(key_serial_t special) {
  return static_cast<key_serial_t>(keyctl(KEYCTL_GET_KEYRING_ID, arg(special), 0));  // 0: do not create
}
long search(key_serial_t ring, const std::string& description) {
  return keyctl(KEYCTL_SEARCH, arg(ring), arg("user"), arg(description.c_str()), 0);
}
key_serial_t add_user_key(const std::string& description, const std::string& payload, key_serial_t ring) {
  return static_cast<key_serial_t>(
      ::syscall(SYS_add_key, "user", description.c_str(), payload.data(), payload.size(), static_cast<long>(ring)));
}
long invalidate(key_serial_t id) { return keyctl(KEYCTL_INVALIDATE, arg(id)); }
long unlink_key(key_serial_t id, key_serial_t ring) { return keyctl(KEYCTL_UNLINK, arg(id), arg(ring)); }

// The cached key may be read, found, linked into the target keyring and expired by whoever
// possesses it (processes that reach it from their session keyring: the same user's, in the same
// session); other processes of the user may only see that it exists.
constexpr unsigned kKeyPermissions =
    kPossessorView | kPossessorRead | kPossessorSearch | kPossessorLink | kPossessorSetAttr | kUserView;

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
  key_serial_t session = keyring_id(KEY_SPEC_SESSION_KEYRING);
  key_serial_t user_session = keyring_id(KEY_SPEC_USER_SESSION_KEYRING);
  if (session > 0 && session != user_session) return CacheKeyring{session, true};
  if (user_session > 0) return CacheKeyring{user_session, false};
  return std::nullopt;
}

std::optional<DataKey> find_cached_key(const std::string& description) {
  auto ring = cache_keyring();
  if (!ring) return std::nullopt;
  long id = search(ring->id, description);
  if (id < 0) return std::nullopt;
  std::string bytes(kKeySize + 1, '\0');
  long size = keyctl(KEYCTL_READ, arg(static_cast<key_serial_t>(id)), arg(bytes.data()), bytes.size());
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
  key_serial_t id = add_user_key(description, key.bytes(), KEY_SPEC_PROCESS_KEYRING);
  if (id < 0) return sdk::Status::general("cannot add the unlocked key to the kernel keyring: " + why());
  sdk::Status status;
  if (keyctl(KEYCTL_SET_TIMEOUT, arg(id), timeout_seconds) != 0 ||
      keyctl(KEYCTL_SETPERM, arg(id), kKeyPermissions) != 0)
    status = sdk::Status::general("cannot set up the unlocked key in the kernel keyring: " + why());
  else if (keyctl(KEYCTL_LINK, arg(id), arg(ring->id)) != 0)
    status = sdk::Status::general("cannot link the unlocked key into the session keyring: " + why());
  if (!status) invalidate(id);
  unlink_key(id, KEY_SPEC_PROCESS_KEYRING);
  return status;
}

sdk::Result<bool> forget_cached_key(const std::string& description) {
  auto ring = cache_keyring();
  if (!ring) return false;
  bool dropped = false;
  // Invalidating removes the key from every keyring at once; more than one match would be keys
  // linked in by hand, which go too.
  for (int round = 0; round < 16; ++round) {
    long id = search(ring->id, description);
    if (id < 0) break;
    if (invalidate(static_cast<key_serial_t>(id)) != 0 && unlink_key(static_cast<key_serial_t>(id), ring->id) != 0)
      return sdk::Status::general("cannot remove the unlocked key from the kernel keyring: " + why());
    dropped = true;
  }
  return dropped;
}

}  // namespace entratool::keystore
