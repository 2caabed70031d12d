#pragma once
// The host's view of a loaded component: the C interface a plugin registered (copied, sized
// and checked by the loader) behind the SDK's C++ interfaces, so the rest of the host calls
// sdk::Flow, sdk::Formatter and sdk::SecretStore whatever compiler built the plugin. Mirrors the
// adapter in entratool/sdk/plugin.h. Objects live until exit (the registry never frees them).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "entratool/sdk/abi.h"
#include "entratool/sdk/detail/convert.h"
#include "entratool/sdk/flow.h"
#include "entratool/sdk/formatter.h"
#include "entratool/sdk/secret_store.h"

namespace entratool::host {

/// A registered flow. acquire() ignores its `services` argument: the plugin reaches the host's
/// services through the et_host it was loaded with.
class FlowComponent final : public sdk::Flow {
 public:
  FlowComponent(std::string id, const et_flow& iface, const et_host* host)
      : id_(std::move(id)), iface_(iface), host_(host) {}
  sdk::Result<sdk::TokenResponse> acquire(const sdk::FlowRequest& request, sdk::HostServices& services) override;
  const void* extension(std::string_view id) const override;

 private:
  std::string id_;
  et_flow iface_;
  const et_host* host_;
};

class FormatterComponent final : public sdk::Formatter {
 public:
  FormatterComponent(std::string id, const et_formatter& iface) : id_(std::move(id)), iface_(iface) {}
  sdk::Result<std::string> format_token(const sdk::TokenResponse& token, const sdk::FormatContext& ctx) override;
  bool shows_documents() const override { return iface_.format_document != nullptr; }
  sdk::Result<std::string> format_document(std::string_view json) override;
  const void* extension(std::string_view id) const override;

 private:
  std::string id_;
  et_formatter iface_;
};

class SecretStoreComponent final : public sdk::SecretStore {
 public:
  SecretStoreComponent(std::string id, const et_secret_store& iface, const et_host* host)
      : id_(std::move(id)), iface_(iface), host_(host) {}
  sdk::Status open(const sdk::StoreContext& context, sdk::HostServices& services) override;
  sdk::Result<std::optional<std::string>> get(std::string_view name) override;
  sdk::Status put(std::string_view name, std::string_view value) override;
  sdk::Status erase(std::string_view name) override;
  sdk::Result<std::vector<std::string>> list(std::string_view prefix) override;
  std::string describe() const override;
  const void* extension(std::string_view id) const override;

 private:
  std::string id_;
  et_secret_store iface_;
  const et_host* host_;
};

}  // namespace entratool::host
