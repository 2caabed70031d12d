#pragma once
/// \file dpapi_store.h
/// The DPAPI secret store (Windows): every secret is sealed with CryptProtectData under the
/// current user's key and a fixed application entropy, one file per secret in the store's
/// folder. Format and guarantees: docs/secret-store.md ("dpapi (Windows)").

#include <string>
#include <string_view>

#include "entratool/sdk/secret_store.h"

namespace entratool::keystore {

/// Per-secret file: magic, format version, the DPAPI blob's length (4 bytes, big-endian), the blob.
inline constexpr std::string_view kDpapiFileMagic = "ETDP";
inline constexpr unsigned char kDpapiFileFormat = 1;
inline constexpr std::size_t kDpapiHeaderSize = 4 + 1 + 4;
/// The application entropy every blob is sealed with: another program running as the same user
/// that calls CryptUnprotectData without it gets nothing.
inline constexpr std::string_view kDpapiEntropy = "entratool secret store (dpapi) v1";
/// The largest value stored; more is refused, never truncated.
inline constexpr std::size_t kDpapiMaxValueSize = std::size_t{64} << 20;
inline constexpr std::size_t kDpapiMaxNameLength = 4096;

/// See sdk::SecretStore. One instance per process and thread; safe against other processes
/// (every write is a temporary file moved over the old one).
class DpapiStore final : public sdk::SecretStore {
 public:
  sdk::Status open(const sdk::StoreContext& context, sdk::HostServices& services) override;
  sdk::Result<std::optional<std::string>> get(std::string_view name) override;
  sdk::Status put(std::string_view name, std::string_view value) override;
  sdk::Status erase(std::string_view name) override;
  sdk::Result<std::vector<std::string>> list(std::string_view prefix) override;
  std::string describe() const override;

  /// The file that holds (or would hold) `name`: <dir>\<hex sha256(name)>.sec (UTF-8).
  std::string path_for(std::string_view name) const;

 private:
  /// Decrypts a whole file into its name and value; `shown` names the file in messages.
  sdk::Status decode(const std::string& shown, std::string_view data, std::string& name, std::string& value) const;
  sdk::Result<std::string> encode(std::string_view name, std::string_view value) const;
  void remove_orphaned_temporaries(const std::vector<std::string>& files) const;

  std::string dir_;
  sdk::HostServices* services_ = nullptr;
};

}  // namespace entratool::keystore
