// The client credentials grant (RFC 6749 §4.4): the application authenticates as itself with a
// secret or a certificate assertion and gets an app-only token for `<resource>/.default` scopes.
#include <exception>
#include <memory>
#include <string>

#include "entratool/flows/client_auth.h"
#include "entratool/sdk/flow.h"
#include "entratool/sdk/oauth.h"
#include "entratool/sdk/plugin.h"
#include "entratool/sdk/registrar.h"

namespace {

namespace sdk = entratool::sdk;

class ClientCredentialsFlow final : public sdk::Flow {
 public:
  sdk::Result<sdk::TokenResponse> acquire(const sdk::FlowRequest& request, sdk::HostServices& services) override {
    try {
      return acquire_impl(request, services);
    } catch (const std::exception& e) {
      return sdk::Status::general(std::string("client credentials flow failed: ") + e.what());
    }
  }

 private:
  static sdk::Result<sdk::TokenResponse> acquire_impl(const sdk::FlowRequest& request, sdk::HostServices& services) {
    if (request.token_endpoint.empty()) return sdk::Status::general("no token endpoint for this profile");
    if (request.scopes.empty())
      return sdk::Status::general("client credentials need a scope, e.g. https://graph.microsoft.com/.default");
    if (request.client_auth == sdk::ClientAuth::none)
      return sdk::Status::general("client credentials need a client secret or a certificate for '" + request.client_id +
                                  "'");
    std::string scope;
    for (const auto& s : request.scopes) scope += (scope.empty() ? "" : " ") + s;
    sdk::oauth::Form form{{"grant_type", "client_credentials"}, {"scope", scope}};
    sdk::Headers headers;
    sdk::Status auth = entratool::flows::apply_client_auth(request, form, headers, services.clock().now());
    if (!auth) return auth;
    services.logger().log(sdk::LogLevel::debug, "client credentials: POST " + request.token_endpoint);
    return sdk::oauth::request_token(services, request, std::move(form), std::move(headers));
  }
};

sdk::Status register_client_credentials(sdk::Registrar& registrar) {
  return registrar.add_flow(std::make_unique<ClientCredentialsFlow>());
}

}  // namespace

ENTRATOOL_PLUGIN("client-credentials", "flow", PLUGIN_VERSION, PLUGIN_DESCRIPTION, &register_client_credentials)
