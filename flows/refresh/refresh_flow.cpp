#include "refresh_flow.h"

#include "entratool/flows/client_auth.h"
#include "entratool/loopback/authorize.h"
#include "entratool/sdk/oauth.h"

namespace entratool::flows {

sdk::Result<sdk::TokenResponse> RefreshFlow::acquire(const sdk::FlowRequest& request, sdk::HostServices& services) {
  if (request.refresh_token.empty()) return sdk::Status::auth_failed("no refresh token to redeem; sign in again");
  sdk::oauth::Form form = {
      {"grant_type", "refresh_token"},
      {"refresh_token", request.refresh_token},
      {"scope", loopback::join_scopes(loopback::user_flow_scopes(request.scopes))},
  };
  sdk::Headers headers;
  if (auto s = flows::apply_client_auth(request, form, headers, services.clock().now()); !s) return s;
  auto token = sdk::oauth::request_token(services, request, std::move(form), std::move(headers));
  if (token && token->refresh_token.empty()) token->refresh_token = request.refresh_token;
  return token;
}

}  // namespace entratool::flows
