// What get-token decides before touching the network: which profile (named, default, "default",
// or the AZURE_* environment), flow, scopes, endpoints and cache key. No plugin is loaded here.
#include <doctest/doctest.h>

#include <unistd.h>

#include <cstdlib>
#include <string>

#include "core/acquire.h"
#include "core/context.h"

using namespace entratool;
using namespace entratool::host;
using namespace std::chrono_literals;

namespace {

const char* const kAzureVars[] = {"AZURE_TENANT_ID",
                                  "AZURE_CLIENT_ID",
                                  "AZURE_CLIENT_SECRET",
                                  "AZURE_CLIENT_CERTIFICATE_PATH",
                                  "AZURE_CLIENT_CERTIFICATE_PASSWORD",
                                  "AZURE_AUTHORITY_HOST",
                                  "ENTRATOOL_CA_BUNDLE",
                                  "SSL_CERT_FILE",
                                  "AZURE_FEDERATED_TOKEN_FILE",
                                  "ACTIONS_ID_TOKEN_REQUEST_URL",
                                  "ACTIONS_ID_TOKEN_REQUEST_TOKEN"};

// A fresh config folder and a clean environment for each test case.
struct Fixture {
  std::string dir;
  Output out, err;
  Fixture() {
    static int n = 0;
    dir = std::string(ENTRATOOL_BUILD_DIR) + "/token-cache-plan-" + std::to_string(::getpid()) + "-" +
          std::to_string(++n);
    std::system(("rm -rf '" + dir + "'").c_str());
    ::setenv("ENTRATOOL_CONFIG_DIR", dir.c_str(), 1);
    for (const char* v : kAzureVars) ::unsetenv(v);
  }
  ~Fixture() {
    std::system(("rm -rf '" + dir + "'").c_str());
    for (const char* v : kAzureVars) ::unsetenv(v);
  }
  void add(const std::string& name, const std::string& auth = "secret", bool make_default = false) {
    Profile p;
    p.name = name;
    p.tenant_id = "Contoso.onmicrosoft.com";
    p.client_id = "11111111-2222-3333-4444-555555555555";
    p.auth_method = auth;
    p.scopes = {"api://orders/.default"};
    if (auth == "certificate") p.certificate_path = "/nonexistent/cert.pem";
    ProfileStore store(dir);
    auto saved = store.save(p, true);
    REQUIRE_MESSAGE(saved, saved.message());
    if (make_default) REQUIRE(store.set_default(name));
  }
};

}  // namespace

TEST_CASE_FIXTURE(Fixture, "a named profile that does not exist is exit 2") {
  Context ctx(out, err, {});
  auto plan = plan_acquisition(ctx, AcquireOptions{"ghost"});
  REQUIRE_FALSE(plan);
  CHECK(plan.status().category() == sdk::ErrorCategory::profile_not_found);
}

TEST_CASE_FIXTURE(Fixture, "no profile, no default, no environment: exit 2 saying how to create one") {
  Context ctx(out, err, {});
  auto plan = plan_acquisition(ctx, {});
  REQUIRE_FALSE(plan);
  CHECK(plan.status().category() == sdk::ErrorCategory::profile_not_found);
  CHECK(plan.status().message().find("create-profile") != std::string::npos);
  CHECK(plan.status().message().find("AZURE_CLIENT_SECRET") != std::string::npos);
}

TEST_CASE_FIXTURE(Fixture, "a client-secret profile plans client credentials against the public cloud") {
  add("app");
  Context ctx(out, err, {});
  auto plan = plan_acquisition(ctx, AcquireOptions{"app"});
  REQUIRE(plan);
  CHECK(plan->flow_id == "client-credentials");
  CHECK(plan->request.client_auth == sdk::ClientAuthMethod::secret);
  CHECK(plan->credentials.client_secret.empty());  // secrets are read only when the flow runs
  CHECK(plan->request.scopes == std::vector<std::string>{"api://orders/.default"});
  CHECK(plan->key.scopes == plan->request.scopes);
  CHECK(plan->request.token_endpoint == "https://login.microsoftonline.com/Contoso.onmicrosoft.com/oauth2/v2.0/token");
  CHECK(plan->request.device_code_endpoint ==
        "https://login.microsoftonline.com/Contoso.onmicrosoft.com/oauth2/v2.0/devicecode");
  CHECK(plan->request.authorize_endpoint ==
        "https://login.microsoftonline.com/Contoso.onmicrosoft.com/oauth2/v2.0/authorize");
  CHECK(plan->key.profile == "app");
  CHECK(plan->key.flow == "client-credentials");
  CHECK(plan->key.authority == "https://login.microsoftonline.com");
}

TEST_CASE_FIXTURE(Fixture, "flags override the profile: scopes, flow spelling, cloud") {
  add("app");
  Context ctx(out, err, {});
  AcquireOptions o{"app"};
  o.scopes = {"https://management.azure.com/.default"};
  o.flow = "DeviceCode";
  o.cloud = "usgov";
  o.no_browser = true;
  auto plan = plan_acquisition(ctx, o);
  REQUIRE(plan);
  CHECK(plan->flow_id == "device-code");
  CHECK(plan->key.flow == "device-code");
  CHECK(plan->request.scopes == o.scopes);
  CHECK(plan->request.token_endpoint.rfind("https://login.microsoftonline.us/", 0) == 0);
  CHECK_FALSE(plan->request.open_browser);
}

TEST_CASE_FIXTURE(Fixture,
                  "public clients default to the interactive browser flow; certificates to client credentials") {
  add("user", "none");
  add("cert", "certificate");
  Context ctx(out, err, {});
  auto user = plan_acquisition(ctx, AcquireOptions{"user"});
  REQUIRE(user);
  CHECK(user->flow_id == "interactive-browser");
  CHECK(user->request.client_auth == sdk::ClientAuthMethod::none);
  auto cert = plan_acquisition(ctx, AcquireOptions{"cert"});
  REQUIRE(cert);
  CHECK(cert->flow_id == "client-credentials");
  CHECK(cert->request.client_auth == sdk::ClientAuthMethod::certificate);
  CHECK(cert->credentials.certificate_path == "/nonexistent/cert.pem");
}

TEST_CASE_FIXTURE(Fixture, "without -p: the default profile wins over the AZURE_* environment") {
  add("first");
  add("main", "secret", true);
  ::setenv("AZURE_TENANT_ID", "env-tenant.example", 1);
  ::setenv("AZURE_CLIENT_ID", "env-client", 1);
  ::setenv("AZURE_CLIENT_SECRET", "env-secret", 1);
  Context ctx(out, err, {});
  auto plan = plan_acquisition(ctx, {});
  REQUIRE(plan);
  CHECK(plan->profile.profile.name == "main");
  CHECK_FALSE(plan->profile.from_environment);
}

TEST_CASE_FIXTURE(Fixture, "the AZURE_* environment is an implicit profile with its secret read late") {
  ::setenv("AZURE_TENANT_ID", "env-tenant.example", 1);
  ::setenv("AZURE_CLIENT_ID", "env-client", 1);
  ::setenv("AZURE_CLIENT_SECRET", "env-secret", 1);
  ::setenv("AZURE_AUTHORITY_HOST", "http://127.0.0.1:4321/", 1);
  Context ctx(out, err, {});
  auto plan = plan_acquisition(ctx, {});
  REQUIRE(plan);
  CHECK(plan->profile.from_environment);
  CHECK(plan->profile.profile.name == kEnvironmentProfileName);
  CHECK(plan->key.profile == "@environment");
  CHECK(plan->request.token_endpoint == "http://127.0.0.1:4321/env-tenant.example/oauth2/v2.0/token");
  CHECK(plan->credentials.client_secret.empty());
  CHECK(plan->request.scopes == std::vector<std::string>{"https://graph.microsoft.com/.default"});
  REQUIRE(load_secrets(ctx, *plan));
  CHECK(plan->credentials.client_secret == "env-secret");
}

TEST_CASE_FIXTURE(Fixture, "an implicit certificate profile takes the PFX password from the environment") {
  ::setenv("AZURE_TENANT_ID", "common", 1);
  ::setenv("AZURE_CLIENT_ID", "c", 1);
  ::setenv("AZURE_CLIENT_CERTIFICATE_PATH", "/x/cert.pfx", 1);
  ::setenv("AZURE_CLIENT_CERTIFICATE_PASSWORD", "pw", 1);
  Context ctx(out, err, {});
  auto plan = plan_acquisition(ctx, {});
  REQUIRE(plan);
  CHECK(plan->request.client_auth == sdk::ClientAuthMethod::certificate);
  CHECK(plan->credentials.certificate_path == "/x/cert.pfx");
  REQUIRE(load_secrets(ctx, *plan));
  CHECK(plan->credentials.certificate_password == "pw");
}

TEST_CASE_FIXTURE(Fixture, "an incomplete AZURE_* environment names what is missing") {
  ::setenv("AZURE_TENANT_ID", "common", 1);
  ::setenv("AZURE_CLIENT_SECRET", "s", 1);
  Context ctx(out, err, {});
  auto r = profile_from_environment(ctx);
  REQUIRE_FALSE(r);
  CHECK(r.status().category() == sdk::ErrorCategory::profile_not_found);
  CHECK(r.status().message().find("missing AZURE_CLIENT_ID") != std::string::npos);
  CHECK(r.status().message().find("s") != std::string::npos);
}

TEST_CASE_FIXTURE(Fixture, "federated variables select the flow that declares them, without a secret") {
  ::setenv("AZURE_TENANT_ID", "common", 1);
  ::setenv("AZURE_CLIENT_ID", "c", 1);
  ::setenv("AZURE_FEDERATED_TOKEN_FILE", "/var/run/token", 1);
  Context ctx(out, err, {});
  auto plan = plan_acquisition(ctx, {});
  REQUIRE(plan);
  CHECK(plan->flow_id == "workload-identity");
  CHECK(plan->request.client_auth == sdk::ClientAuthMethod::none);
  // More declared variables set: the more specific declaration wins.
  ::setenv("ACTIONS_ID_TOKEN_REQUEST_URL", "http://127.0.0.1:1/x?a=b", 1);
  ::setenv("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "t", 1);
  auto github = plan_acquisition(ctx, {});
  REQUIRE(github);
  CHECK(github->flow_id == "github-actions");
  // A secret still means client credentials, as in azure-identity.
  ::setenv("AZURE_CLIENT_SECRET", "s", 1);
  auto secret = plan_acquisition(ctx, {});
  REQUIRE(secret);
  CHECK(secret->flow_id == "client-credentials");
  for (const char* v : {"AZURE_FEDERATED_TOKEN_FILE", "ACTIONS_ID_TOKEN_REQUEST_URL", "ACTIONS_ID_TOKEN_REQUEST_TOKEN"})
    ::unsetenv(v);
}

TEST_CASE_FIXTURE(Fixture, "a federated token file without a tenant names what is missing") {
  ::setenv("AZURE_FEDERATED_TOKEN_FILE", "/var/run/token", 1);
  Context ctx(out, err, {});
  auto r = profile_from_environment(ctx);
  ::unsetenv("AZURE_FEDERATED_TOKEN_FILE");
  REQUIRE_FALSE(r);
  CHECK(r.status().category() == sdk::ErrorCategory::profile_not_found);
  CHECK(r.status().message().find("missing AZURE_TENANT_ID, AZURE_CLIENT_ID") != std::string::npos);
}

TEST_CASE_FIXTURE(Fixture, "an authority that is not https nor loopback is refused before anything runs") {
  add("app");
  Context ctx(out, err, {});
  AcquireOptions o{"app"};
  o.authority_host = "http://idp.example";
  auto plan = plan_acquisition(ctx, o);
  REQUIRE_FALSE(plan);
  CHECK(plan.status().category() == sdk::ErrorCategory::general);
  CHECK(plan.status().message().find("loopback") != std::string::npos);
}

TEST_CASE("durations read back the way users write them") {
  CHECK(describe_duration(60s) == "1m");
  CHECK(describe_duration(2s) == "2s");
  CHECK(describe_duration(90s) == "90s");
  CHECK(describe_duration(2h) == "2h");
  CHECK(describe_duration(1500ms) == "1500ms");
}
