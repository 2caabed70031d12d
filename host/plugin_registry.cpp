// Temporary: replaced by the Boost.DLL loader.
#include "plugin_registry.h"

namespace entratool::host {
struct PluginRegistry::Impl {
  std::vector<PluginCandidate> candidates;
  std::vector<std::string> notes;
};
PluginRegistry::PluginRegistry(std::vector<PluginSearchDir>) : impl_(std::make_unique<Impl>()) {}
PluginRegistry::~PluginRegistry() = default;
const std::vector<PluginCandidate>& PluginRegistry::candidates() const { return impl_->candidates; }
const std::vector<std::string>& PluginRegistry::notes() const { return impl_->notes; }
const PluginCandidate* PluginRegistry::find(std::string_view) const { return nullptr; }
std::vector<std::string> PluginRegistry::ids_of_kind(std::string_view) const { return {}; }
sdk::Result<sdk::Flow*> PluginRegistry::flow(std::string_view) { return sdk::Status::general("no plugins"); }
sdk::Result<sdk::Formatter*> PluginRegistry::formatter(std::string_view) { return sdk::Status::general("no plugins"); }
sdk::Result<sdk::SecretStore*> PluginRegistry::secret_store(std::string_view) { return sdk::Status::general("no plugins"); }
void PluginRegistry::load_all() {}
std::string_view to_string(PluginCandidate::State) { return "available"; }
}  // namespace entratool::host
