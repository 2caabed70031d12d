#include "interactive_browser_flow.h"

#include "entratool/support/scopes.h"

namespace entratool::flows {

sdk::Result<sdk::TokenResponse> InteractiveBrowserFlow::acquire(const sdk::FlowRequest& request,
                                                                sdk::HostServices& services) {
  const auto scopes = support::user_flow_scopes(request.scopes);
  auto signed_in = services.sign_in().sign_in(request, scopes, {});
  if (!signed_in) return signed_in.status();
  services.console().status("\u2713 Authentication successful");
  sdk::Form form = {
      {"grant_type", "authorization_code"},      {"code", signed_in->code},
      {"redirect_uri", signed_in->redirect_uri}, {"code_verifier", signed_in->code_verifier},
      {"scope", support::join_scopes(scopes)},
  };
  sdk::Headers headers;
  if (auto s = services.client_auth().apply(request, {}, form, headers); !s) return s;
  return services.token_endpoint().request_token(request, form, headers);
}

}  // namespace entratool::flows
