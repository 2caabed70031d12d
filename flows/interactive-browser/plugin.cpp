// The interactive-browser flow: a public client signs the user in through the browser and
// redeems the code with its PKCE verifier (RFC 8252: native apps, loopback redirect).
#include <memory>

#include "entratool/loopback/authorize.h"
#include "entratool/sdk/flow.h"
#include "entratool/sdk/plugin.h"

namespace {

namespace sdk = entratool::sdk;
namespace loopback = entratool::loopback;

class InteractiveBrowserFlow final : public sdk::Flow {
 public:
  sdk::Result<sdk::TokenResponse> acquire(const sdk::FlowRequest& request, sdk::HostServices& services) override {
    auto signed_in = loopback::sign_in_with_browser(request, services, request.redirect_uri);
    if (!signed_in) return signed_in.status();
    services.console().status("\u2713 Authentication successful");
    // A public client sends only its id; a profile that has a secret or certificate uses it.
    return loopback::redeem_authorization_code(request, services, *signed_in);
  }
};

sdk::Status register_flow(sdk::Registrar& registrar) {
  try {
    return registrar.add_flow(std::make_unique<InteractiveBrowserFlow>());
  } catch (const std::exception& e) {  // nothing may cross into the host
    return sdk::Status::general(std::string("interactive-browser flow: ") + e.what());
  }
}

}  // namespace

ENTRATOOL_PLUGIN("interactive-browser", "flow", PLUGIN_VERSION, PLUGIN_DESCRIPTION, &register_flow)
