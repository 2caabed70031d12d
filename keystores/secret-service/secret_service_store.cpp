#include "secret_service_store.h"

#include <libsecret/secret.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>

namespace entratool::keystore {

using sdk::Result;
using sdk::Status;

namespace {

constexpr std::size_t kMaxNameLength = 4096;
// The session bus refuses messages over 128 MiB by default and some services keep every item in
// memory; far more than any token bundle, and a clear refusal instead of a truncated value.
constexpr std::size_t kMaxValueSize = std::size_t{8} << 20;
constexpr const char* kSecretsBusName = "org.freedesktop.secrets";
constexpr const char* kContentType = "application/octet-stream";
constexpr const char* kUnavailable = "store_unavailable";
constexpr const char* kCorrupt = "corrupt";

// DONT_MATCH_NAME: items are found by their attributes alone, so one stored with secret-tool
// (no xdg:schema) is found too.
const SecretSchema kSchema = {kSchemaName,
                              SECRET_SCHEMA_DONT_MATCH_NAME,
                              {{kApplicationAttribute, SECRET_SCHEMA_ATTRIBUTE_STRING},
                               {kNameAttribute, SECRET_SCHEMA_ATTRIBUTE_STRING},
                               {nullptr, SECRET_SCHEMA_ATTRIBUTE_STRING}},
                              0,
                              nullptr,
                              nullptr,
                              nullptr,
                              nullptr,
                              nullptr,
                              nullptr,
                              nullptr};

struct GErrorFree {
  void operator()(GError* e) const { g_error_free(e); }
};
using ErrorPtr = std::unique_ptr<GError, GErrorFree>;
struct ObjectUnref {
  void operator()(gpointer o) const { g_object_unref(o); }
};
template <class T>
using ObjectPtr = std::unique_ptr<T, ObjectUnref>;
struct TableUnref {
  void operator()(GHashTable* t) const { g_hash_table_unref(t); }
};
using TablePtr = std::unique_ptr<GHashTable, TableUnref>;
struct ValueUnref {
  void operator()(SecretValue* v) const { secret_value_unref(v); }
};
using ValuePtr = std::unique_ptr<SecretValue, ValueUnref>;
struct ListFree {
  void operator()(GList* l) const { g_list_free_full(l, g_object_unref); }
};
using ItemList = std::unique_ptr<GList, ListFree>;
struct VariantUnref {
  void operator()(GVariant* v) const { g_variant_unref(v); }
};
using VariantPtr = std::unique_ptr<GVariant, VariantUnref>;

/// Cancels the calls it is handed to after a deadline, so a Secret Service that does not answer
/// (hung, or waiting on a prompt nobody can see) is an error instead of a hang.
class Watchdog {
 public:
  explicit Watchdog(int timeout_ms) : cancellable_(g_cancellable_new()) {
    thread_ = std::thread([this, timeout_ms] {
      std::unique_lock<std::mutex> lock(mutex_);
      if (!done_cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms), [this] { return done_; })) {
        fired_ = true;
        g_cancellable_cancel(cancellable_);
      }
    });
  }
  ~Watchdog() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      done_ = true;
    }
    done_cv_.notify_all();
    thread_.join();
    g_object_unref(cancellable_);
  }
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;
  GCancellable* get() const { return cancellable_; }
  bool fired() const { return fired_; }

 private:
  GCancellable* cancellable_;
  std::mutex mutex_;
  std::condition_variable done_cv_;
  bool done_ = false;
  std::atomic<bool> fired_{false};
  std::thread thread_;
};

bool valid_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxNameLength) return false;
  return std::all_of(name.begin(), name.end(), [](char c) { return c >= 0x20 && c <= 0x7e; });
}

Status invalid_name() {
  return Status::general("invalid secret name (it must be 1 to " + std::to_string(kMaxNameLength) +
                         " printable ASCII characters)");
}

std::string one_line(const char* text) {
  std::string s = text ? text : "unknown error";
  std::replace(s.begin(), s.end(), '\n', ' ');
  return s;
}

Status unavailable(const std::string& message) {
  return Status::error(sdk::ErrorCategory::general, message, kUnavailable);
}

/// A failed call: the deadline, or what D-Bus / the service said.
Status failure(const Watchdog& watchdog, int timeout_ms, const std::string& what, const GError* error) {
  if (watchdog.fired())
    return unavailable("the Secret Service did not answer within " + std::to_string(timeout_ms / 1000) + " s while " +
                       what + "; restart it (e.g. log out and in, or 'gnome-keyring-daemon --replace') and try again");
  return unavailable("the Secret Service failed while " + what + ": " + one_line(error ? error->message : nullptr));
}

TablePtr attributes_for(const std::string* name) {
  GHashTable* table = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  g_hash_table_insert(table, g_strdup(kApplicationAttribute), g_strdup(kApplicationValue));
  if (name) g_hash_table_insert(table, g_strdup(kNameAttribute), g_strdup(name->c_str()));
  return TablePtr(table);
}

/// Where GDBus would find the session bus; empty when there is none to find. Without this check
/// GDBus "autolaunches" a new, empty bus when $DISPLAY is set (dbus-launch), which would make
/// the secrets appear to vanish instead of failing.
std::string session_bus_address() {
  if (const char* env = std::getenv("DBUS_SESSION_BUS_ADDRESS"); env && *env) return env;
  if (const char* runtime = std::getenv("XDG_RUNTIME_DIR"); runtime && *runtime) {
    std::string socket = std::string(runtime).append("/bus");
    struct stat st {};
    if (::stat(socket.c_str(), &st) == 0 && S_ISSOCK(st.st_mode)) return "unix:path=" + socket;
  }
  return {};
}

constexpr const char* kUnlockHint =
    "unlock it (log in to the desktop session, or open 'Passwords and Keys' / your keyring tool and unlock it; "
    "headless: start 'gnome-keyring-daemon --unlock' with the keyring password on its standard input), then "
    "try again";

}  // namespace

struct SecretServiceStore::Impl {
  SecretServiceOptions options;
  GDBusConnection* bus = nullptr;  // shared with GLib's singleton; one reference held
  SecretService* service = nullptr;
  SecretCollection* collection = nullptr;
  std::string label;

  ~Impl() {
    if (collection) g_object_unref(collection);
    if (service) g_object_unref(service);
    if (bus) g_object_unref(bus);
  }

  Status check_opened() const {
    if (!collection) return Status::general("the secret-service store was used before it was opened");
    // The collection may have been locked since open() (a screen lock, a D-Bus Lock call): ask
    // the service, since the proxy's cached property is only updated by a main loop.
    GError* raw = nullptr;
    VariantPtr reply(g_dbus_connection_call_sync(
        bus, kSecretsBusName, g_dbus_proxy_get_object_path(G_DBUS_PROXY(collection)), "org.freedesktop.DBus.Properties",
        "Get", g_variant_new("(ss)", "org.freedesktop.Secret.Collection", "Locked"), G_VARIANT_TYPE("(v)"),
        G_DBUS_CALL_FLAGS_NONE, options.operation_timeout_ms, nullptr, &raw));
    ErrorPtr error(raw);
    if (!reply) return unavailable("the Secret Service does not answer (" + one_line(error->message) + ")");
    GVariant* inner = nullptr;
    g_variant_get(reply.get(), "(v)", &inner);
    VariantPtr value(inner);
    if (g_variant_is_of_type(value.get(), G_VARIANT_TYPE_BOOLEAN) && g_variant_get_boolean(value.get()))
      return locked();
    return Status::ok();
  }

  Status locked() const {
    return Status::error(sdk::ErrorCategory::general,
                         "the Secret Service keyring '" + label + "' is locked; " + kUnlockHint,
                         sdk::codes::kStoreLocked);
  }

  /// True when something on the bus owns (or can be started as) org.freedesktop.secrets.
  Status check_service_present() const {
    const int timeout = options.connect_timeout_ms;
    GError* raw = nullptr;
    VariantPtr owned(g_dbus_connection_call_sync(
        bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "NameHasOwner",
        g_variant_new("(s)", kSecretsBusName), G_VARIANT_TYPE("(b)"), G_DBUS_CALL_FLAGS_NONE, timeout, nullptr, &raw));
    ErrorPtr error(raw);
    if (!owned)
      return unavailable("the D-Bus session bus does not answer (" + one_line(error->message) +
                         "); the secret-service store needs a working session bus");
    gboolean has_owner = FALSE;
    g_variant_get(owned.get(), "(b)", &has_owner);
    if (has_owner) return Status::ok();
    raw = nullptr;
    VariantPtr names(g_dbus_connection_call_sync(
        bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "ListActivatableNames", nullptr,
        G_VARIANT_TYPE("(as)"), G_DBUS_CALL_FLAGS_NONE, timeout, nullptr, &raw));
    error.reset(raw);
    if (names) {
      GVariantIter* iter = nullptr;
      g_variant_get(names.get(), "(as)", &iter);
      const gchar* name = nullptr;
      bool activatable = false;
      while (g_variant_iter_loop(iter, "&s", &name)) activatable = activatable || g_strcmp0(name, kSecretsBusName) == 0;
      g_variant_iter_free(iter);
      if (activatable) return Status::ok();
    }
    return unavailable(std::string("there is no Secret Service on the D-Bus session bus (nothing provides ") +
                       kSecretsBusName +
                       "); start one (gnome-keyring-daemon --components=secrets, KeePassXC with Secret Service "
                       "integration, or KWallet)");
  }

  Status open() {
    const std::string address = session_bus_address();
    if (address.empty())
      return unavailable(
          "there is no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set and $XDG_RUNTIME_DIR/bus does not "
          "exist); the secret-service store needs a desktop session, or run under 'dbus-run-session'");
    {
      Watchdog watchdog(options.connect_timeout_ms);
      GError* raw = nullptr;
      // Our own connection to the address found above (never an autolaunched bus).
      bus = g_dbus_connection_new_for_address_sync(
          address.c_str(),
          static_cast<GDBusConnectionFlags>(G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                            G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION),
          nullptr, watchdog.get(), &raw);
      ErrorPtr error(raw);
      if (!bus) {
        if (watchdog.fired())
          return unavailable("the D-Bus session bus at '" + address + "' does not answer within " +
                             std::to_string(options.connect_timeout_ms) + " ms");
        return unavailable("cannot connect to the D-Bus session bus at '" + address + "': " + one_line(error->message));
      }
    }
    if (Status s = check_service_present(); !s) return s;
    const int timeout = options.operation_timeout_ms;
    {
      Watchdog watchdog(timeout);
      GError* raw = nullptr;
      service = secret_service_get_sync(SECRET_SERVICE_OPEN_SESSION, watchdog.get(), &raw);
      ErrorPtr error(raw);
      if (!service) return failure(watchdog, timeout, "opening a session", error.get());
    }
    {
      Watchdog watchdog(timeout);
      GError* raw = nullptr;
      collection = secret_collection_for_alias_sync(service, SECRET_COLLECTION_DEFAULT, SECRET_COLLECTION_NONE,
                                                    watchdog.get(), &raw);
      ErrorPtr error(raw);
      if (!collection && error) return failure(watchdog, timeout, "finding the default collection", error.get());
    }
    if (!collection)
      return unavailable(
          "the Secret Service has no default collection (keyring); create one with your keyring tool (GNOME: "
          "'Passwords and Keys'), or start 'gnome-keyring-daemon --unlock' with a password on its standard input");
    gchar* text = secret_collection_get_label(collection);
    label = text && *text ? text : "default";
    g_free(text);
    if (secret_collection_get_locked(collection)) return locked();
    return Status::ok();
  }

  /// Our items for `name` (or all of ours with nullptr), secrets loaded when asked.
  Result<ItemList> search(const std::string* name, bool load_secrets) const {
    const int timeout = options.operation_timeout_ms;
    Watchdog watchdog(timeout);
    TablePtr attributes = attributes_for(name);
    GError* raw = nullptr;
    auto flags = static_cast<SecretSearchFlags>(SECRET_SEARCH_ALL | (load_secrets ? SECRET_SEARCH_LOAD_SECRETS : 0));
    GList* found = secret_collection_search_sync(collection, &kSchema, attributes.get(), flags, watchdog.get(), &raw);
    ErrorPtr error(raw);
    if (error) {
      if (found) g_list_free_full(found, g_object_unref);
      return failure(watchdog, timeout, name ? "looking up secret '" + *name + "'" : std::string("listing secrets"),
                     error.get());
    }
    return ItemList(found);
  }

  Result<std::optional<std::string>> get(const std::string& name) const {
    if (Status s = check_opened(); !s) return s;
    auto items = search(&name, true);
    if (!items) return items.status();
    const guint count = g_list_length(items->get());
    if (count == 0) return std::optional<std::string>();
    if (count > 1)
      return Status::error(sdk::ErrorCategory::general,
                           "the Secret Service keyring '" + label + "' holds " + std::to_string(count) +
                               " items for secret '" + name +
                               "'; they were left untouched — remove the extra ones (e.g. 'secret-tool clear "
                               "application entratool name " +
                               name + "') and store the secret again",
                           kCorrupt);
    auto* item = static_cast<SecretItem*>(items->get()->data);
    if (secret_item_get_locked(item)) return locked();
    ValuePtr value(secret_item_get_secret(item));
    if (!value)
      return Status::error(sdk::ErrorCategory::general,
                           "the Secret Service item for secret '" + name + "' in keyring '" + label +
                               "' has no readable value; it was left untouched — remove it and store the secret again",
                           kCorrupt);
    gsize size = 0;
    const gchar* data = secret_value_get(value.get(), &size);
    return std::optional<std::string>(std::string(data, size));
  }

  Status put(const std::string& name, std::string_view value) const {
    if (Status s = check_opened(); !s) return s;
    const int timeout = options.operation_timeout_ms;
    Watchdog watchdog(timeout);
    TablePtr attributes = attributes_for(&name);
    ValuePtr secret(secret_value_new(value.data(), static_cast<gssize>(value.size()), kContentType));
    const std::string item_label = "entratool: " + name;
    GError* raw = nullptr;
    // REPLACE: the service swaps the item with the same attributes in one call, so a reader sees
    // the old value or the new one.
    SecretItem* item = secret_item_create_sync(collection, &kSchema, attributes.get(), item_label.c_str(), secret.get(),
                                               SECRET_ITEM_CREATE_REPLACE, watchdog.get(), &raw);
    ErrorPtr error(raw);
    if (!item) return failure(watchdog, timeout, "storing secret '" + name + "'", error.get());
    g_object_unref(item);
    return Status::ok();
  }

  Status erase(const std::string& name) const {
    if (Status s = check_opened(); !s) return s;
    auto items = search(&name, false);
    if (!items) return items.status();
    const int timeout = options.operation_timeout_ms;
    for (GList* l = items->get(); l; l = l->next) {
      Watchdog watchdog(timeout);
      GError* raw = nullptr;
      gboolean deleted = secret_item_delete_sync(static_cast<SecretItem*>(l->data), watchdog.get(), &raw);
      ErrorPtr error(raw);
      if (!deleted) return failure(watchdog, timeout, "removing secret '" + name + "'", error.get());
    }
    return Status::ok();
  }

  Result<std::vector<std::string>> list(std::string_view prefix) const {
    if (Status s = check_opened(); !s) return s;
    auto items = search(nullptr, false);
    if (!items) return items.status();
    std::vector<std::string> names;
    for (GList* l = items->get(); l; l = l->next) {
      TablePtr attributes(secret_item_get_attributes(static_cast<SecretItem*>(l->data)));
      const auto* name = static_cast<const gchar*>(g_hash_table_lookup(attributes.get(), kNameAttribute));
      // An item of ours without a usable name cannot be asked for by any command; leave it.
      if (!name || !valid_name(name)) continue;
      std::string_view view(name);
      if (view.substr(0, prefix.size()) == prefix) names.emplace_back(view);
    }
    std::sort(names.begin(), names.end());
    names.erase(std::unique(names.begin(), names.end()), names.end());
    return names;
  }
};

SecretServiceStore::SecretServiceStore(SecretServiceOptions options) : impl_(new Impl) { impl_->options = options; }

SecretServiceStore::~SecretServiceStore() { delete impl_; }

Status SecretServiceStore::open(const sdk::StoreContext& /*context*/, sdk::HostServices& /*services*/) {
  try {
    if (impl_->collection) return Status::ok();
    Status s = impl_->open();
    if (!s && impl_->collection) {
      g_object_unref(impl_->collection);
      impl_->collection = nullptr;
    }
    return s;
  } catch (const std::exception&) {
    return Status::general("secret-service store: unexpected failure while opening");
  }
}

Result<std::optional<std::string>> SecretServiceStore::get(std::string_view name) {
  try {
    if (!valid_name(name)) return invalid_name();
    return impl_->get(std::string(name));
  } catch (const std::exception&) {
    return Status::general("secret-service store: unexpected failure while reading a secret");
  }
}

Status SecretServiceStore::put(std::string_view name, std::string_view value) {
  try {
    if (!valid_name(name)) return invalid_name();
    if (value.size() > kMaxValueSize)
      return Status::general("secret '" + std::string(name) + "' is too large for the Secret Service store (" +
                             std::to_string(value.size()) + " bytes, at most " + std::to_string(kMaxValueSize) +
                             "); use the encrypted-file store for it");
    return impl_->put(std::string(name), value);
  } catch (const std::exception&) {
    return Status::general("secret-service store: unexpected failure while storing a secret");
  }
}

Status SecretServiceStore::erase(std::string_view name) {
  try {
    if (!valid_name(name)) return invalid_name();
    return impl_->erase(std::string(name));
  } catch (const std::exception&) {
    return Status::general("secret-service store: unexpected failure while removing a secret");
  }
}

Result<std::vector<std::string>> SecretServiceStore::list(std::string_view prefix) {
  try {
    return impl_->list(prefix);
  } catch (const std::exception&) {
    return Status::general("secret-service store: unexpected failure while listing secrets");
  }
}

std::string SecretServiceStore::describe() const {
  std::string where = impl_->collection ? "keyring '" + impl_->label + "'" : std::string("default keyring");
  return "the Secret Service (" + where + " on the D-Bus session bus; items application=" + kApplicationValue +
         ", name=<secret>)";
}

}  // namespace entratool::keystore
