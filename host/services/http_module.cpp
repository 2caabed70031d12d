// The network stack lives in lib/entratool/entratool-http.so so that commands that never go to the
// network (a cached get-token, inspect, config) never pay for loading Poco and OpenSSL's TLS.
#include "services/http_module.h"

#include <boost/dll/shared_library.hpp>

#include <filesystem>
#include <mutex>
#include <vector>

#include "core/paths.h"
#include "modules/http/http_api.h"
#include "services/services.h"

namespace entratool::host {

namespace {

// Stands in when the module cannot be loaded, so the failure shows where the network is needed.
class UnavailableHttp final : public sdk::HttpClient {
 public:
  explicit UnavailableHttp(sdk::Status why) : why_(std::move(why)) {}
  sdk::Result<sdk::HttpResponse> send(const sdk::HttpRequest&) override { return why_; }

 private:
  sdk::Status why_;
};

}  // namespace

std::string default_http_module_path() {
  std::filesystem::path exe = executable_path();
  if (exe.empty()) return {};
  return (exe.parent_path().parent_path() / "lib" / "entratool" / "entratool-http.so").string();
}

sdk::Result<std::unique_ptr<sdk::HttpClient>> load_http_module(const std::string& path) {
  using AbiFn = int();
  using CreateFn = sdk::HttpClient*();
  const std::string fix = "; reinstall entratool";
  if (path.empty()) return sdk::Status::network("cannot locate the network module (unknown executable path)" + fix);
  // Libraries are leaked on purpose: clients created by a module run its code until exit.
  static std::mutex mutex;
  static std::vector<boost::dll::shared_library*> loaded;
  std::lock_guard<std::mutex> lock(mutex);
  auto lib = std::make_unique<boost::dll::shared_library>();
  boost::dll::fs::error_code ec;
  lib->load(path, boost::dll::load_mode::rtld_now, ec);
  if (ec) return sdk::Status::network("cannot load the network module '" + path + "' (" + ec.message() + ")" + fix);
  for (const char* symbol : {ENTRATOOL_HTTP_ABI_SYMBOL, ENTRATOOL_HTTP_CREATE_SYMBOL}) {
    if (!lib->has(symbol)) {
      std::string message = "the network module '" + path + "' lacks '";
      message += symbol;
      message += "'";
      message += fix;
      return sdk::Status::network(message);
    }
  }
  int abi = lib->get<AbiFn>(ENTRATOOL_HTTP_ABI_SYMBOL)();
  if (abi != ENTRATOOL_HTTP_ABI_VERSION)
    return sdk::Status::network("the network module '" + path + "' has interface version " + std::to_string(abi) +
                                ", this entratool needs " + std::to_string(ENTRATOOL_HTTP_ABI_VERSION) + fix);
  sdk::HttpClient* client = lib->get<CreateFn>(ENTRATOOL_HTTP_CREATE_SYMBOL)();
  if (!client) return sdk::Status::network("the network module '" + path + "' could not start" + fix);
  loaded.push_back(lib.release());
  return std::unique_ptr<sdk::HttpClient>(client);
}

sdk::HttpClient& Services::http() {
  if (!http_) {
    auto client = load_http_module(default_http_module_path());
    if (client)
      http_ = std::move(*client);
    else
      http_ = std::make_unique<UnavailableHttp>(client.status());
  }
  return *http_;
}

}  // namespace entratool::host
