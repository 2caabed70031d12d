// Temporary: replaced by the Poco network module loader.
#include "services.h"

namespace entratool::host {
namespace {
class NoHttp final : public sdk::HttpClient {
 public:
  sdk::Result<sdk::HttpResponse> send(const sdk::HttpRequest&) override {
    return sdk::Status::network("networking is not available in this build");
  }
};
}  // namespace
sdk::HttpClient& Services::http() {
  if (!http_) http_ = std::make_unique<NoHttp>();
  return *http_;
}
}  // namespace entratool::host
