#include "plugins/plugin_loader.h"

#include <dlfcn.h>

#include <boost/dll/shared_library.hpp>
#include <cstdio>
#include <cstring>
#include <exception>
#include <memory>
#include <utility>
#include <vector>

#include "entratool/sdk/detail/convert.h"
#include "entratool/sdk/version.h"
#include "plugins/components.h"

namespace entratool::host {

namespace {

using sdk::detail::empty_status;
using sdk::detail::from_c;
using sdk::detail::to_c;

// Libraries and the component wrappers made for them, kept for the life of the process. Never
// freed, on purpose: unloading a library whose code has run, or destroying what refers to it at
// exit after the host's services are gone, is exactly what Boost.DLL's "missuses" warn about.
struct KeepAlive {
  std::vector<boost::dll::shared_library> libraries;
};

KeepAlive& keep_alive() {
  static KeepAlive* const kept = new KeepAlive();
  return *kept;
}

std::string sdk_text(int major, int minor) { return std::to_string(major) + "." + std::to_string(minor); }

std::string named(const std::string& id, const std::string& library) { return "plugin '" + id + "' (" + library + ")"; }

// The single place that opens a library and resolves its entry point with Boost.DLL (1.74 calls
// the symbol lookup get<>/import<>; 1.76 renamed import to import_symbol). The library is moved
// into the keep-alive store as soon as it is open, whatever happens next.
sdk::Result<et_plugin_entry_fn> open_entry_point(const std::string& id, const std::string& library,
                                                 const std::string& load_from) {
  namespace dll = boost::dll;
  dll::shared_library lib;
  boost::dll::fs::error_code ec;
  ::dlerror();  // clear any stale message so the one we report is this load's
  // RTLD_LAZY: the C++ runtime a plugin brings (the host has its own, linked statically) is bound
  // only as far as it is used — RTLD_NOW would bind all of libstdc++ on every cached get-token
  // (7.65M instead of 6.46M instructions). The plugin's own references are still bound at load,
  // because entratool_add_plugin() links it with -z now; RTLD_LOCAL keeps its symbols its own.
  const std::string& name = load_from.empty() ? library : load_from;
  lib.load(dll::fs::path(name), ec, dll::load_mode::rtld_lazy | dll::load_mode::rtld_local);
  if (ec || !lib.is_loaded()) {
    // Boost reports only "bad file descriptor"; dlerror() still says what really went wrong.
    const char* why = ::dlerror();
    std::string reason = why ? why : ec.message();
    if (reason.rfind(name + ": ", 0) == 0) reason.erase(0, name.size() + 2);
    return sdk::Status::general(named(id, library) + " cannot be loaded: " + reason);
  }
  auto& kept = keep_alive().libraries;
  kept.push_back(std::move(lib));
  const auto& loaded = kept.back();
  if (!loaded.has(ENTRATOOL_PLUGIN_ENTRY_SYMBOL))
    return sdk::Status::general(named(id, library) + " has no " ENTRATOOL_PLUGIN_ENTRY_SYMBOL
                                                     ": not an entratool plugin");
  return &loaded.get<const et_plugin_descriptor*()>(ENTRATOOL_PLUGIN_ENTRY_SYMBOL);
}

template <class T>
T copy_interface(const void* iface) {
  // OBS's rule: copy what both sides know, zero the rest (a plugin built for an older minor
  // has a shorter struct; a newer one's extra members are ignored).
  T out;
  std::memset(&out, 0, sizeof out);
  uint32_t size = *static_cast<const uint32_t*>(iface);
  std::memcpy(&out, iface, std::min<size_t>(size, sizeof out));
  out.size = static_cast<uint32_t>(std::min<size_t>(size, sizeof out));
  return out;
}

// The first byte past a member: the least `size` a struct must declare to have it.
#define ET_END_OF(T, member) (offsetof(T, member) + sizeof(T::member))

// The host's side of the registration handshake. It records what the plugin did; the loader
// judges afterwards, so the first problem is the one reported.
class HostRegistrar {
 public:
  HostRegistrar(const Manifest& manifest, const et_host* host) : manifest_(manifest), host_(host) {
    registrar_ = {sizeof(et_registrar), this, &HostRegistrar::add_thunk};
  }
  const et_registrar* get() const { return &registrar_; }
  const std::string& problem() const { return problem_; }
  std::vector<LoadedComponent>& components() { return components_; }

 private:
  static int32_t add_thunk(void* ctx, const char* kind, const char* id, const void* iface, et_status* status) {
    auto* self = static_cast<HostRegistrar*>(ctx);
    std::string why;
    try {
      why = self->add(kind ? kind : "", id ? id : "", iface);
    } catch (...) {
      why = "cannot be registered (out of memory)";
    }
    if (why.empty()) return ET_OK;
    std::string what = std::string(kind ? kind : "component") + " '" + (id ? id : "") + "' " + why;
    if (self->problem_.empty()) self->problem_ = what;
    return to_c(sdk::Status::general(what), status);
  }

  std::string add(const std::string& kind, const std::string& id, const void* iface) {
    if (!sdk::detail::view(et_str{kind.data(), kind.size()}).size() || !is_plugin_kind(kind))
      return "has an unknown kind (known: flow, formatter, secret-store)";
    bool listed = false;
    for (const auto& c : manifest_.components)
      if (c.kind == kind && c.id == id) listed = true;
    if (!listed) return "is not listed in the manifest " + manifest_.path;
    for (const auto& c : components_)
      if (c.kind == kind && c.id == id) return "was registered twice";
    if (!iface) return "was registered with a NULL interface";
    if (auto why = check_interface(kind, iface); !why.empty()) return why;

    LoadedComponent c;
    c.kind = kind;
    c.id = id;
    if (kind == ET_KIND_FLOW)
      c.flow = new FlowComponent(id, copy_interface<et_flow>(iface), host_);
    else if (kind == ET_KIND_FORMATTER)
      c.formatter = new FormatterComponent(id, copy_interface<et_formatter>(iface));
    else
      c.secret_store = new SecretStoreComponent(id, copy_interface<et_secret_store>(iface), host_);
    components_.push_back(std::move(c));  // the wrappers are never freed: they may be used until exit
    return {};
  }

  const Manifest& manifest_;
  const et_host* host_;
  et_registrar registrar_{};
  std::string problem_;
  std::vector<LoadedComponent> components_;
};

}  // namespace

sdk::Status check_sdk_version(const std::string& id, int major, int minor) {
  if (major == ENTRATOOL_SDK_VERSION_MAJOR && minor <= ENTRATOOL_SDK_VERSION_MINOR) return sdk::Status::ok();
  std::string hint = major < ENTRATOOL_SDK_VERSION_MAJOR ? "; rebuild it against this SDK (docs/plugin-abi.md)" : "";
  return sdk::Status::general("plugin '" + id + "' was built for SDK " + sdk_text(major, minor) +
                              "; this entratool provides " +
                              sdk_text(ENTRATOOL_SDK_VERSION_MAJOR, ENTRATOOL_SDK_VERSION_MINOR) + hint);
}

std::string check_interface(const std::string& kind, const void* iface) {
  const uint32_t size = *static_cast<const uint32_t*>(iface);
  auto too_small = [&](size_t need) {
    return "has an interface of " + std::to_string(size) + " bytes; at least " + std::to_string(need) + " are needed";
  };
  auto null_fn = [](const char* fn) { return std::string("has a NULL ") + fn + " function"; };
  if (kind == ET_KIND_FLOW) {
    const size_t need = ET_END_OF(et_flow, acquire);
    if (size < need) return too_small(need);
    if (!static_cast<const et_flow*>(iface)->acquire) return null_fn("acquire");
  } else if (kind == ET_KIND_FORMATTER) {
    const size_t need = ET_END_OF(et_formatter, format_document);
    if (size < need) return too_small(need);
    if (!static_cast<const et_formatter*>(iface)->format_token) return null_fn("format_token");
  } else {
    const size_t need = ET_END_OF(et_secret_store, describe);
    if (size < need) return too_small(need);
    const auto* s = static_cast<const et_secret_store*>(iface);
    const std::pair<const char*, bool> required[] = {
        {"open", s->open != nullptr},   {"get", s->get != nullptr},   {"put", s->put != nullptr},
        {"erase", s->erase != nullptr}, {"list", s->list != nullptr}, {"describe", s->describe != nullptr}};
    for (const auto& [fn, set] : required)
      if (!set) return null_fn(fn);
  }
  return {};
}

sdk::Status check_descriptor(const et_plugin_descriptor* d, const Manifest& m, const std::string& library) {
  const std::string who = named(m.id, library);
  if (!d) return sdk::Status::general(who + " returned no descriptor: not an entratool plugin");
  if (d->magic != ENTRATOOL_PLUGIN_MAGIC) {
    char hex[16];
    std::snprintf(hex, sizeof hex, "0x%08X", static_cast<unsigned>(d->magic));
    return sdk::Status::general(who + " has a descriptor with the wrong magic value " + hex +
                                ": not an entratool plugin");
  }
  // Only magic and size are read before this: they are the fields every layout starts with.
  if (d->size < kMinDescriptorSize)
    return sdk::Status::general(who + " has a descriptor of " + std::to_string(d->size) + " bytes; at least " +
                                std::to_string(kMinDescriptorSize) + " are needed");
  if (auto s = check_sdk_version(m.id, d->sdk_major, d->sdk_minor); !s) return s;

  // Name only what differs, so the message points at the one wrong field.
  std::string says, library_says;
  auto compare = [&](const char* field, const std::string& manifest_value, const char* library_value) {
    std::string value = library_value ? library_value : "";
    if (value == manifest_value) return;
    says += std::string(says.empty() ? "" : ", ") + field + " '" + manifest_value + "'";
    library_says += std::string(library_says.empty() ? "" : ", ") + field + " '" + value + "'";
  };
  compare("id", m.id, d->id);
  compare("version", m.version, d->version);
  if (!says.empty())
    return sdk::Status::general(who + ": the manifest says " + says + " but the library says " + library_says);
  if (!d->register_components) return sdk::Status::general(who + " has no register function");
  return sdk::Status::ok();
}

sdk::Result<LoadedLibrary> load_plugin(const Manifest& m, const std::string& library, const et_host* host,
                                       const std::string& load_from) {
  const std::string who = named(m.id, library);
  auto entry = open_entry_point(m.id, library, load_from);
  if (!entry) return entry.status();

  const et_plugin_descriptor* d = nullptr;
  try {
    d = (*entry)();
  } catch (...) {
    return sdk::Status::general(who + " threw an exception from " ENTRATOOL_PLUGIN_ENTRY_SYMBOL);
  }
  if (auto s = check_descriptor(d, m, library); !s) return s;

  HostRegistrar registrar(m, host);
  et_status st = empty_status();
  int32_t rc;
  try {
    rc = d->register_components(host, registrar.get(), &st);
  } catch (const std::exception& e) {
    // Copy the text now: the exception object is the plugin's and dies with this handler.
    return sdk::Status::general(who + " threw an exception while registering: " + e.what());
  } catch (...) {
    return sdk::Status::general(who + " threw an exception while registering");
  }
  if (!registrar.problem().empty()) return sdk::Status::general(who + ": " + registrar.problem());
  if (rc != ET_OK) {
    sdk::Status s = from_c(rc, st);
    if (s.code() == sdk::codes::kPluginException)
      return sdk::Status::general(who + " threw an exception while registering: " + s.message());
    return sdk::Status::general(who + " failed to register: " + s.message());
  }
  LoadedLibrary loaded;
  loaded.descriptor = d;
  for (const auto& listed : m.components) {
    auto& got = registrar.components();
    auto it = std::find_if(got.begin(), got.end(),
                           [&](const LoadedComponent& c) { return c.kind == listed.kind && c.id == listed.id; });
    if (it == got.end())
      return sdk::Status::general(who + ": the manifest lists " + listed.kind + " '" + listed.id +
                                  "' but the library did not register it");
    loaded.components.push_back(*it);
  }
  return loaded;
}

}  // namespace entratool::host
