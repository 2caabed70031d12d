#include "encrypted_file_store.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <exception>

#include "entratool/sdk/store_lock.h"
#include "entratool/support/encoding.h"
#include "entratool/support/json.h"
#include "key_cache.h"
#include "os_key_source.h"

namespace entratool::keystore {

using sdk::Result;
using sdk::Status;

namespace {

constexpr int kSettingsFormat = 1;
constexpr std::size_t kSaltSize = 16;
constexpr std::size_t kMaxNameLength = 4096;
constexpr std::size_t kMaxValueSize = std::size_t{64} << 20;
constexpr unsigned char kModeKeyFile = 1;
constexpr unsigned char kModePassphrase = 2;
constexpr std::string_view kCheckPlaintext = "entratool secret store key check v1";
constexpr std::string_view kSecSuffix = ".sec";

const char kRecoveryAdvice[] = "it was left untouched — restore it or remove it and store the secret again";

std::string reason() { return std::strerror(errno); }

std::string quoted(const std::string& path) { return "'" + path + "'"; }

/// Reads a file that must not be a symlink; nullopt when it does not exist.
Result<std::optional<std::string>> read_if_exists(const std::string& path) {
  // O_NONBLOCK: a FIFO planted here opens at once and is refused below instead of hanging.
  int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return std::optional<std::string>();
    if (errno == ELOOP)
      return Status::general(quoted(path) + " is a symbolic link; the secret store only uses its own files");
    return Status::general("cannot read " + quoted(path) + ": " + reason());
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return Status::general(quoted(path) + " is not a regular file; the secret store only uses its own files - " +
                           "remove it");
  }
  if (static_cast<unsigned long long>(st.st_size) > kMaxValueSize + kMaxNameLength + 4096) {
    ::close(fd);
    return Status::general("the secret store file " + quoted(path) + " is too large to be ours; " + kRecoveryAdvice);
  }
  // Straight into the result, sized from fstat (one byte more: the read that sees the end needs no
  // growth); a file that grows while it is read is still bounded.
  const std::size_t limit = kMaxValueSize + kMaxNameLength + 4096;
  std::string data(static_cast<std::size_t>(st.st_size) + 1, '\0');
  std::size_t used = 0;
  for (;;) {
    if (used == data.size()) {
      if (used > limit) {
        ::close(fd);
        return Status::general("the secret store file " + quoted(path) + " is too large to be ours; " +
                               kRecoveryAdvice);
      }
      data.resize(std::min(data.size() * 2, limit + 1));
    }
    ssize_t n = ::read(fd, data.data() + used, data.size() - used);
    if (n < 0) {
      if (errno == EINTR) continue;
      Status s = Status::general("cannot read " + quoted(path) + ": " + reason());
      ::close(fd);
      return s;
    }
    if (n == 0) break;
    used += static_cast<std::size_t>(n);
  }
  ::close(fd);
  if (used > limit)
    return Status::general("the secret store file " + quoted(path) + " is too large to be ours; " + kRecoveryAdvice);
  data.resize(used);
  return std::optional<std::string>(std::move(data));
}

bool valid_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxNameLength) return false;
  return std::all_of(name.begin(), name.end(), [](char c) { return c >= 0x20 && c <= 0x7e; });
}

// A value read from a file, for a refusal: quoted when it is printable ASCII, left out otherwise
// (an escaped newline or a control character would break the one-line message).
std::string shown(const std::string& value) { return valid_name(value) ? " '" + value + "'" : std::string(); }

Status invalid_name() {
  return Status::general("invalid secret name (it must be 1 to " + std::to_string(kMaxNameLength) +
                         " printable ASCII characters)");
}

/// A temporary file of atomic_write or of key creation: "<target>.tmp-<pid>-<random>".
bool is_temporary_file_name(std::string_view file) {
  auto pos = file.find(".tmp-");
  if (pos == std::string_view::npos) return false;
  std::string_view target = file.substr(0, pos);
  return target == "key" || target == "store.json" || (target.size() == 64 + 4 && target.substr(64) == ".sec");
}

bool is_entry_file_name(std::string_view file) {
  if (file.size() != 64 + kSecSuffix.size() || file.substr(64) != kSecSuffix) return false;
  return std::all_of(file.begin(), file.begin() + 64,
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

void fsync_dir(const std::string& dir) {
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

void put_u32(std::string& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>((v >> shift) & 0xff));
}

std::uint32_t get_u32(std::string_view in) {
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<unsigned char>(in[static_cast<std::size_t>(i)]);
  return v;
}

std::string passphrase_from_env() {
  const char* env = std::getenv(kPassphraseEnv);
  return env ? std::string(env) : std::string();
}

Status catch_all(const char* what) {
  return Status::general(std::string("secret store: unexpected failure while ") + what);
}

}  // namespace

/// What store.json records: the key mode and, for a passphrase, the KDF and its check value.
struct EncryptedFileStore::Settings {
  Mode mode = Mode::key_file;
  ScryptParams scrypt;
  std::string salt;
  std::string check;   ///< nonce || AES-GCM(kCheckPlaintext) || tag, AAD = check_aad()
  std::string key_id;  ///< os_store: names the data key in the platform store

  /// Binds the check value to the KDF parameters, so editing them is detected.
  std::string check_aad() const {
    return "entratool-keystore-check:scrypt:" + std::to_string(scrypt.n) + ":" + std::to_string(scrypt.r) + ":" +
           std::to_string(scrypt.p) + ":" + support::hex_encode(salt);
  }
};

EncryptedFileStore::EncryptedFileStore(StoreOptions options)
    : options_(options),
      unlock_timeout_s_(options.key_cache ? kDefaultUnlockTimeoutSeconds : 0),
      lock_extension_(sdk::make_store_lock(this)) {}

const void* EncryptedFileStore::extension(std::string_view id) const {
  return id == ET_EXTENSION_STORE_LOCK ? &lock_extension_ : nullptr;
}

Status EncryptedFileStore::open(const sdk::StoreContext& context, sdk::HostServices& services) {
  try {
    if (context.directory.empty()) return Status::general("secret store: no folder given");
    dir_ = context.directory;
    while (dir_.size() > 1 && dir_.back() == '/') dir_.pop_back();
    services_ = &services;
    if (auto it = context.settings.find(kUnlockTimeoutSetting); it != context.settings.end() && options_.key_cache) {
      auto timeout = parse_unlock_timeout(it->second);
      if (!timeout) return timeout.status();
      unlock_timeout_s_ = *timeout;
    }
    auto os_store = os_key::requested(context.settings);
    if (!os_store) return os_store.status();
    create_with_os_store_key_ = *os_store;
    // Only the folder is made here; the key or passphrase settings appear with the first secret,
    // so a command that never stores anything never creates (or prompts for) a key.
    return support::files::ensure_private_directory(dir_);
  } catch (const std::exception&) {
    return catch_all("opening");
  }
}

std::string EncryptedFileStore::path_for(std::string_view name) const {
  return dir_ + "/" + sha256_hex(name) + std::string(kSecSuffix);
}

Result<std::optional<std::string>> EncryptedFileStore::get(std::string_view name) {
  try {
    return get_impl(name);
  } catch (const std::exception&) {
    return catch_all("reading a secret");
  }
}

Status EncryptedFileStore::put(std::string_view name, std::string_view value) {
  try {
    return put_impl(name, value);
  } catch (const std::exception&) {
    return catch_all("storing a secret");
  }
}

Status EncryptedFileStore::erase(std::string_view name) {
  try {
    return erase_impl(name);
  } catch (const std::exception&) {
    return catch_all("removing a secret");
  }
}

Result<std::vector<std::string>> EncryptedFileStore::list(std::string_view prefix) {
  try {
    return list_impl(prefix);
  } catch (const std::exception&) {
    return catch_all("listing secrets");
  }
}

Result<std::optional<std::string>> EncryptedFileStore::get_impl(std::string_view name) {
  if (!valid_name(name)) return invalid_name();
  if (dir_.empty()) return Status::general("secret store used before it was opened");
  std::string path = path_for(name);
  auto data = read_if_exists(path);
  if (!data) return data.status();
  if (!*data) return std::optional<std::string>();
  // Names are not secret: saying which secret is damaged tells the user what to store again.
  std::string shown = quoted(path) + " (secret '" + std::string(name) + "')";
  if (Status s = check_header(shown, **data); !s) return s;
  if (Status s = load_key(false); !s) return s;
  std::string stored_name;
  std::string value;
  if (Status s = decode(shown, **data, stored_name, value); !s) return s;
  if (stored_name != name) {
    wipe(value);
    return Status::general("secret store file " + shown +
                           " holds another secret than its file name says (was it renamed or copied?); " +
                           kRecoveryAdvice);
  }
  return std::optional<std::string>(std::move(value));
}

Status EncryptedFileStore::put_impl(std::string_view name, std::string_view value) {
  if (!valid_name(name)) return invalid_name();
  if (dir_.empty()) return Status::general("secret store used before it was opened");
  if (value.size() > kMaxValueSize)
    return Status::general("secret '" + std::string(name) + "' is too large for the secret store (over 64 MiB)");
  // Unlock before taking the lock when the store exists, so that a passphrase prompt never holds
  // up other processes.
  if (!key_.valid() && support::files::exists(settings_path())) {
    if (Status s = load_key(false); !s) return s;
  }
  auto held = lock();
  if (!held) return held.status();
  // The next writer removes what a killed one left (issue 14 item 4); files of live writers stay.
  for (const std::string& target : {path_for(name), settings_path(), key_path()})
    support::files::remove_stale_temporaries(target);
  if (Status s = load_key(true); !s) return s;
  auto encoded = encode(name, value);
  if (!encoded) return encoded.status();
  return support::files::atomic_write(path_for(name), *encoded, 0600);
}

Status EncryptedFileStore::erase_impl(std::string_view name) {
  if (!valid_name(name)) return invalid_name();
  if (dir_.empty()) return Status::general("secret store used before it was opened");
  std::string path = path_for(name);
  if (!support::files::exists(path)) return Status::ok();
  auto held = lock();
  if (!held) return held.status();
  if (::unlink(path.c_str()) != 0 && errno != ENOENT)
    return Status::general("cannot remove " + quoted(path) + ": " + reason());
  fsync_dir(dir_);
  return Status::ok();
}

Result<std::vector<std::string>> EncryptedFileStore::list_impl(std::string_view prefix) {
  if (dir_.empty()) return Status::general("secret store used before it was opened");
  std::vector<std::string> files;
  std::vector<std::string> temporaries;
  DIR* d = ::opendir(dir_.c_str());
  if (!d) return Status::general("cannot list " + quoted(dir_) + ": " + reason());
  while (dirent* e = ::readdir(d)) {
    if (is_entry_file_name(e->d_name))
      files.emplace_back(e->d_name);
    else if (is_temporary_file_name(e->d_name))
      temporaries.emplace_back(e->d_name);
  }
  ::closedir(d);
  if (!temporaries.empty()) remove_orphaned_temporaries(temporaries);
  std::vector<std::string> names;
  if (files.empty()) return names;
  if (Status s = load_key(false); !s) return s;

  std::size_t skipped = 0;
  std::string first_skipped;
  for (const std::string& file : files) {
    std::string path = dir_ + "/" + file;
    auto data = read_if_exists(path);
    if (data && !*data) continue;  // erased since readdir
    std::string name;
    std::string value;
    bool ok = data && check_header(quoted(path), **data) && decode(quoted(path), **data, name, value) &&
              sha256_hex(name) + std::string(kSecSuffix) == file;
    wipe(value);
    if (!ok) {
      if (skipped++ == 0) first_skipped = path;
      continue;
    }
    if (name.compare(0, prefix.size(), prefix) == 0) names.push_back(std::move(name));
  }
  if (skipped > 0 && services_) {
    services_->logger().log(sdk::LogLevel::warning,
                            "secret store: skipped " + std::to_string(skipped) +
                                " file(s) that cannot be read or decrypted (wrong key or damaged), e.g. " +
                                quoted(first_skipped) + "; they were left untouched");
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string EncryptedFileStore::describe() const {
  std::string head = "encrypted file store at " + dir_ + " (AES-256-GCM, ";
  try {
    auto settings = read_settings();
    if (!settings) return head + "settings unreadable: " + settings.status().message() + ")";
    if (!*settings && create_with_os_store_key_)
      return head + "data key in the platform store, created with the first secret)";
    if (!*settings) {
      return head + "key file " + key_path() + " created with the first secret, or a passphrase if " + kPassphraseEnv +
             " is set then)";
    }
    const Settings& s = **settings;
    if (s.mode == Mode::key_file) return head + "key file " + key_path() + ")";
    if (s.mode == Mode::os_store) return head + os_key::describe(services_, s.key_id) + ")";
    return head + "passphrase with scrypt N=" + std::to_string(s.scrypt.n) + " r=" + std::to_string(s.scrypt.r) +
           " p=" + std::to_string(s.scrypt.p) + ")";
  } catch (const std::exception&) {
    return head + "settings unreadable)";
  }
}

Result<std::optional<EncryptedFileStore::Settings>> EncryptedFileStore::read_settings() const {
  std::string path = settings_path();
  auto text = read_if_exists(path);
  if (!text) return text.status();
  if (!*text) return std::optional<Settings>();
  auto damaged = [&](const std::string& what) {
    return Status::general("secret store settings " + quoted(path) + " " + what +
                           "; it was left untouched — restore it (without it the secrets cannot be decrypted)");
  };
  auto doc = support::json::parse(**text);
  if (!doc || !doc->is_object()) return damaged("are not valid JSON");
  const support::json::Value* format = doc->find("format");
  if (!format || !format->as_int()) return damaged("have no format version");
  if (*format->as_int() != kSettingsFormat)
    return Status::general("secret store settings " + quoted(path) + " have format version " + format->text() +
                           ", which this entratool does not support; use a newer entratool");
  Settings s;
  std::string mode = doc->get_string("mode");
  if (mode == "key-file") {
    s.mode = Mode::key_file;
    return std::optional<Settings>(std::move(s));
  }
  if (mode == os_key::kModeName) {
    s.mode = Mode::os_store;
    s.key_id = doc->get_string(os_key::kKeyIdField);
    if (!os_key::valid_key_id(s.key_id)) return damaged("have a missing or invalid key_id");
    return std::optional<Settings>(std::move(s));
  }
  if (mode != "passphrase") return damaged("name an unknown key mode" + shown(mode));
  s.mode = Mode::passphrase;
  if (const std::string kdf = doc->get_string("kdf"); kdf != "scrypt")
    return damaged("name an unknown key derivation" + shown(kdf));
  auto number = [&](const char* key) -> std::optional<long long> {
    const support::json::Value* v = doc->find(key);
    return v ? v->as_int() : std::nullopt;
  };
  auto n = number("n");
  auto r = number("r");
  auto p = number("p");
  if (!n || !r || !p || *n <= 0 || *r <= 0 || *p <= 0 || *r > 0xffffffffLL || *p > 0xffffffffLL)
    return damaged("have missing or invalid scrypt parameters");
  s.scrypt.n = static_cast<std::uint64_t>(*n);
  s.scrypt.r = static_cast<std::uint32_t>(*r);
  s.scrypt.p = static_cast<std::uint32_t>(*p);
  if (std::string problem = scrypt_params_problem(s.scrypt); !problem.empty())
    return damaged("have scrypt parameters out of bounds (" + problem + ")");
  auto salt = support::base64_decode(doc->get_string("salt"));
  auto check = support::base64_decode(doc->get_string("check"));
  if (!salt || salt->size() < kSaltSize) return damaged("have a missing or short salt");
  if (!check || check->size() < kNonceSize + kTagSize) return damaged("have a missing or short check value");
  s.salt = std::move(*salt);
  s.check = std::move(*check);
  return std::optional<Settings>(std::move(s));
}

Status EncryptedFileStore::load_key(bool may_create) {
  if (key_.valid()) return Status::ok();
  // Without a usable cipher every file would look damaged and every passphrase wrong.
  if (std::string problem = aes_problem(); !problem.empty())
    return Status::general("the secret store at " + dir_ + " cannot decrypt or encrypt: " + problem);
  auto settings = read_settings();
  if (!settings) return settings.status();
  if (*settings) return unlock(**settings);
  if (!may_create) {
    return Status::general("secret store at " + dir_ + " holds secret files but its settings " +
                           quoted(settings_path()) +
                           " are missing, so they cannot be decrypted; restore that file (and the key file), or "
                           "remove the folder and store the secrets again");
  }
  return create_store();
}

Status EncryptedFileStore::unlock(const Settings& settings) {
  std::string passphrase = passphrase_from_env();
  if (settings.mode == Mode::os_store) {
    if (!passphrase.empty()) {
      wipe(passphrase);
      return Status::general(std::string("the secret store at ") + dir_ + " keeps its key in the platform store, but " +
                             kPassphraseEnv + " is set; unset it to use this store");
    }
    if (!services_) return Status::general("the secret store at " + dir_ + " needs the host's platform store");
    auto key = os_key::load(*services_, settings.key_id, dir_);
    if (!key) return key.status();
    key_ = std::move(*key);
    mode_ = Mode::os_store;
    return Status::ok();
  }
  if (settings.mode == Mode::key_file) {
    if (!passphrase.empty()) {
      wipe(passphrase);
      return Status::general(std::string("the secret store at ") + dir_ + " was created with a key file, but " +
                             kPassphraseEnv +
                             " is set; unset it to use this store (docs/secret-store.md says how "
                             "to switch to a passphrase)");
    }
    auto key = read_key_file();
    if (!key) return key.status();
    key_ = std::move(*key);
    mode_ = Mode::key_file;
    return Status::ok();
  }
  // Unlocked earlier in this session: the passphrase (from the environment or a prompt) is not
  // needed, and scrypt does not run.
  if (unlock_from_cache(settings)) {
    wipe(passphrase);
    return Status::ok();
  }
  bool from_env = !passphrase.empty();
  if (!from_env) {
    if (!services_)
      return Status::general(std::string("the secret store at ") + dir_ + " needs a passphrase: set " + kPassphraseEnv);
    auto answer = services_->console().prompt_secret("Passphrase for the secret store at " + dir_ + ": ");
    if (!answer) {
      return Status::general(std::string("the secret store at ") + dir_ + " is protected by a passphrase: set " +
                             kPassphraseEnv + " or run in a terminal (" + answer.status().message() + ")");
    }
    passphrase = std::move(*answer);
  }
  auto key = derive_scrypt(passphrase, settings.salt, settings.scrypt);
  wipe(passphrase);
  if (!key) return key.status();
  std::string_view check = settings.check;
  auto opened = open_sealed(*key, check.substr(0, kNonceSize), settings.check_aad(), check.substr(kNonceSize));
  if (!opened || *opened != kCheckPlaintext) {
    return Status::general(std::string("wrong passphrase for the secret store at ") + dir_ +
                           (from_env ? std::string(" (from ") + kPassphraseEnv + ")" : std::string()));
  }
  key_ = std::move(*key);
  mode_ = Mode::passphrase;
  remember_key(settings);
  return Status::ok();
}

bool EncryptedFileStore::unlock_from_cache(const Settings& settings) {
  if (unlock_timeout_s_ == 0) return false;
  const std::string description = key_cache_description(dir_, settings.salt);
  auto cached = find_cached_key(description);
  if (!cached) return false;
  std::string_view check = settings.check;
  auto opened = open_sealed(*cached, check.substr(0, kNonceSize), settings.check_aad(), check.substr(kNonceSize));
  if (!opened || *opened != kCheckPlaintext) {
    // Not this store's key (another key was put under this description, or store.json's check
    // value was restored from elsewhere): drop it and ask for the passphrase.
    (void)forget_cached_key(description);
    if (services_)
      services_->logger().log(sdk::LogLevel::debug, "secret store: the cached key does not fit; dropped it");
    return false;
  }
  key_ = std::move(*cached);
  mode_ = Mode::passphrase;
  return true;
}

void EncryptedFileStore::remember_key(const Settings& settings) {
  if (unlock_timeout_s_ == 0) return;
  Status s = cache_key(key_cache_description(dir_, settings.salt), key_, unlock_timeout_s_);
  if (!s && services_)
    services_->logger().log(sdk::LogLevel::debug, "secret store: the unlocked key is not kept (" + s.message() + ")");
}

Result<bool> EncryptedFileStore::lock_now() {
  key_ = DataKey();
  if (dir_.empty()) return Status::general("secret store used before it was opened");
  auto settings = read_settings();
  if (!settings) return settings.status();
  if (!*settings || (*settings)->mode != Mode::passphrase) return false;
  return forget_cached_key(key_cache_description(dir_, (*settings)->salt));
}

Status EncryptedFileStore::create_store() {
  // Called with the lock held. Secret files without settings mean the key was lost: making a new
  // one would hide that, so refuse.
  if (DIR* d = ::opendir(dir_.c_str())) {
    bool orphans = false;
    while (dirent* e = ::readdir(d)) orphans = orphans || is_entry_file_name(e->d_name);
    ::closedir(d);
    if (orphans) return load_key(false);
  }
  support::json::Value doc = support::json::Value::object();
  doc.set("format", support::json::Value::number(static_cast<long long>(kSettingsFormat)));
  std::string passphrase = passphrase_from_env();
  if (create_with_os_store_key_) {
    if (!passphrase.empty()) {
      wipe(passphrase);
      return Status::general(std::string("the keystore setting key_source is \"os-store\" but ") + kPassphraseEnv +
                             " is set; choose one (unset it, or remove key_source from config.json)");
    }
    if (!services_) return Status::general("the secret store at " + dir_ + " needs the host's platform store");
    auto made = os_key::create(*services_, dir_);
    if (!made) return made.status();
    doc.set("mode", support::json::Value::string(os_key::kModeName));
    doc.set(os_key::kKeyIdField, support::json::Value::string(made->key_id));
    if (Status s = support::files::atomic_write(settings_path(), support::json::serialize(doc, 2) + "\n", 0600); !s)
      return s;
    key_ = std::move(made->key);
    mode_ = Mode::os_store;
    return Status::ok();
  }
  if (passphrase.empty()) {
    auto key = create_key_file();
    if (!key) return key.status();
    doc.set("mode", support::json::Value::string("key-file"));
    if (Status s = support::files::atomic_write(settings_path(), support::json::serialize(doc, 2) + "\n", 0600); !s)
      return s;
    key_ = std::move(*key);
    mode_ = Mode::key_file;
    return Status::ok();
  }
  Settings s;
  s.mode = Mode::passphrase;
  s.scrypt = options_.new_store_scrypt;
  auto salt = random_bytes(kSaltSize);
  if (!salt) return salt.status();
  s.salt = std::move(*salt);
  auto key = derive_scrypt(passphrase, s.salt, s.scrypt);
  wipe(passphrase);
  if (!key) return key.status();
  auto nonce = random_bytes(kNonceSize);
  if (!nonce) return nonce.status();
  auto sealed = seal(*key, *nonce, s.check_aad(), kCheckPlaintext);
  if (!sealed) return sealed.status();
  doc.set("mode", support::json::Value::string("passphrase"));
  doc.set("kdf", support::json::Value::string("scrypt"));
  doc.set("n", support::json::Value::number(static_cast<long long>(s.scrypt.n)));
  doc.set("r", support::json::Value::number(static_cast<long long>(s.scrypt.r)));
  doc.set("p", support::json::Value::number(static_cast<long long>(s.scrypt.p)));
  doc.set("salt", support::json::Value::string(support::base64_encode(s.salt)));
  doc.set("check", support::json::Value::string(support::base64_encode(*nonce + *sealed)));
  if (Status st = support::files::atomic_write(settings_path(), support::json::serialize(doc, 2) + "\n", 0600); !st)
    return st;
  key_ = std::move(*key);
  mode_ = Mode::passphrase;
  remember_key(s);
  return Status::ok();
}

Result<DataKey> EncryptedFileStore::read_key_file() const {
  std::string path = key_path();
  int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) {
      return Status::general("the key file " + quoted(path) +
                             " of the secret store is missing, so its secrets cannot be decrypted; restore it, or "
                             "remove " +
                             quoted(dir_) + " and store the secrets again");
    }
    return Status::general("cannot read the key file " + quoted(path) + ": " + reason());
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return Status::general("the key file " + quoted(path) + " is not a regular file");
  }
  if (st.st_uid != ::geteuid()) {
    ::close(fd);
    return Status::general("the key file " + quoted(path) + " belongs to another user; refusing to use it");
  }
  if (st.st_mode & 077) {
    ::close(fd);
    return Status::general("the key file " + quoted(path) + " is accessible to other users; run 'chmod 600 " + path +
                           "' and try again");
  }
  std::string bytes(kKeySize + 1, '\0');
  std::size_t got = 0;
  while (got < bytes.size()) {
    ssize_t n = ::read(fd, bytes.data() + got, bytes.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<std::size_t>(n);
  }
  ::close(fd);
  if (got != kKeySize) {
    wipe(bytes);
    return Status::general("the key file " + quoted(path) + " is damaged (it must hold exactly " +
                           std::to_string(kKeySize) + " bytes); it was left untouched — restore it");
  }
  bytes.resize(kKeySize);
  return DataKey(std::move(bytes));
}

Result<DataKey> EncryptedFileStore::create_key_file() const {
  // The key is written completely to a private temporary file and then link()ed into place:
  // link fails with EEXIST instead of replacing, so of two racing creators exactly one wins and
  // nobody ever reads a half-written key.
  std::string path = key_path();
  if (support::files::exists(path)) return read_key_file();
  auto key = random_bytes(kKeySize);
  if (!key) return key.status();
  auto suffix = random_bytes(8);
  if (!suffix) return suffix.status();
  std::string tmp = path + ".tmp-" + std::to_string(::getpid()) + "-" + support::hex_encode(*suffix);
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return Status::general("cannot create the key file " + quoted(path) + ": " + reason());
  bool written = ::write(fd, key->data(), key->size()) == static_cast<ssize_t>(key->size()) && ::fsync(fd) == 0;
  std::string why = reason();
  ::close(fd);
  if (!written) {
    ::unlink(tmp.c_str());
    wipe(*key);
    return Status::general("cannot write the key file " + quoted(path) + ": " + why);
  }
  int linked = ::link(tmp.c_str(), path.c_str());
  int link_errno = errno;
  ::unlink(tmp.c_str());
  fsync_dir(dir_);
  if (linked != 0) {
    wipe(*key);
    if (link_errno == EEXIST) return read_key_file();
    errno = link_errno;
    return Status::general("cannot create the key file " + quoted(path) + ": " + reason());
  }
  return DataKey(std::move(*key));
}

void EncryptedFileStore::remove_orphaned_temporaries(const std::vector<std::string>& names) const {
  // Every temporary file is written and renamed by a writer holding the lock, so once we hold it
  // the ones still there belong to writers that crashed. Only try once: a busy store is cleaned
  // by a later list.
  auto held = support::files::FileLock::acquire(dir_ + "/store.lock", 0);
  if (!held) return;
  for (const std::string& name : names) ::unlink((dir_ + "/" + name).c_str());
}

Result<support::files::FileLock> EncryptedFileStore::lock() const {
  return support::files::FileLock::acquire(dir_ + "/store.lock", options_.lock_timeout_ms);
}

Status EncryptedFileStore::check_header(const std::string& shown, std::string_view data) const {
  bool magic_ok = data.size() < kFileMagic.size() ? kFileMagic.substr(0, data.size()) == data
                                                  : data.substr(0, kFileMagic.size()) == kFileMagic;
  if (!magic_ok) return Status::general(shown + " is not an entratool secret store file; " + kRecoveryAdvice);
  if (data.size() < kFileHeaderSize + kTagSize)
    return Status::general("secret store file " + shown + " is truncated (" + std::to_string(data.size()) +
                           " bytes); " + kRecoveryAdvice);
  auto version = static_cast<unsigned char>(data[4]);
  if (version != kFileFormatVersion)
    return Status::general("secret store file " + shown + " has format version " + std::to_string(version) +
                           ", which this entratool does not support; it was left untouched — use a newer entratool, "
                           "or remove it and store the secret again");
  auto mode = static_cast<unsigned char>(data[5]);
  if (mode != kModeKeyFile && mode != kModePassphrase)
    return Status::general("secret store file " + shown + " names an unknown key mode; " + kRecoveryAdvice);
  return Status::ok();
}

Status EncryptedFileStore::decode(const std::string& shown, std::string_view data, std::string& name,
                                  std::string& value) const {
  auto mode = static_cast<unsigned char>(data[5]);
  unsigned char expected = mode_ == Mode::passphrase ? kModePassphrase : kModeKeyFile;
  if (mode != expected) {
    return Status::general("secret store file " + shown + " was written by a store using " +
                           (mode == kModePassphrase ? "a passphrase" : "a key file") + ", but this store uses " +
                           (expected == kModePassphrase ? "a passphrase" : "a key file") + "; " + kRecoveryAdvice);
  }
  std::string_view header = data.substr(0, kFileHeaderSize);
  auto plain = open_sealed(key_, header.substr(6, kNonceSize), header, data.substr(kFileHeaderSize));
  if (!plain || plain->size() < 4 || get_u32(*plain) > plain->size() - 4) {
    if (plain) wipe(*plain);
    return Status::general("secret store file " + shown + " cannot be decrypted (wrong key or damaged); " +
                           kRecoveryAdvice);
  }
  std::uint32_t name_size = get_u32(*plain);
  name.assign(*plain, 4, name_size);
  value.assign(*plain, 4 + name_size, std::string::npos);
  wipe(*plain);
  return Status::ok();
}

Result<std::string> EncryptedFileStore::encode(std::string_view name, std::string_view value) const {
  auto nonce = random_bytes(kNonceSize);
  if (!nonce) return nonce.status();
  std::string header(kFileMagic);
  header.push_back(static_cast<char>(kFileFormatVersion));
  header.push_back(static_cast<char>(mode_ == Mode::passphrase ? kModePassphrase : kModeKeyFile));
  header += *nonce;
  std::string plain;
  plain.reserve(4 + name.size() + value.size());
  put_u32(plain, static_cast<std::uint32_t>(name.size()));
  plain.append(name);
  plain.append(value);
  auto sealed = seal(key_, *nonce, header, plain);
  wipe(plain);
  if (!sealed) return sealed.status();
  return header + *sealed;
}

}  // namespace entratool::keystore
