#include "keychain_store.h"

#include <algorithm>
#include <exception>
#include <utility>

namespace entratool::keystore {

using sdk::Result;
using sdk::Status;
namespace ks = keychain_status;

namespace {

bool printable(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x20 && c <= 0x7e; });
}

bool valid_name(std::string_view name) {
  return !name.empty() && name.size() <= kKeychainMaxNameLength && printable(name);
}

Status error(std::string message, std::string code) {
  return Status::error(sdk::ErrorCategory::general, std::move(message), std::move(code));
}

Status invalid_name() {
  return error(
      "invalid secret name (it must be 1 to " + std::to_string(kKeychainMaxNameLength) + " printable ASCII characters)",
      "");
}

Status not_opened() { return Status::general("secret store used before it was opened"); }

Status catch_all(const char* what) {
  return Status::general(std::string("secret store: unexpected failure while ") + what);
}

}  // namespace

KeychainStore::KeychainStore(Factory factory) : factory_(std::move(factory)) {}

Status KeychainStore::open(const sdk::StoreContext& context, sdk::HostServices& services) {
  try {
    services_ = &services;
    if (auto it = context.settings.find("service"); it != context.settings.end()) {
      if (it->second.empty() || it->second.size() > 255 || !printable(it->second))
        return Status::general("keystore setting \"service\" must be 1 to 255 printable ASCII characters");
      service_ = it->second;
    }
    if (auto it = context.settings.find("keychain"); it != context.settings.end()) keychain_path_ = it->second;
    if (!factory_) return Status::general("the keychain store was built without the Security framework");
    api_ = factory_(keychain_path_);
    if (!api_) return Status::general("the keychain store cannot reach the Security framework");
    return Status::ok();
  } catch (const std::exception&) {
    return catch_all("opening the keychain");
  }
}

Status KeychainStore::failure(std::int32_t status, const char* verb, std::string_view name) const {
  std::string what = name.empty() ? std::string("the secret store's items") : "secret '" + std::string(name) + "'";
  std::string keychain = keychain_path_.empty() ? std::string("the keychain") : "the keychain '" + keychain_path_ + "'";
  std::string unlock = keychain_path_.empty() ? std::string("security unlock-keychain")
                                              : "security unlock-keychain '" + keychain_path_ + "'";
  switch (status) {
    case ks::kInteractionNotAllowed:
    case ks::kInteractionRequired:
      return error(keychain +
                       " is locked and cannot ask to be unlocked here (e.g. over SSH or in a job), so entratool "
                       "could not " +
                       std::string(verb) + " " + what + ": run `" + unlock + "` and try again",
                   sdk::codes::kStoreLocked);
    case ks::kAuthFailed:
      return error(keychain + " refused access to " + what +
                       " (errSecAuthFailed: a wrong keychain password, or this entratool is not allowed to use the "
                       "item); allow it in Keychain Access, or unlock the keychain with `" +
                       unlock + "`",
                   "keychain_auth_failed");
    case ks::kUserCanceled:
      return error("access to " + what + " in " + keychain + " was cancelled at the keychain's prompt",
                   sdk::codes::kCancelled);
    case ks::kNoSuchKeychain:
    case ks::kInvalidKeychain:
      return error(keychain + " does not exist or is not a keychain (check \"keychain\" in the keystore settings)",
                   "store_unavailable");
    case ks::kNotAvailable:
    case ks::kNoDefaultKeychain:
      return error(
          "no keychain is available to this session (no default keychain); create one in Keychain Access, "
          "name one with the keystore setting \"keychain\", or choose another secret store",
          "store_unavailable");
    case ks::kReadOnly:
      return error(keychain + " is read-only, so " + what + " cannot be stored or removed", "store_unavailable");
    case ks::kMissingEntitlement:
      return error("this entratool is not entitled to use " + keychain + " (errSecMissingEntitlement)",
                   "store_unavailable");
    case ks::kDataTooLarge:
      return error(what + " is too large for " + keychain + "; nothing was stored", "too_large");
    case ks::kDecode:
      return error("the keychain item of " + what + " (service '" + service_ +
                       "') cannot be decoded; it was left "
                       "untouched — remove it in Keychain Access and store the secret again",
                   "corrupt");
    default: {
      std::string text = api_ ? api_->status_text(status) : std::string();
      return error("keychain error " + std::to_string(status) + (text.empty() ? "" : " (" + text + ")") +
                       " while trying to " + verb + " " + what + " in " + keychain,
                   "keychain");
    }
  }
}

Result<std::optional<std::string>> KeychainStore::get(std::string_view name) {
  try {
    if (!valid_name(name)) return invalid_name();
    if (!api_) return not_opened();
    std::string data;
    std::int32_t status = api_->copy_data(service_, name, data);
    if (status == ks::kItemNotFound) return std::optional<std::string>();
    if (status != ks::kSuccess) return failure(status, "read", name);
    return std::optional<std::string>(std::move(data));
  } catch (const std::exception&) {
    return catch_all("reading a secret");
  }
}

Status KeychainStore::put(std::string_view name, std::string_view value) {
  try {
    if (!valid_name(name)) return invalid_name();
    if (!api_) return not_opened();
    if (value.size() > kKeychainMaxValueSize)
      return error("secret '" + std::string(name) + "' is too large for the keychain store (" +
                       std::to_string(value.size()) + " bytes; at most 16 MiB); nothing was stored",
                   "too_large");
    // Add, or update the item that exists. Another process may remove it between the two
    // calls (then add again) or add it (then update again): two rounds settle every race.
    std::int32_t status = ks::kSuccess;
    for (int round = 0; round < 2; ++round) {
      status = api_->add(service_, name, value);
      if (status != ks::kDuplicateItem) break;
      status = api_->update(service_, name, value);
      if (status != ks::kItemNotFound) break;
    }
    if (status != ks::kSuccess) return failure(status, "store", name);
    return Status::ok();
  } catch (const std::exception&) {
    return catch_all("storing a secret");
  }
}

Status KeychainStore::erase(std::string_view name) {
  try {
    if (!valid_name(name)) return invalid_name();
    if (!api_) return not_opened();
    std::int32_t status = api_->remove(service_, name);
    if (status == ks::kSuccess || status == ks::kItemNotFound) return Status::ok();
    return failure(status, "remove", name);
  } catch (const std::exception&) {
    return catch_all("removing a secret");
  }
}

Result<std::vector<std::string>> KeychainStore::list(std::string_view prefix) {
  try {
    if (!api_) return not_opened();
    std::vector<std::string> accounts;
    std::int32_t status = api_->list_accounts(service_, accounts);
    if (status == ks::kItemNotFound) return std::vector<std::string>();
    if (status != ks::kSuccess) return failure(status, "list", "");
    std::vector<std::string> names;
    std::size_t skipped = 0;
    for (std::string& account : accounts) {
      if (!valid_name(account)) {
        ++skipped;
        continue;
      }
      if (account.compare(0, prefix.size(), prefix) == 0) names.push_back(std::move(account));
    }
    if (skipped > 0 && services_) {
      services_->logger().log(sdk::LogLevel::warning,
                              "secret store: skipped " + std::to_string(skipped) + " keychain item(s) of service '" +
                                  service_ + "' whose account is not a secret name; they were left untouched");
    }
    std::sort(names.begin(), names.end());
    // The search list may hold several keychains with the same item.
    names.erase(std::unique(names.begin(), names.end()), names.end());
    return names;
  } catch (const std::exception&) {
    return catch_all("listing secrets");
  }
}

std::string KeychainStore::describe() const {
  return "macOS keychain: generic passwords of service '" + service_ + "' in " +
         (keychain_path_.empty() ? std::string("the user's default keychain") : "the keychain " + keychain_path_);
}

}  // namespace entratool::keystore
