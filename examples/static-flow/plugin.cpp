// A flow that needs no identity provider: `get-token -f static-flow` returns the profile's
// "static_token" setting (else "static-test-token"), valid for "static_lifetime" seconds (else
// 3600). Its declarations (no tenant, client id or client secret needed) are in components.json.
// For tests and demos, never for production.
#include <entratool/sdk/plugin.h>

#include <chrono>
#include <string>

using namespace entratool::sdk;

struct StaticFlow final : Flow {
  Result<TokenResponse> acquire(const FlowRequest& request, HostServices& services) override {
    auto setting = [&](const char* name, const char* fallback) {
      auto it = request.settings.find(name);
      return it == request.settings.end() ? std::string(fallback) : it->second;
    };
    TokenResponse token;
    token.access_token = setting("static_token", "static-test-token");
    token.expires_at = services.clock().now() + std::chrono::seconds(std::stoll(setting("static_lifetime", "3600")));
    token.scopes = request.scopes;  // granted exactly what was asked for
    return token;                   // (a bad static_lifetime throws; the adapter turns that into an error)
  }
};

Status register_components(Registrar& r) { return r.add_flow("static-flow", std::make_unique<StaticFlow>()); }

ENTRATOOL_PLUGIN(register_components)
