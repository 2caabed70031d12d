#include "os_key_source.h"

#include <algorithm>

#include "entratool/support/encoding.h"

namespace entratool::keystore::os_key {

using sdk::Result;
using sdk::Status;

namespace {

// The value kept in the platform store: a versioned text form, so a damaged or foreign value is
// recognised (and any store that handles only text can hold it).
constexpr std::string_view kValuePrefix = "entratool-data-key-v1:";
constexpr std::size_t kKeyIdBytes = 16;

std::string where(const std::string& dir) { return "the secret store at " + dir; }

}  // namespace

Result<bool> requested(const std::map<std::string, std::string>& settings) {
  auto it = settings.find(kSetting);
  if (it == settings.end() || it->second.empty() || it->second == "key-file") return false;
  if (it->second == kModeName) return true;
  return Status::general("unknown keystore setting " + std::string(kSetting) + " '" + it->second +
                         "' in config.json; use \"key-file\" or \"os-store\"");
}

bool valid_key_id(const std::string& key_id) {
  return key_id.size() == 2 * kKeyIdBytes && std::all_of(key_id.begin(), key_id.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

std::string key_name(const std::string& key_id) { return "encrypted-file/data-key/" + key_id; }

Result<NewKey> create(sdk::HostServices& services, const std::string& dir) {
  auto id = random_bytes(kKeyIdBytes);
  if (!id) return id.status();
  auto bytes = random_bytes(kKeySize);
  if (!bytes) return bytes.status();
  NewKey made{DataKey(std::move(*bytes)), support::hex_encode(*id)};
  std::string value = std::string(kValuePrefix).append(support::base64_encode(made.key.bytes()));
  auto& platform = services.platform_secrets();
  Status stored = platform.put(key_name(made.key_id), value);
  wipe(value);
  if (!stored)
    return stored.with_message("cannot keep the data key of " + where(dir) +
                               " in the platform store: " + stored.message());
  // Read back before any secret is encrypted with it: a key the store cannot return would make
  // every secret written now unreadable.
  auto back = load(services, made.key_id, dir);
  if (!back) return back.status();
  if (back->bytes() != made.key.bytes())
    return Status::general("the platform store returned another data key than the one just stored for " + where(dir));
  return made;
}

Result<DataKey> load(sdk::HostServices& services, const std::string& key_id, const std::string& dir) {
  const std::string name = key_name(key_id);
  auto got = services.platform_secrets().get(name);
  if (!got)
    return got.status().with_message("the data key of " + where(dir) +
                                     " is in the platform store, which cannot be used: " + got.status().message());
  if (!got->has_value())
    return Status::general("the data key of " + where(dir) + " ('" + name + "') is not in " +
                           services.platform_secrets().describe() +
                           "; was the folder copied from another account or machine, or the key removed? Without "
                           "it the secrets cannot be decrypted: restore the key, or remove " +
                           dir + " and store the secrets again");
  std::string value = std::move(**got);
  std::optional<std::string> bytes;
  if (value.compare(0, kValuePrefix.size(), kValuePrefix) == 0)
    bytes = support::base64_decode(std::string_view(value).substr(kValuePrefix.size()));
  wipe(value);
  if (!bytes || bytes->size() != kKeySize) {
    if (bytes) wipe(*bytes);
    return Status::error(sdk::ErrorCategory::general,
                         "the data key of " + where(dir) + " ('" + name + "' in " +
                             services.platform_secrets().describe() +
                             ") is damaged; it was left untouched — restore it (without it the secrets cannot be "
                             "decrypted)",
                         "corrupt");
  }
  return DataKey(std::move(*bytes));
}

std::string describe(sdk::HostServices* services, const std::string& key_id) {
  std::string in = services ? services->platform_secrets().describe() : std::string("the platform store");
  return "data key '" + key_name(key_id) + "' in " + in;
}

}  // namespace entratool::keystore::os_key
