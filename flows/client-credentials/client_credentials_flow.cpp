#include "client_credentials_flow.h"

#include <string>

#include "entratool/support/scopes.h"

namespace entratool::flows {

sdk::Result<sdk::TokenResponse> ClientCredentialsFlow::acquire(const sdk::FlowRequest& request,
                                                               sdk::HostServices& services) {
  if (request.token_endpoint.empty()) return sdk::Status::general("no token endpoint for this profile");
  if (request.scopes.empty())
    return sdk::Status::general("client credentials need a scope, e.g. https://graph.microsoft.com/.default");
  if (request.client_auth == sdk::ClientAuthMethod::none)
    return sdk::Status::general("client credentials need a client secret or a certificate for '" + request.client_id +
                                "'");
  sdk::Form form{{"grant_type", "client_credentials"}, {"scope", support::join_scopes(request.scopes)}};
  sdk::Headers headers;
  if (auto auth = services.client_auth().apply(request, {}, form, headers); !auth) return auth;
  services.logger().log(sdk::LogLevel::debug, "client credentials: POST " + request.token_endpoint);
  return services.token_endpoint().request_token(request, form, headers);
}

}  // namespace entratool::flows
