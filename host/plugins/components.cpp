#include "plugins/components.h"

namespace entratool::host {

namespace {

using namespace entratool::sdk::detail;

// A plugin built with the adapter never throws across the boundary. One written by hand that
// lets an exception escape ends the process: its C++ runtime is not the host's (the host links
// its own statically), so no host catch can see the exception. The catch below only serves
// in-process test builds that share one runtime.
template <class Call>
sdk::Status call_plugin(const std::string& who, Call&& call) {
  et_status st = empty_status();
  int32_t rc;
  try {
    rc = call(&st);
  } catch (...) {
    return sdk::Status::general(who + " failed: threw an exception across the plugin boundary");
  }
  sdk::Status s = from_c(rc, st);
  if (!s && s.code() == sdk::codes::kPluginException)
    return s.with_message(who + " failed: threw an exception: " + s.message());
  return s;
}

// A component's get_extension, when its struct has one: the struct must be large enough to
// hold the member (an older plugin's is not) and the pointer set.
template <class Iface>
const void* query_extension(const Iface& iface, std::string_view id) {
  if (iface.size < offsetof(Iface, get_extension) + sizeof(iface.get_extension) || !iface.get_extension) return nullptr;
  const std::string text(id);
  try {
    return iface.get_extension(iface.self, text.c_str());
  } catch (...) {
    return nullptr;
  }
}

}  // namespace

const void* FlowComponent::extension(std::string_view id) const { return query_extension(iface_, id); }
const void* FormatterComponent::extension(std::string_view id) const { return query_extension(iface_, id); }
const void* SecretStoreComponent::extension(std::string_view id) const { return query_extension(iface_, id); }

sdk::Result<sdk::TokenResponse> FlowComponent::acquire(const sdk::FlowRequest& request, sdk::HostServices&) {
  CFlowRequest c(request);
  TokenSlot slot;
  const std::string who = "flow plugin '" + id_ + "'";
  auto s = call_plugin(
      who, [&](et_status* st) { return iface_.acquire(iface_.self, &c.request, host_, token_sink(slot), st); });
  if (!s) return s;
  if (!slot.set) return sdk::Status::general(who + " returned no token");
  return std::move(slot.token);
}

sdk::Result<std::string> FormatterComponent::format_token(const sdk::TokenResponse& token,
                                                          const sdk::FormatContext& ctx) {
  CToken c(token);
  std::string out;
  auto s = call_plugin("formatter plugin '" + id_ + "'", [&](et_status* st) {
    return iface_.format_token(iface_.self, &c.token, to_unix_ms(ctx.now), string_sink(out), st);
  });
  if (!s) return s;
  return out;
}

sdk::Result<std::string> FormatterComponent::format_document(std::string_view json) {
  if (!iface_.format_document)
    return sdk::Status::general("the " + id_ + " format shows access tokens only; use -o json or -o yaml");
  std::string out;
  auto s = call_plugin("formatter plugin '" + id_ + "'", [&](et_status* st) {
    return iface_.format_document(iface_.self, to_c(json), string_sink(out), st);
  });
  if (!s) return s;
  return out;
}

sdk::Status SecretStoreComponent::open(const sdk::StoreContext& context, sdk::HostServices&) {
  CPairs settings(context.settings);
  et_store_context c{sizeof(et_store_context), to_c(context.directory), settings.get()};
  return call_plugin("secret store '" + id_ + "'",
                     [&](et_status* st) { return iface_.open(iface_.self, &c, host_, st); });
}

sdk::Result<std::optional<std::string>> SecretStoreComponent::get(std::string_view name) {
  std::string value;
  int32_t found = 0;
  auto s = call_plugin("secret store '" + id_ + "'", [&](et_status* st) {
    return iface_.get(iface_.self, to_c(name), string_sink(value), &found, st);
  });
  if (!s) return s;
  if (!found) return std::optional<std::string>();
  return std::optional<std::string>(std::move(value));
}

sdk::Status SecretStoreComponent::put(std::string_view name, std::string_view value) {
  return call_plugin("secret store '" + id_ + "'",
                     [&](et_status* st) { return iface_.put(iface_.self, to_c(name), to_c(value), st); });
}

sdk::Status SecretStoreComponent::erase(std::string_view name) {
  return call_plugin("secret store '" + id_ + "'",
                     [&](et_status* st) { return iface_.erase(iface_.self, to_c(name), st); });
}

sdk::Result<std::vector<std::string>> SecretStoreComponent::list(std::string_view prefix) {
  std::vector<std::string> names;
  auto s = call_plugin("secret store '" + id_ + "'",
                       [&](et_status* st) { return iface_.list(iface_.self, to_c(prefix), list_sink(names), st); });
  if (!s) return s;
  return names;
}

std::string SecretStoreComponent::describe() const {
  std::string out;
  try {
    iface_.describe(iface_.self, string_sink(out));
  } catch (...) {
  }
  return out;
}

}  // namespace entratool::host
