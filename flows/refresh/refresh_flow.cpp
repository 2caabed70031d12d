#include "refresh_flow.h"

#include "entratool/support/scopes.h"

namespace entratool::flows {

sdk::Result<sdk::TokenResponse> RefreshFlow::acquire(const sdk::FlowRequest& request, sdk::HostServices& services) {
  if (request.refresh_token.empty()) return sdk::Status::auth_failed("no refresh token to redeem; sign in again");
  sdk::Form form = {
      {"grant_type", "refresh_token"},
      {"refresh_token", request.refresh_token},
      {"scope", support::join_scopes(support::user_flow_scopes(request.scopes))},
  };
  sdk::Headers headers;
  if (auto s = services.client_auth().apply(request, {}, form, headers); !s) return s;
  auto token = services.token_endpoint().request_token(request, form, headers);
  if (token && token->refresh_token.empty()) token->refresh_token = request.refresh_token;
  return token;
}

}  // namespace entratool::flows
