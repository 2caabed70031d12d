#include "core/context.h"

#include <sys/stat.h>

#include <cstdlib>

#include "core/paths.h"
#include "entratool/sdk/secret_store.h"
#include "entratool/support/files.h"
#include "entratool/support/json.h"
#include "plugins/plugin_registry.h"
#include "services/host_bridge.h"
#include "services/services.h"

namespace entratool::host {

Context::Context(Output& out_stream, Output& err_stream, GlobalOptions options)
    : out(out_stream), err(err_stream), options_(std::move(options)) {}

Context::~Context() = default;

const std::string& Context::config_dir() {
  if (config_dir_.empty()) config_dir_ = host::config_dir();
  return config_dir_;
}

sdk::Result<const support::json::Value*> Context::user_config() {
  if (!config_read_) {
    config_read_ = true;
    std::string path = config_dir() + "/config.json";
    if (support::files::exists(path)) {
      // config.json picks the secret store and may allow shadowing: the same trust rules as
      // profiles.json (no symlink, ours, not writable by others; the folder likewise).
      sdk::Status folder = support::files::check_trusted_directory(config_dir());
      auto text = folder ? support::files::read_file(path, support::files::trusted_file_rules("settings file"))
                         : sdk::Result<std::string>(folder);
      auto doc = text ? support::json::parse(*text) : sdk::Result<support::json::Value>(text.status());
      if (!text)
        config_status_ = text.status();
      else if (!doc || !doc->is_object())
        config_status_ = sdk::Status::general("'" + path + "' is not a valid JSON object; fix or remove it");
      else
        config_doc_ = std::make_unique<support::json::Value>(std::move(*doc));
    }
  }
  if (!config_status_) return config_status_;
  return config_doc_.get();
}

PluginRegistry& Context::plugins() {
  // Plugins get the host's services through one et_host, made when the first library loads.
  if (!plugins_) {
    RegistryOptions o;
    struct stat exe {};
    const std::string exe_path = executable_path();
    o.policy = load_policy(policy_path(), ::stat(exe_path.c_str(), &exe) == 0 ? exe.st_uid : 0);
    o.config_path = config_dir() + "/config.json";
    // config.json {"allow_shadowing": true}: the user deliberately lets their own plugins replace
    // bundled or system secret stores and flows. A broken config.json is reported by the store.
    if (auto cfg = user_config(); cfg && *cfg)
      if (const auto* v = (*cfg)->find("allow_shadowing"); v && v->is_bool()) o.allow_shadowing = v->as_bool();
    o.warn = [this](const std::string& text) { err << "entratool: warning: " << text << '\n'; };
    plugins_ = std::make_unique<PluginRegistry>(
        plugin_search_dirs(options_.plugin_dirs), [this] { return host_bridge(services()); }, std::move(o));
  }
  return *plugins_;
}

Services& Context::services() {
  if (!services_) {
    services_ = std::make_unique<Services>();
    services_->set_verbose(options_.verbose);
    // A store that keeps its key in the platform store (encrypted-file, os-store) reaches it here.
    services_->set_store_opener([this](const std::string& platform_id) { return open_store(platform_id); });
  }
  return *services_;
}

sdk::Result<Context::StoreChoice> Context::store_choice() {
  // A store the system policy forces cannot be changed by the environment or the user's config.
  if (const std::string& forced = plugins().policy().secret_store; !forced.empty())
    return StoreChoice{forced, "policy", "forced by the system policy " + policy_path()};
  if (const char* env = std::getenv("ENTRATOOL_KEYSTORE"); env && *env)
    return StoreChoice{env, "environment", "chosen by ENTRATOOL_KEYSTORE"};
  const std::string path = config_dir() + "/config.json";
  auto cfg = user_config();
  if (!cfg) return cfg.status();
  if (const support::json::Value* doc = *cfg) {
    // "secret_store" is the name; "keystore" the older one, still read.
    const support::json::Value* chosen = doc->find("secret_store");
    const support::json::Value* alias = doc->find("keystore");
    for (const auto* v : {chosen, alias})
      if (v && (!v->is_string() || v->text().empty()))
        return sdk::Status::general("'" + path + "': \"" + (v == chosen ? "secret_store" : "keystore") +
                                    "\" must be the id of a secret store plugin");
    if (chosen && alias && chosen->text() != alias->text())
      return sdk::Status::general("'" + path + "' names two secret stores (\"secret_store\": \"" + chosen->text() +
                                  "\", \"keystore\": \"" + alias->text() + "\"); remove \"keystore\"");
    if (chosen) return StoreChoice{chosen->text(), "config", "chosen by \"secret_store\" in " + path};
    if (alias) return StoreChoice{alias->text(), "config", "chosen by \"keystore\" in " + path};
  }
#if defined(_WIN32)
  return StoreChoice{"dpapi", "default", "the default on Windows"};
#elif defined(__APPLE__)
  return StoreChoice{"keychain", "default", "the default on macOS"};
#else
  return StoreChoice{"encrypted-file", "default", "the default on Linux"};
#endif
}

std::vector<std::string> Context::store_ids() { return plugins().ids_of_kind("secret-store"); }

sdk::Result<sdk::SecretStore*> Context::open_store(const std::string& id) {
  if (auto it = opened_stores_.find(id); it != opened_stores_.end()) return it->second;
  sdk::StoreContext sc;
  // config.json is optional settings for the whole tool: {"secret_store": "<plugin id>",
  // "keystore_settings": {"<name>": "<string>", ...}, "allow_shadowing": false}.
  const std::string path = config_dir() + "/config.json";
  auto cfg = user_config();
  if (!cfg) return cfg.status();
  if (const support::json::Value* doc = *cfg) {
    if (const auto* settings = doc->find("keystore_settings")) {
      if (!settings->is_object())
        return sdk::Status::general("'" + path + "': \"keystore_settings\" must be an object of strings");
      for (const auto& [name, value] : settings->members()) {
        if (!value.is_string())
          return sdk::Status::general(
              std::string("'").append(path).append("': keystore setting '").append(name).append("' must be a string"));
        sc.settings[name] = value.text();
      }
    }
  }
  auto store = plugins().secret_store(id);
  if (!store) return store.status();
  if (auto s = support::files::ensure_private_directory(config_dir()); !s) return s;
  sc.directory = config_dir() + "/keystore-" + id;
  sdk::Status opened;
  try {
    opened = (*store)->open(sc, services());
  } catch (...) {
    opened = sdk::Status::general("secret store plugin '" + id + "' threw an exception while opening");
  }
  if (!opened) return opened;
  opened_stores_[id] = *store;
  return *store;
}

sdk::Result<sdk::SecretStore*> Context::secret_store() {
  if (store_) return store_;
  auto choice = store_choice();
  if (!choice) return choice.status();
  auto store = open_store(choice->id);
  if (!store) {
    // Never a silent fallback to another (maybe weaker) store: say what the user can do.
    std::string others;
    for (const auto& id : store_ids())
      if (id != choice->id) others += (others.empty() ? "" : ", ") + id;
    std::string message = "the secret store '" + choice->id + "' (" + choice->because +
                          ") cannot be used: " + store.status().message() + "; ";
    if (choice->source == "policy")
      message += "ask your administrator (the system policy forces this store)";
    else
      message += (others.empty() ? std::string("no other store is installed")
                                 : "other installed stores: " + others +
                                       " (choose with ENTRATOOL_KEYSTORE or "
                                       "\"secret_store\" in config.json)");
    return store.status().with_message(message);
  }
  store_ = *store;
  return store_;
}

}  // namespace entratool::host
