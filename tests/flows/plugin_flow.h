#pragma once
// A flow plugin loaded through its C entry point, as the host loads it, for tests and the HTTP
// probe: dlopen, descriptor check, register_components with a registrar that keeps the flow
// interfaces, and acquire() over the C boundary with host::host_bridge(services). Kept apart
// from the host's registry on purpose: it exercises exactly the boundary and nothing else.

#include <dlfcn.h>

#include <map>
#include <string>

#include "entratool/sdk/abi.h"
#include "entratool/sdk/detail/convert.h"
#include "entratool/sdk/flow.h"
#include "services/host_bridge.h"

namespace test_plugins {

namespace sdk = entratool::sdk;

class PluginFlows {
 public:
  /// Loads `path` (kept loaded until exit); registration gets `services`' et_host.
  PluginFlows(const std::string& path, sdk::HostServices& services) {
    void* lib = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
      error_ = std::string("cannot load ") + path + ": " + ::dlerror();
      return;
    }
    auto entry = reinterpret_cast<et_plugin_entry_fn>(::dlsym(lib, ENTRATOOL_PLUGIN_ENTRY_SYMBOL));
    const et_plugin_descriptor* d = entry ? entry() : nullptr;
    if (!d || d->magic != ENTRATOOL_PLUGIN_MAGIC || !d->register_components) {
      error_ = path + " has no valid plugin descriptor";
      return;
    }
    et_registrar registrar{sizeof(et_registrar), this, &PluginFlows::add};
    et_status st = sdk::detail::empty_status();
    auto status =
        sdk::detail::from_c(d->register_components(entratool::host::host_bridge(services), &registrar, &st), st);
    if (!status) error_ = status.message();
  }

  const std::string& error() const { return error_; }
  bool has(const std::string& id) const { return flows_.count(id) != 0; }

  /// Runs the registered flow `id` with `services` lent as C.
  sdk::Result<sdk::TokenResponse> acquire(const std::string& id, const sdk::FlowRequest& request,
                                          sdk::HostServices& services) const {
    auto it = flows_.find(id);
    if (it == flows_.end())
      return sdk::Status::general("no flow '" + id + "' registered" + (error_.empty() ? "" : ": " + error_));
    sdk::detail::CFlowRequest c(request);
    sdk::detail::TokenSlot slot;
    et_status st = sdk::detail::empty_status();
    int32_t rc = it->second.acquire(it->second.self, &c.request, entratool::host::host_bridge(services),
                                    sdk::detail::token_sink(slot), &st);
    auto status = sdk::detail::from_c(rc, st);
    if (!status) return status;
    if (!slot.set) return sdk::Status::general("flow '" + id + "' returned no token");
    return std::move(slot.token);
  }

 private:
  static int32_t add(void* ctx, const char* kind, const char* id, const void* iface, et_status* status) {
    auto* self = static_cast<PluginFlows*>(ctx);
    if (std::string(kind) != ET_KIND_FLOW || !iface)
      return sdk::detail::to_c(sdk::Status::general("only flows are expected here"), status);
    self->flows_[id] = *static_cast<const et_flow*>(iface);
    return sdk::detail::to_c(sdk::Status::ok(), status);
  }

  std::map<std::string, et_flow> flows_;
  std::string error_;
};

}  // namespace test_plugins
