#include "plugins/plugin_loader.h"

#include <dlfcn.h>

#include <boost/dll/shared_library.hpp>
#include <cstdio>
#include <cstring>
#include <exception>
#include <memory>
#include <utility>
#include <vector>

#include "entratool/sdk/flow.h"
#include "entratool/sdk/formatter.h"
#include "entratool/sdk/registrar.h"
#include "entratool/sdk/secret_store.h"
#include "entratool/sdk/version.h"

namespace entratool::host {

namespace {

// Libraries and the components they made, kept for the life of the process. The object is
// allocated once and never freed, on purpose: unloading a library whose code has run, or
// destroying a plugin object at exit after the host's services are gone, is exactly what
// Boost.DLL's "missuses" warn about. The OS reclaims everything at exit; a pointer in static
// storage keeps it reachable, so leak checkers stay quiet.
struct KeepAlive {
  std::vector<boost::dll::shared_library> libraries;
  std::vector<std::unique_ptr<sdk::Flow>> flows;
  std::vector<std::unique_ptr<sdk::Formatter>> formatters;
  std::vector<std::unique_ptr<sdk::SecretStore>> secret_stores;
};

KeepAlive& keep_alive() {
  static KeepAlive* const kept = new KeepAlive();
  return *kept;
}

std::string sdk_text(int major, int minor) { return std::to_string(major) + "." + std::to_string(minor); }

std::string named(const std::string& id, const std::string& library) {
  return "plugin '" + id + "' (" + library + ")";
}

// The part of an ABI tag that must match: everything before ';'.
std::string_view stdlib_part(std::string_view tag) { return tag.substr(0, tag.find(';')); }

// The single place that opens a library and resolves its entry point with Boost.DLL (1.74 calls
// the symbol lookup get<>/import<>; 1.76 renamed import to import_symbol). The library is moved
// into the keep-alive store as soon as it is open, whatever happens next.
sdk::Result<entratool_plugin_entry_fn> open_entry_point(const std::string& id, const std::string& library) {
  namespace dll = boost::dll;
  dll::shared_library lib;
  boost::dll::fs::error_code ec;
  ::dlerror();  // clear any stale message so the one we report is this load's
  lib.load(dll::fs::path(library), ec, dll::load_mode::rtld_now | dll::load_mode::rtld_local);
  if (ec || !lib.is_loaded()) {
    // Boost reports only "bad file descriptor"; dlerror() still says what really went wrong.
    const char* why = ::dlerror();
    std::string reason = why ? why : ec.message();
    if (reason.rfind(library + ": ", 0) == 0) reason.erase(0, library.size() + 2);
    return sdk::Status::general(named(id, library) + " cannot be loaded: " + reason);
  }
  auto& kept = keep_alive().libraries;
  kept.push_back(std::move(lib));
  const auto& loaded = kept.back();
  if (!loaded.has(ENTRATOOL_PLUGIN_ENTRY_SYMBOL))
    return sdk::Status::general(named(id, library) +
                                " has no " ENTRATOOL_PLUGIN_ENTRY_SYMBOL ": not an entratool plugin");
  return &loaded.get<const entratool_plugin_descriptor*()>(ENTRATOOL_PLUGIN_ENTRY_SYMBOL);
}

// The host's side of the registration handshake. It takes ownership of whatever it is given
// (even what it then refuses) and records what the plugin did; the loader judges afterwards.
class HostRegistrar final : public sdk::Registrar {
 public:
  sdk::Status add_flow(std::unique_ptr<sdk::Flow> flow) override {
    return take("flow", flow.get() != nullptr, [&](LoadedPlugin& p) {
      p.flow = flow.get();
      keep_alive().flows.push_back(std::move(flow));
    });
  }
  sdk::Status add_formatter(std::unique_ptr<sdk::Formatter> formatter) override {
    return take("formatter", formatter.get() != nullptr, [&](LoadedPlugin& p) {
      p.formatter = formatter.get();
      keep_alive().formatters.push_back(std::move(formatter));
    });
  }
  sdk::Status add_secret_store(std::unique_ptr<sdk::SecretStore> store) override {
    return take("secret-store", store.get() != nullptr, [&](LoadedPlugin& p) {
      p.secret_store = store.get();
      keep_alive().secret_stores.push_back(std::move(store));
    });
  }

  int count() const { return count_; }
  const std::string& first_kind() const { return first_kind_; }
  bool saw_null() const { return saw_null_; }
  LoadedPlugin& result() { return result_; }

 private:
  template <class Keep>
  sdk::Status take(const char* kind, bool non_null, Keep keep) {
    ++count_;
    if (count_ == 1) first_kind_ = kind;
    if (!non_null) {
      saw_null_ = true;
      return sdk::Status::general(std::string("a null ") + kind + " was registered");
    }
    keep(result_);
    if (count_ > 1) return sdk::Status::general("a plugin registers exactly one component");
    return sdk::Status::ok();
  }

  int count_ = 0;
  bool saw_null_ = false;
  std::string first_kind_;
  LoadedPlugin result_;
};

}  // namespace

sdk::Status check_sdk_version(const std::string& id, int major, int minor) {
  if (major == ENTRATOOL_SDK_VERSION_MAJOR && minor <= ENTRATOOL_SDK_VERSION_MINOR) return sdk::Status::ok();
  return sdk::Status::general("plugin '" + id + "' was built for SDK " + sdk_text(major, minor) +
                              "; this entratool provides " +
                              sdk_text(ENTRATOOL_SDK_VERSION_MAJOR, ENTRATOOL_SDK_VERSION_MINOR));
}

sdk::Status check_descriptor(const entratool_plugin_descriptor* d, const Manifest& m, const std::string& library) {
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
    return sdk::Status::general(who + " has a descriptor of " + std::to_string(d->size) +
                                " bytes; at least " + std::to_string(kMinDescriptorSize) + " are needed");
  if (auto s = check_sdk_version(m.id, d->sdk_major, d->sdk_minor); !s) return s;

  const char* tag = d->abi_tag ? d->abi_tag : "";
  if (stdlib_part(tag) != stdlib_part(ENTRATOOL_SDK_ABI_TAG))
    return sdk::Status::general(who + " was built with '" + tag + "' but this entratool uses '" +
                                ENTRATOOL_SDK_ABI_TAG + "': the C++ standard libraries differ");

  // Name only what differs, so the message points at the one wrong field.
  std::string says, library_says;
  auto compare = [&](const char* field, const std::string& manifest_value, const char* library_value) {
    std::string value = library_value ? library_value : "";
    if (value == manifest_value) return;
    says += std::string(says.empty() ? "" : ", ") + field + " '" + manifest_value + "'";
    library_says += std::string(library_says.empty() ? "" : ", ") + field + " '" + value + "'";
  };
  compare("id", m.id, d->id);
  compare("kind", m.kind, d->kind);
  compare("version", m.version, d->version);
  if (!says.empty())
    return sdk::Status::general(who + ": the manifest says " + says + " but the library says " + library_says);
  if (!d->register_plugin) return sdk::Status::general(who + " has no register function");
  return sdk::Status::ok();
}

sdk::Result<LoadedPlugin> load_plugin(const Manifest& m, const std::string& library) {
  const std::string who = named(m.id, library);
  auto entry = open_entry_point(m.id, library);
  if (!entry) return entry.status();

  const entratool_plugin_descriptor* d = nullptr;
  try {
    d = (*entry)();
  } catch (...) {
    return sdk::Status::general(who + " threw an exception from " ENTRATOOL_PLUGIN_ENTRY_SYMBOL);
  }
  if (auto s = check_descriptor(d, m, library); !s) return s;

  HostRegistrar registrar;
  sdk::Status registered;
  try {
    registered = d->register_plugin(registrar);
  } catch (const std::exception& e) {
    // Copy the text now: the exception object is the plugin's and dies with this handler.
    return sdk::Status::general(who + " threw an exception while registering: " + e.what());
  } catch (...) {
    return sdk::Status::general(who + " threw an exception while registering");
  }
  if (registrar.count() > 1)
    return sdk::Status::general(who + " registered " + std::to_string(registrar.count()) +
                                " components; a plugin registers exactly one");
  if (registrar.saw_null()) return sdk::Status::general(who + " registered a null " + registrar.first_kind());
  if (!registered) return sdk::Status::general(who + " failed to register: " + registered.message());
  if (registrar.count() == 0) return sdk::Status::general(who + " registered no component");
  if (registrar.first_kind() != m.kind)
    return sdk::Status::general(who + " registered a " + registrar.first_kind() + " but says it is a " + m.kind);

  LoadedPlugin loaded = registrar.result();
  loaded.descriptor = d;
  return loaded;
}

}  // namespace entratool::host
