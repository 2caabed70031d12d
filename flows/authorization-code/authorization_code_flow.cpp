#include "authorization_code_flow.h"

#include <string>

#include "entratool/support/grants.h"
#include "entratool/support/scopes.h"

namespace entratool::flows {

sdk::Result<sdk::TokenResponse> AuthorizationCodeFlow::acquire(const sdk::FlowRequest& request,
                                                               sdk::HostServices& services) {
  const std::string& profile = request.profile_name;
  if (request.redirect_uri.empty())
    return sdk::Status::general(
        "the authorization-code flow needs the redirect URI registered for the application, "
        "e.g. http://localhost:8080/; set it with 'entratool config edit " +
        profile + "' (or use --flow interactive for a public client)");
  if (request.client_auth == sdk::ClientAuthMethod::none)
    return sdk::Status::general(
        "the authorization-code flow redeems the code with the application's client secret "
        "or certificate, and profile '" +
        profile + "' has neither; add one, or use --flow interactive");

  // The sign-in service refuses a redirect URI that is not loopback before it opens anything.
  const auto scopes = support::user_flow_scopes(request.scopes);
  auto signed_in = services.sign_in().sign_in(request, scopes, {});
  if (!signed_in) return signed_in.status();
  return support::redeem_authorization_code(request, services, *signed_in, scopes);
}

}  // namespace entratool::flows
