#pragma once
/// \file encrypted_file_store.h
/// The encrypted-file secret store: one AES-256-GCM file per secret in the store's folder, the
/// data key from a key file or from a passphrase through scrypt. Format and guarantees:
/// docs/secret-store.md.

#include <string>
#include <string_view>

#include "crypto.h"
#include "entratool/sdk/abi.h"
#include "entratool/sdk/secret_store.h"
#include "entratool/support/files.h"

namespace entratool::keystore {

/// Setting this when the store is first created makes it a passphrase store.
constexpr const char* kPassphraseEnv = "ENTRATOOL_KEYSTORE_PASSPHRASE";

/// Per-secret file layout: magic, format version, key mode, nonce (all authenticated as AAD),
/// then ciphertext and tag.
constexpr std::string_view kFileMagic = "ETKS";
constexpr unsigned char kFileFormatVersion = 1;
constexpr std::size_t kFileHeaderSize = 4 + 1 + 1 + kNonceSize;

/// Knobs for tests and embedders; the plugin uses the defaults.
struct StoreOptions {
  ScryptParams new_store_scrypt;  ///< KDF cost for a passphrase store created by this process
  int lock_timeout_ms = 30000;    ///< how long a mutation waits for <dir>/store.lock
  /// Keep a passphrase store's derived key in the kernel keyring between processes (key_cache.h)
  /// for the keystore setting "unlock_timeout" (15 minutes by default). Tests of the passphrase
  /// itself turn it off.
  bool key_cache = true;
};

/// See sdk::SecretStore. One instance per process and thread; safe against other processes.
class EncryptedFileStore final : public sdk::SecretStore {
 public:
  explicit EncryptedFileStore(StoreOptions options = {});
  EncryptedFileStore(const EncryptedFileStore&) = delete;  // the lock extension points at this object
  EncryptedFileStore& operator=(const EncryptedFileStore&) = delete;
  sdk::Status open(const sdk::StoreContext& context, sdk::HostServices& services) override;
  sdk::Result<std::optional<std::string>> get(std::string_view name) override;
  sdk::Status put(std::string_view name, std::string_view value) override;
  sdk::Status erase(std::string_view name) override;
  sdk::Result<std::vector<std::string>> list(std::string_view prefix) override;
  std::string describe() const override;
  /// ET_EXTENSION_STORE_LOCK ("entratool.store-lock/1"): `entratool lock`.
  const void* extension(std::string_view id) const override;

  /// What the lock extension does: forgets this store's key in the kernel keyring (and in this
  /// process). True when a cached key was there.
  sdk::Result<bool> lock_now();

  /// The file that holds (or would hold) `name`: <dir>/<hex sha256(name)>.sec.
  std::string path_for(std::string_view name) const;

 private:
  /// os_store: the data key is in the platform's store (os_key_source.h); its files are
  /// written like a key file store's (header key mode 1: a random data key).
  enum class Mode { key_file, passphrase, os_store };
  struct Settings;

  sdk::Result<std::optional<std::string>> get_impl(std::string_view name);
  sdk::Status put_impl(std::string_view name, std::string_view value);
  sdk::Status erase_impl(std::string_view name);
  sdk::Result<std::vector<std::string>> list_impl(std::string_view prefix);

  sdk::Result<std::optional<Settings>> read_settings() const;
  /// Makes key_ usable: reads store.json and unlocks; with `may_create` (lock held) creates the
  /// store when it does not exist yet.
  sdk::Status load_key(bool may_create);
  sdk::Status unlock(const Settings& settings);
  /// Passphrase mode: takes the key from the kernel keyring if it is there and opens the check
  /// value (else drops it); true when key_ is now usable.
  bool unlock_from_cache(const Settings& settings);
  /// Passphrase mode: keeps key_ in the kernel keyring for unlock_timeout_s_ (when not 0).
  void remember_key(const Settings& settings);
  sdk::Status create_store();
  sdk::Result<DataKey> read_key_file() const;
  sdk::Result<DataKey> create_key_file() const;
  sdk::Result<support::files::FileLock> lock() const;
  /// Removes temporary files left by crashed writers, if the lock is free right now.
  void remove_orphaned_temporaries(const std::vector<std::string>& names) const;

  /// Checks the header of a per-secret file; key-independent problems (truncated, foreign file,
  /// unknown version) are reported before the key is needed. `shown` names the file in messages.
  sdk::Status check_header(const std::string& shown, std::string_view data) const;
  /// Decrypts a whole per-secret file into its name and value.
  sdk::Status decode(const std::string& shown, std::string_view data, std::string& name, std::string& value) const;
  sdk::Result<std::string> encode(std::string_view name, std::string_view value) const;

  std::string settings_path() const { return dir_ + "/store.json"; }
  std::string key_path() const { return dir_ + "/key"; }

  StoreOptions options_;
  std::string dir_;
  sdk::HostServices* services_ = nullptr;
  Mode mode_ = Mode::key_file;
  bool create_with_os_store_key_ = false;  ///< keystore setting key_source=os-store
  DataKey key_;
  unsigned unlock_timeout_s_;
  et_store_lock lock_extension_;
};

}  // namespace entratool::keystore
