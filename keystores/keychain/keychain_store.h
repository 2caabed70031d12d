#pragma once
/// \file keychain_store.h
/// The macOS Keychain secret store: each secret is a generic password whose service is
/// "entratool" (setting "service") and whose account is the secret's name, in the user's default
/// keychain or in the keychain file named by the setting "keychain". The Security calls go
/// through KeychainApi (keychain_api.h), so this logic is tested anywhere against a fake.
/// Guarantees and messages: docs/secret-store.md ("keychain (macOS)").

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "entratool/sdk/secret_store.h"
#include "keychain_api.h"

namespace entratool::keystore {

inline constexpr const char* kKeychainDefaultService = "entratool";
/// The largest value stored; more is refused, never truncated.
inline constexpr std::size_t kKeychainMaxValueSize = std::size_t{16} << 20;
inline constexpr std::size_t kKeychainMaxNameLength = 4096;

/// See sdk::SecretStore. One instance per process and thread; the keychain serialises writers.
class KeychainStore final : public sdk::SecretStore {
 public:
  /// Makes the keychain for a path ("" = the user's default); called once, by open().
  using Factory = std::function<std::unique_ptr<KeychainApi>(const std::string& keychain_path)>;
  explicit KeychainStore(Factory factory);

  /// Settings (config.json "keystore_settings"): "keychain" (a keychain file) and "service".
  sdk::Status open(const sdk::StoreContext& context, sdk::HostServices& services) override;
  sdk::Result<std::optional<std::string>> get(std::string_view name) override;
  sdk::Status put(std::string_view name, std::string_view value) override;
  sdk::Status erase(std::string_view name) override;
  sdk::Result<std::vector<std::string>> list(std::string_view prefix) override;
  std::string describe() const override;

 private:
  /// The error for a status the call did not expect; `verb` is "read", "store", "remove" or
  /// "list", `name` empty for a listing.
  sdk::Status failure(std::int32_t status, const char* verb, std::string_view name) const;

  Factory factory_;
  std::unique_ptr<KeychainApi> api_;
  std::string service_ = kKeychainDefaultService;
  std::string keychain_path_;
  sdk::HostServices* services_ = nullptr;
};

}  // namespace entratool::keystore
