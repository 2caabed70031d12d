#include "interactive_browser_flow.h"

#include "entratool/support/grants.h"
#include "entratool/support/scopes.h"

namespace entratool::flows {

sdk::Result<sdk::TokenResponse> InteractiveBrowserFlow::acquire(const sdk::FlowRequest& request,
                                                                sdk::HostServices& services) {
  const auto scopes = support::user_flow_scopes(request.scopes);
  auto signed_in = services.sign_in().sign_in(request, scopes, {});
  if (!signed_in) return signed_in.status();
  services.console().status("\u2713 Authentication successful");
  return support::redeem_authorization_code(request, services, *signed_in, scopes);
}

}  // namespace entratool::flows
