#include "authorization_code_flow.h"

#include "entratool/loopback/authorize.h"
#include "entratool/loopback/loopback_listener.h"

namespace entratool::flows {

sdk::Result<sdk::TokenResponse> AuthorizationCodeFlow::acquire(const sdk::FlowRequest& request,
                                                               sdk::HostServices& services) {
  const std::string& profile = request.profile_name;
  if (request.redirect_uri.empty())
    return sdk::Status::general(
        "the authorization-code flow needs the redirect URI registered for the application, "
        "e.g. http://localhost:8080/; set it with 'entratool config edit " +
        profile + "' (or use --flow interactive for a public client)");
  if (auto target = loopback::parse_loopback_redirect(request.redirect_uri); !target) return target.status();
  if (request.client_auth == sdk::ClientAuth::none)
    return sdk::Status::general(
        "the authorization-code flow redeems the code with the application's client secret "
        "or certificate, and profile '" +
        profile + "' has neither; add one, or use --flow interactive");

  auto signed_in = loopback::sign_in_with_browser(request, services, request.redirect_uri);
  if (!signed_in) return signed_in.status();
  return loopback::redeem_authorization_code(request, services, *signed_in);
}

}  // namespace entratool::flows
