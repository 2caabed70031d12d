#include "entratool/support/grants.h"

#include "entratool/support/scopes.h"

namespace entratool::support {

std::chrono::milliseconds time_left(const sdk::FlowRequest& request, sdk::HostServices& services) {
  if (request.deadline == std::chrono::steady_clock::time_point{}) return std::chrono::seconds(60);
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(request.deadline - services.clock().monotonic());
  return left.count() < 1 ? std::chrono::milliseconds(1) : left;
}

sdk::Result<sdk::TokenResponse> redeem_authorization_code(const sdk::FlowRequest& request, sdk::HostServices& services,
                                                          const sdk::SignInResult& signed_in,
                                                          const std::vector<std::string>& scopes) {
  sdk::Form form = {
      {"grant_type", "authorization_code"},     {"code", signed_in.code},
      {"redirect_uri", signed_in.redirect_uri}, {"code_verifier", signed_in.code_verifier},
      {"scope", join_scopes(scopes)},
  };
  sdk::Headers headers;
  if (auto s = services.client_auth().apply(request, {}, form, headers); !s) return s;
  return services.token_endpoint().request_token(request, form, headers);
}

sdk::Result<sdk::TokenResponse> redeem_client_assertion(const sdk::FlowRequest& request, sdk::HostServices& services,
                                                        const std::string& assertion) {
  const sdk::Form form{{"grant_type", "client_credentials"},
                       {"scope", join_scopes(request.scopes)},
                       {"client_id", request.client_id},
                       {"client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"},
                       {"client_assertion", assertion}};
  return services.token_endpoint().request_token(request, form, {});
}

}  // namespace entratool::support
