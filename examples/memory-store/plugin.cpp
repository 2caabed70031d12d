// Secrets in memory, for one process (nothing reaches the disk), seeded from config.json's
// "keystore_settings" (name -> value). ENTRATOOL_KEYSTORE=memory-store selects it. For tests.
#include <entratool/sdk/plugin.h>  // the whole SDK: the interfaces, the adapter, the entry macro

using namespace entratool::sdk;

struct MemoryStore final : SecretStore {
  Status open(const StoreContext& context, HostServices&) override {
    secrets.insert(context.settings.begin(), context.settings.end());
    return Status::ok();
  }
  Result<std::optional<std::string>> get(std::string_view name) override {
    return secrets.count(name) ? std::optional<std::string>(secrets.find(name)->second) : std::nullopt;
  }
  Status put(std::string_view name, std::string_view value) override {
    secrets[std::string(name)] = value;
    return Status::ok();
  }
  Status erase(std::string_view name) override {
    secrets.erase(std::string(name));
    return Status::ok();
  }
  Result<std::vector<std::string>> list(std::string_view prefix) override {
    std::vector<std::string> names;  // sorted, as a std::map iterates
    for (const auto& [name, value] : secrets)
      if (name.rfind(prefix, 0) == 0) names.push_back(name);
    return names;
  }
  std::string describe() const override { return "in memory, for this process only (example store)"; }
  std::map<std::string, std::string, std::less<>> secrets;
};

Status register_components(Registrar& r) { return r.add_secret_store("memory-store", std::make_unique<MemoryStore>()); }

ENTRATOOL_PLUGIN(register_components)
