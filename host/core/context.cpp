#include "core/context.h"

#include <sys/stat.h>

#include <cstdlib>
#include <ostream>

#include "core/paths.h"
#include "entratool/sdk/secret_store.h"
#include "entratool/support/files.h"
#include "entratool/support/json.h"
#include "plugins/plugin_registry.h"
#include "services/host_bridge.h"
#include "services/services.h"

namespace entratool::host {

Context::Context(std::ostream& out_stream, std::ostream& err_stream, GlobalOptions options)
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
  }
  return *services_;
}

sdk::Result<sdk::SecretStore*> Context::secret_store() {
  if (store_) return store_;
  // A store the system policy forces cannot be changed by the environment or the user's config.
  std::string id = plugins().policy().secret_store;
  const bool forced = !id.empty();
  if (const char* env = std::getenv("ENTRATOOL_KEYSTORE"); !forced && env && *env) id = env;
  sdk::StoreContext sc;
  // config.json is optional settings for the whole tool:
  // {"keystore": "<plugin id>", "keystore_settings": {"<name>": "<string>", ...}, "allow_shadowing": false}.
  const std::string path = config_dir() + "/config.json";
  auto cfg = user_config();
  if (!cfg) return cfg.status();
  if (const support::json::Value* doc = *cfg) {
    if (id.empty()) id = doc->get_string("keystore");
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
  if (id.empty()) {
#if defined(_WIN32)
    id = "dpapi";
#elif defined(__APPLE__)
    id = "keychain";
#else
    id = "encrypted-file";
#endif
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
  store_ = *store;
  return store_;
}

}  // namespace entratool::host
