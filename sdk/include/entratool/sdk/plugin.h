#pragma once
/// \file plugin.h
/// The header-only C++ adapter over the C contract (abi.h): write ordinary classes
/// (sdk::Flow, sdk::Formatter, sdk::SecretStore), register them, and export the library with
/// one macro. The adapter converts every call, keeps what you register alive until exit, and
/// turns every exception into an error value: nothing C++ crosses into the host.
///
///     sdk::Status register_components(sdk::Registrar& r) {
///       return r.add_formatter("hello", std::make_unique<Hello>());
///     }
///     ENTRATOOL_PLUGIN(register_components)
///
/// Build with entratool_add_plugin() (cmake/EntraToolPlugin.cmake): it writes the manifest and
/// defines ENTRATOOL_PLUGIN_ID, _VERSION and _DESCRIPTION, so they are written once.

#include <exception>
#include <memory>
#include <string>
#include <string_view>

#include "entratool/sdk/abi.h"
#include "entratool/sdk/detail/c_host.h"
#include "entratool/sdk/detail/convert.h"
#include "entratool/sdk/flow.h"
#include "entratool/sdk/formatter.h"
#include "entratool/sdk/host_services.h"
#include "entratool/sdk/secret_store.h"
#include "entratool/sdk/status.h"
#include "entratool/sdk/version.h"

namespace entratool::sdk {

namespace detail {

/// An exception caught at the boundary: code "plugin_exception", the message is what() (the host
/// adds who threw it and when).
inline Status exception_status(const char* what) {
  return Status::error(ErrorCategory::general, what && *what ? what : "an exception that is not a std::exception",
                       codes::kPluginException);
}

/// Runs `body` (returning a Status); any exception becomes an error value.
template <class Body>
int32_t guarded(et_status* status, Body&& body) noexcept {
  try {
    return to_c(body(), status);
  } catch (const std::exception& e) {
    return to_c(exception_status(e.what()), status);
  } catch (...) {
    return to_c(exception_status(nullptr), status);
  }
}

/// get_extension for any component: asks the C++ object, never lets an exception out.
template <class Component>
const void* extension_thunk(void* self, const char* id) noexcept {
  try {
    return id ? static_cast<const Component*>(self)->extension(id) : nullptr;
  } catch (...) {
    return nullptr;
  }
}

struct FlowThunks {
  static int32_t acquire(void* self, const et_flow_request* request, const et_host* host, et_token_sink sink,
                         et_status* status) noexcept {
    return guarded(status, [&]() -> Status {
      if (!request) return Status::general("no request");
      auto result = static_cast<Flow*>(self)->acquire(from_c(*request), host_services_for(host));
      if (!result) return result.status();
      CToken token(*result);
      if (sink.set) sink.set(sink.ctx, &token.token);
      return Status::ok();
    });
  }
};

struct FormatterThunks {
  static int32_t format_token(void* self, const et_token* token, int64_t now_ms, et_sink out,
                              et_status* status) noexcept {
    return guarded(status, [&]() -> Status {
      if (!token) return Status::general("no token");
      auto text = static_cast<Formatter*>(self)->format_token(from_c(*token), FormatContext{from_unix_ms(now_ms)});
      if (!text) return text.status();
      write(out, *text);
      return Status::ok();
    });
  }
  static int32_t format_document(void* self, et_str json, et_sink out, et_status* status) noexcept {
    return guarded(status, [&]() -> Status {
      auto text = static_cast<Formatter*>(self)->format_document(view(json));
      if (!text) return text.status();
      write(out, *text);
      return Status::ok();
    });
  }
};

struct StoreThunks {
  static SecretStore& of(void* self) { return *static_cast<SecretStore*>(self); }
  static int32_t open(void* self, const et_store_context* context, const et_host* host, et_status* status) noexcept {
    return guarded(status, [&]() -> Status {
      StoreContext c;
      if (context && context->size >= offsetof(et_store_context, settings) + sizeof(et_pairs)) {
        c.directory = str(context->directory);
        for (auto& [k, v] : from_c(context->settings)) c.settings[k] = v;
      }
      return of(self).open(c, host_services_for(host));
    });
  }
  static int32_t get(void* self, et_str name, et_sink value, int32_t* found, et_status* status) noexcept {
    if (found) *found = 0;
    return guarded(status, [&]() -> Status {
      auto got = of(self).get(view(name));
      if (!got) return got.status();
      if (got->has_value()) {
        write(value, **got);
        if (found) *found = 1;
      }
      return Status::ok();
    });
  }
  static int32_t put(void* self, et_str name, et_str value, et_status* status) noexcept {
    return guarded(status, [&] { return of(self).put(view(name), view(value)); });
  }
  static int32_t erase(void* self, et_str name, et_status* status) noexcept {
    return guarded(status, [&] { return of(self).erase(view(name)); });
  }
  static int32_t list(void* self, et_str prefix, et_sink names, et_status* status) noexcept {
    return guarded(status, [&]() -> Status {
      auto listed = of(self).list(view(prefix));
      if (!listed) return listed.status();
      for (const auto& n : *listed) write(names, n);
      return Status::ok();
    });
  }
  static void describe(void* self, et_sink out) noexcept {
    try {
      write(out, of(self).describe());
    } catch (...) {
      write(out, "(the store could not describe itself)");
    }
  }
};

}  // namespace detail

/// Handed to your register function. Each add_*() registers one component under an id the
/// manifest lists; the object is kept until the process exits (plugins are never unloaded).
class Registrar {
 public:
  Registrar(const et_registrar* registrar, const et_host* host) : registrar_(registrar), host_(host) {}

  Status add_flow(std::string_view id, std::unique_ptr<Flow> flow) {
    if (!flow) return Status::general("a null flow was registered");
    et_flow iface{sizeof(et_flow), flow.get(), &detail::FlowThunks::acquire, &detail::extension_thunk<Flow>};
    return add(ET_KIND_FLOW, id, &iface, flow.release());
  }
  Status add_formatter(std::string_view id, std::unique_ptr<Formatter> formatter) {
    if (!formatter) return Status::general("a null formatter was registered");
    et_formatter iface{sizeof(et_formatter), formatter.get(), &detail::FormatterThunks::format_token,
                       formatter->shows_documents() ? &detail::FormatterThunks::format_document : nullptr,
                       &detail::extension_thunk<Formatter>};
    return add(ET_KIND_FORMATTER, id, &iface, formatter.release());
  }
  Status add_secret_store(std::string_view id, std::unique_ptr<SecretStore> store) {
    if (!store) return Status::general("a null secret store was registered");
    using T = detail::StoreThunks;
    et_secret_store iface{sizeof(et_secret_store),
                          store.get(),
                          &T::open,
                          &T::get,
                          &T::put,
                          &T::erase,
                          &T::list,
                          &T::describe,
                          &detail::extension_thunk<SecretStore>};
    return add(ET_KIND_SECRET_STORE, id, &iface, store.release());
  }
  /// The host's services, e.g. to log during registration.
  HostServices& host() { return detail::host_services_for(host_); }

 private:
  // `object` is released on purpose: the host may call it until exit, and nothing made in a
  // plugin is destroyed after the host's services are gone.
  Status add(const char* kind, std::string_view id, const void* iface, void* object) {
    (void)object;
    std::string id_text(id);
    et_status st = detail::empty_status();
    return detail::from_c(registrar_->add(registrar_->ctx, kind, id_text.c_str(), iface, &st), st);
  }
  const et_registrar* registrar_;
  const et_host* host_;
};

using RegisterFunction = Status (*)(Registrar&);

namespace detail {
template <RegisterFunction Register>
int32_t register_thunk(const et_host* host, const et_registrar* registrar, et_status* status) noexcept {
  return guarded(status, [&]() -> Status {
    if (!registrar || registrar->size < sizeof(et_registrar) || !registrar->add)
      return Status::general("the host handed over no registrar");
    Registrar r(registrar, host);
    return Register(r);
  });
}
}  // namespace detail

}  // namespace entratool::sdk

#if !defined(ENTRATOOL_PLUGIN_ID) || !defined(ENTRATOOL_PLUGIN_VERSION)
#define ENTRATOOL_PLUGIN(REGISTER)                                                               \
  static_assert(false,                                                                           \
                "build this plugin with entratool_add_plugin() (it defines ENTRATOOL_PLUGIN_ID " \
                "and ENTRATOOL_PLUGIN_VERSION from the one place they are written)");
#else
#ifndef ENTRATOOL_PLUGIN_DESCRIPTION
#define ENTRATOOL_PLUGIN_DESCRIPTION ""
#endif
/// Defines the library's entry point; use once, at global scope, with your register function.
#define ENTRATOOL_PLUGIN(REGISTER)                                                                          \
  extern "C" ENTRATOOL_PLUGIN_EXPORT const et_plugin_descriptor* entratool_plugin_entry(void) {             \
    static const et_plugin_descriptor descriptor = {ENTRATOOL_PLUGIN_MAGIC,                                 \
                                                    sizeof(et_plugin_descriptor),                           \
                                                    ENTRATOOL_SDK_VERSION_MAJOR,                            \
                                                    ENTRATOOL_SDK_VERSION_MINOR,                            \
                                                    ENTRATOOL_PLUGIN_ID,                                    \
                                                    ENTRATOOL_PLUGIN_VERSION,                               \
                                                    ENTRATOOL_PLUGIN_DESCRIPTION,                           \
                                                    ENTRATOOL_SDK_BUILT_WITH,                               \
                                                    &::entratool::sdk::detail::register_thunk<&(REGISTER)>, \
                                                    nullptr};                                               \
    return &descriptor;                                                                                     \
  }
#endif
