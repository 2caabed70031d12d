#include "core/context.h"

#include <cstdlib>

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

PluginRegistry& Context::plugins() {
  // Plugins get the host's services through one et_host, made when the first library loads.
  if (!plugins_)
    plugins_ = std::make_unique<PluginRegistry>(plugin_search_dirs(options_.plugin_dirs),
                                                [this] { return host_bridge(services()); });
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
  std::string id;
  if (const char* env = std::getenv("ENTRATOOL_KEYSTORE"); env && *env) id = env;
  sdk::StoreContext sc;
  // config.json is optional settings for the whole tool:
  // {"keystore": "<plugin id>", "keystore_settings": {"<name>": "<string>", ...}}.
  std::string path = config_dir() + "/config.json";
  if (support::files::exists(path)) {
    // config.json picks the secret store: the same trust rules as profiles.json.
    if (auto s = support::files::check_trusted_directory(config_dir()); !s) return s;
    auto text = support::files::read_file(path, support::files::trusted_file_rules("settings file"));
    if (!text) return text.status();
    auto doc = support::json::parse(*text);
    if (!doc || !doc->is_object())
      return sdk::Status::general("'" + path + "' is not a valid JSON object; fix or remove it");
    if (id.empty()) id = doc->get_string("keystore");
    if (const auto* settings = doc->find("keystore_settings")) {
      if (!settings->is_object())
        return sdk::Status::general("'" + path + "': \"keystore_settings\" must be an object of strings");
      for (const auto& [name, value] : settings->members()) {
        if (!value.is_string())
          return sdk::Status::general(std::string("'").append(path).append("': keystore setting '").append(name).append("' must be a string"));
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
