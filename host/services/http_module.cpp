// The network stack lives in lib/entratool/entratool-http.so so that commands that never go to the
// network (a cached get-token, inspect, config) never pay for loading OpenSSL's TLS.
//
// The module has its own static libstdc++ (the shared one in sanitizer builds), as this binary does, so
// the two talk only C (modules/http/http_api.h: the SDK's et_http_service): the request goes in
// as views into the sdk::HttpRequest, the response comes back through a sink that copies it into
// an sdk::HttpResponse here, and errors come back as an et_status. No exception crosses: the
// module turns its own into statuses, and the sink below never throws into the module's frames.
#include "services/http_module.h"

#include <boost/dll/shared_library.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <utility>
#include <vector>

#include "core/host_module.h"
#include "core/module_path.h"
#include "entratool/sdk/abi.h"
#include "entratool/sdk/detail/convert.h"
#include "modules/http/http_api.h"
#include "services/services.h"

namespace entratool::host {

namespace {

const char* const kFix = "; reinstall entratool";

// Stands in when the module cannot be loaded, so the failure shows where the network is needed.
class UnavailableHttp final : public sdk::HttpClient {
 public:
  explicit UnavailableHttp(sdk::Status why) : why_(std::move(why)) {}
  sdk::Result<sdk::HttpResponse> send(const sdk::HttpRequest&) override { return why_; }

 private:
  sdk::Status why_;
};

// Where the module's response sink writes. Filled on this side of the boundary, by this side's
// allocator; the module only hands over views that are valid during the call.
struct Reply {
  sdk::HttpResponse response;
  bool set = false;
  bool out_of_memory = false;
};

// Called from inside the module's send(): must not throw, or the exception would have to unwind
// through the module's frames, which belong to another C++ runtime.
void set_reply(void* ctx, int32_t status, et_pairs headers, et_str body) noexcept {
  auto* reply = static_cast<Reply*>(ctx);
  try {
    sdk::detail::set_http_response(&reply->response, status, headers, body);
    reply->set = true;
  } catch (...) {
    reply->out_of_memory = true;
  }
}

// sdk::HttpClient over the module's C service. Stateless, like the service.
class ModuleHttpClient final : public sdk::HttpClient {
 public:
  ModuleHttpClient(const et_http_service* service, std::string path) : service_(service), path_(std::move(path)) {}

  sdk::Result<sdk::HttpResponse> send(const sdk::HttpRequest& request) override {
    sdk::detail::CHttpRequest c(request);
    // In the C contract a timeout <= 0 means 60 s; for sdk::HttpRequest it has always meant
    // "at once" (the module waited at least 1 ms), and stays so.
    c.request.timeout_ms = std::max<int64_t>(static_cast<int64_t>(request.timeout.count()), 1);
    Reply reply;
    et_status status = sdk::detail::empty_status();
    const int32_t rc = service_->send(service_->ctx, &c.request, et_http_response_sink{&reply, &set_reply}, &status);
    if (rc != ET_OK) return sdk::detail::from_c(rc, status);
    if (reply.out_of_memory) return sdk::Status::general("out of memory while reading the response to " + request.url);
    if (!reply.set)
      return sdk::Status::network("the network module '" + path_ + "' returned no response to " + request.url + kFix);
    return std::move(reply.response);
  }

 private:
  const et_http_service* service_;  // the module's static storage; the module is never unloaded
  std::string path_;
};

}  // namespace

std::string default_http_module_path() { return host_module_path("entratool-http.so"); }

sdk::Result<std::unique_ptr<sdk::HttpClient>> load_http_module(const std::string& path) {
  // Libraries are leaked on purpose: the service's code runs in the module until exit.
  static std::mutex mutex;
  static std::vector<boost::dll::shared_library*> loaded;
  std::lock_guard<std::mutex> lock(mutex);
  // Checked as a plugin is (core/host_module.h): it is what sends client secrets and tokens.
  auto library = open_host_module(path, {"network module",
                                         ENTRATOOL_HTTP_ABI_SYMBOL,
                                         ENTRATOOL_HTTP_ABI_VERSION,
                                         {ENTRATOOL_HTTP_SERVICE_SYMBOL},
                                         sdk::ErrorCategory::network});
  if (!library) return library.status();
  auto lib = std::make_unique<boost::dll::shared_library>(std::move(*library));
  const et_http_service* service = lib->get<const et_http_service*()>(ENTRATOOL_HTTP_SERVICE_SYMBOL)();
  if (!service || service->size < offsetof(et_http_service, send) + sizeof service->send || !service->send)
    return sdk::Status::network("the network module '" + path + "' could not start" + std::string(kFix));
  loaded.push_back(lib.release());
  return std::unique_ptr<sdk::HttpClient>(std::make_unique<ModuleHttpClient>(service, path));
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
