// The client-credentials plugin itself, loaded through its C entry point as the host loads it,
// with the host's services lent over the C boundary (services/host_bridge.h) and a scripted HTTP
// client. The credentials travel only inside the host: the request carries the acquisition's
// handle, which must survive the round trip through the plugin.
#include <doctest/doctest.h>

#include "entratool/sdk/flow.h"
#include "entratool/support/encoding.h"
#include "plugin_flow.h"
#include "support/fakes.h"
#include "test_pki.h"

namespace sdk = entratool::sdk;
namespace support = entratool::support;
using namespace std::chrono_literals;

namespace {

// The plugin as loaded once per process; acquire() lends it the test's services.
struct Flow {
  const test_plugins::PluginFlows& plugin() {
    static fakes::Services registration;
    static test_plugins::PluginFlows p(std::string(ENTRATOOL_PLUGIN_DIR) + "/entratool-client-credentials.so",
                                       registration);
    REQUIRE_MESSAGE(p.has("client-credentials"), p.error());
    return p;
  }
  sdk::Result<sdk::TokenResponse> acquire(sdk::FlowRequest& r, fakes::Services& s) {
    s.bind(r);  // the host makes the request its current acquisition before running the flow
    return plugin().acquire("client-credentials", r, s);
  }
};
Flow flow() { return {}; }

sdk::FlowRequest request(fakes::Services& s) {
  sdk::FlowRequest r;
  r.client_id = "app";
  r.tenant = "contoso";
  r.scopes = {"https://graph.microsoft.com/.default", "api://x/.default"};
  r.token_endpoint = "https://login.example.test/contoso/oauth2/v2.0/token";
  r.client_auth = sdk::ClientAuthMethod::secret;
  s.acquisition_.client_secret = "s%e+c:r et";
  r.deadline = s.clock_.mono + 60s;
  return r;
}

std::string field(const sdk::HttpRequest& r, const std::string& name) {
  for (const auto& [k, v] : r.form)
    if (k == name) return v;
  return "<absent>";
}

}  // namespace

TEST_CASE("client credentials with a secret: one POST, Basic auth, scopes joined, token parsed") {
  fakes::Services s;
  s.http_.reply(200, R"({"token_type":"Bearer","expires_in":3599,"access_token":"tok"})");
  auto r = request(s);
  auto t = flow().acquire(r, s);
  REQUIRE_MESSAGE(t.is_ok(), t.status().message());
  CHECK(t->access_token == "tok");
  CHECK(t->expires_at == s.clock_.wall + 3599s);
  CHECK(t->scopes == r.scopes);
  REQUIRE(s.http_.requests.size() == 1);
  const auto& req = s.http_.requests[0];
  CHECK(req.url == r.token_endpoint);
  CHECK(field(req, "grant_type") == "client_credentials");
  CHECK(field(req, "scope") == "https://graph.microsoft.com/.default api://x/.default");
  CHECK(field(req, "client_secret") == "<absent>");
  CHECK(*support::base64_decode(fakes::header(req, "Authorization").substr(6)) == "app:s%25e%2Bc%3Ar+et");
}

TEST_CASE("client credentials with a secret in the body") {
  fakes::Services s;
  s.http_.reply(200, R"({"token_type":"Bearer","expires_in":10,"access_token":"tok"})");
  auto r = request(s);
  r.settings["client_auth"] = "body";
  REQUIRE(flow().acquire(r, s).is_ok());
  CHECK(field(s.http_.requests[0], "client_secret") == "s%e+c:r et");
  CHECK(fakes::header(s.http_.requests[0], "Authorization").empty());
}

TEST_CASE("client credentials with a certificate sends an assertion") {
  fakes::Services s;
  s.http_.reply(200, R"({"token_type":"Bearer","expires_in":10,"access_token":"tok"})");
  auto r = request(s);
  r.client_auth = sdk::ClientAuthMethod::certificate;
  s.acquisition_.client_secret.clear();
  s.acquisition_.certificate_path = test_pki::files().pfx;
  s.acquisition_.certificate_password = test_pki::files().password;
  auto t = flow().acquire(r, s);
  REQUIRE_MESSAGE(t.is_ok(), t.status().message());
  CHECK(field(s.http_.requests[0], "client_assertion_type") ==
        "urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
  CHECK(field(s.http_.requests[0], "client_assertion").size() > 100);
}

TEST_CASE("client credentials refuses what cannot work, before any request") {
  fakes::Services s;
  auto r = request(s);
  r.client_auth = sdk::ClientAuthMethod::none;
  auto t = flow().acquire(r, s);
  CHECK(t.status().category() == sdk::ErrorCategory::general);
  CHECK(t.status().message().find("secret or a certificate") != std::string::npos);
  r = request(s);
  r.scopes.clear();
  CHECK(flow().acquire(r, s).status().message().find("/.default") != std::string::npos);
  r = request(s);
  r.client_auth = sdk::ClientAuthMethod::certificate;
  s.acquisition_.certificate_path = "/nonexistent/cert.pem";
  CHECK(flow().acquire(r, s).status().message().find("cannot read the certificate") != std::string::npos);
  CHECK(s.http_.requests.empty());
}

TEST_CASE("client credentials reports the provider's refusal with the AADSTS hint (exit 3)") {
  fakes::Services s;
  s.http_.reply(401,
                R"({"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided."})");
  auto r = request(s);
  auto t = flow().acquire(r, s);
  CHECK(t.status().exit_code() == 3);
  CHECK(t.status().code() == "invalid_client");
  CHECK(t.status().message() ==
        "invalid_client: AADSTS7000215: Invalid client secret provided. Hint: check the client secret (expired or "
        "wrong?); use the secret's value, not its ID");
  CHECK(t.status().message().find("s%e+c:r et") == std::string::npos);
}

TEST_CASE("a request that is not the current acquisition's gets no credentials through the plugin") {
  fakes::Services s;
  auto r = request(s);
  auto t = flow().plugin().acquire("client-credentials", r, s);  // never bound
  REQUIRE_FALSE(t.is_ok());
  CHECK(t.status().message().find("current acquisition") != std::string::npos);
  CHECK(s.http_.requests.empty());
}
