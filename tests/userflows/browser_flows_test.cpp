// The host's sign-in service (host/services/sign_in.h) and the interactive-browser and
// authorization-code flows over it, with a scripted browser that plays the provider's redirect
// to the real loopback listener.
#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "authorization_code_flow.h"
#include "entratool/support/scopes.h"
#include "interactive_browser_flow.h"
#include "services/loopback_listener.h"
#include "services/pkce.h"
#include "services/sign_in.h"
#include "support/fakes.h"

using namespace std::chrono_literals;
using entratool::sdk::ErrorCategory;
using entratool::sdk::FlowRequest;
using fakes::form_value;
using fakes::Services;
namespace host = entratool::host;
using entratool::support::user_flow_scopes;

namespace {

std::string param(const std::string& url, const std::string& name) {
  for (const auto& [k, v] : host::parse_query(url))
    if (k == name) return v;
  return {};
}

// GETs `target` on the redirect URI's port, as the browser would after the provider's redirect.
void follow_redirect(const std::string& redirect_uri, const std::string& query) {
  auto target = *host::parse_loopback_redirect(redirect_uri);
  const int port = std::stoi(redirect_uri.substr(redirect_uri.find(':', 7) + 1));
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) {
    std::string req = "GET " + target.path + "?" + query + " HTTP/1.1\r\nHost: x\r\n\r\n";
    (void)!::write(fd, req.data(), req.size());
    char buf[512];
    while (::read(fd, buf, sizeof buf) > 0) {
    }
  }
  ::close(fd);
}

// A browser that redirects back with `query_for(state)` from another thread.
struct RedirectingBrowser {
  std::thread thread;
  ~RedirectingBrowser() {
    if (thread.joinable()) thread.join();
  }
  void install(Services& s, std::function<std::string(const std::string& state)> query_for) {
    s.browser_.on_open = [this, query_for](const std::string& url) {
      std::string redirect = param(url, "redirect_uri"), state = param(url, "state");
      thread = std::thread([=] { follow_redirect(redirect, query_for(state)); });
      return entratool::sdk::Status::ok();
    };
  }
};

FlowRequest request_for(Services& s) {
  s.clock_.real = true;
  FlowRequest r;
  r.profile_name = "web";
  r.client_id = "app";
  r.scopes = {"https://graph.microsoft.com/User.Read"};
  r.token_endpoint = "https://login.example/t/oauth2/v2.0/token";
  r.authorize_endpoint = "https://login.example/t/oauth2/v2.0/authorize";
  r.deadline = std::chrono::steady_clock::now() + 10s;
  return r;
}

// The sign-in as the flows ask for it: the user-flow scopes, no extra parameters.
entratool::sdk::Result<entratool::sdk::SignInResult> sign_in(Services& s, const FlowRequest& r,
                                                             const entratool::sdk::Form& extra = {}) {
  return s.sign_in().sign_in(r, user_flow_scopes(r.scopes), extra);
}

}  // namespace

TEST_CASE("the browser step sends PKCE S256, state and offline_access, and returns the code") {
  Services s;
  RedirectingBrowser browser;
  browser.install(s, [](const std::string& state) { return "code=the-code&state=" + state; });
  auto got = sign_in(s, request_for(s));
  REQUIRE(got);
  REQUIRE(s.browser_.opened.size() == 1);
  const std::string& url = s.browser_.opened[0];
  CHECK(url.rfind("https://login.example/t/oauth2/v2.0/authorize?", 0) == 0);
  CHECK(got->code == "the-code");
  CHECK(param(url, "client_id") == "app");
  CHECK(param(url, "response_type") == "code");
  CHECK(param(url, "code_challenge_method") == "S256");
  CHECK(param(url, "code_challenge") == host::s256_challenge(got->code_verifier));
  CHECK(param(url, "redirect_uri") == got->redirect_uri);
  CHECK(got->redirect_uri.rfind("http://127.0.0.1:", 0) == 0);
  CHECK(param(url, "scope") == "https://graph.microsoft.com/User.Read openid profile offline_access");
  CHECK(param(url, "state").size() >= 16);
  CHECK(param(url, "prompt") == "select_account");
  CHECK(url.find(got->code_verifier) == std::string::npos);
  // The one request to the provider: the authorize URL checked before the browser opens it.
  REQUIRE(s.http_.requests.size() == 1);
  CHECK(s.http_.requests[0].method == "GET");
  CHECK(s.http_.requests[0].url == url);
}

TEST_CASE("an authorize request the provider refuses is reported at once, the browser never opened") {
  Services s;
  s.http_.reply(
      400,
      R"({"error":"invalid_redirect_uri","error_description":"redirect_uri did not match any of the client's registered redirect_uris"})");
  RedirectingBrowser browser;
  browser.install(s, [](const std::string& state) { return "code=c&state=" + state; });
  auto got = sign_in(s, request_for(s));
  REQUIRE_FALSE(got);
  CHECK(got.status().category() == ErrorCategory::auth_failed);
  CHECK(got.status().code() == "invalid_redirect_uri");
  CHECK(got.status().message().find("did not match") != std::string::npos);
  CHECK(got.status().message().find("register exactly http://127.0.0.1:") != std::string::npos);
  CHECK(s.browser_.opened.empty());
}

TEST_CASE("an Entra-style HTML error page names its AADSTS error; an unreachable provider is left to the browser") {
  Services s;
  s.http_.reply(
      400, "<html><body><div>AADSTS50011: The redirect URI 'http://127.0.0.1:1/' does not match.</div></body></html>");
  auto got = sign_in(s, request_for(s));
  REQUIRE_FALSE(got);
  CHECK(got.status().message().find("AADSTS50011: The redirect URI") != std::string::npos);

  Services t;
  t.http_.fail(entratool::sdk::Status::network("connection refused"));
  RedirectingBrowser browser;
  browser.install(t, [](const std::string& state) { return "code=c&state=" + state; });
  auto ok = sign_in(t, request_for(t));
  REQUIRE_MESSAGE(ok, ok.status().message());
  CHECK(ok->code == "c");
}

TEST_CASE("oidc-provider's HTML error page gives its error code and description, entities unescaped") {
  Services s;
  s.http_.reply(400,
                "<html><body><pre><strong>error</strong>:\n  invalid_redirect_uri<br>"
                "<strong>error_description</strong>: redirect_uri did not match any of the client&#39;s "
                "registered redirect_uris</pre><strong>other</strong>: x</body></html>");
  auto got = sign_in(s, request_for(s));
  REQUIRE_FALSE(got);
  CHECK(got.status().code() == "invalid_redirect_uri");
  CHECK(got.status().message().find("did not match any of the client's registered redirect_uris") != std::string::npos);
  CHECK(s.browser_.opened.empty());
}

TEST_CASE("extra authorize parameters are added; prompt may be replaced, the protocol's may not") {
  Services s;
  RedirectingBrowser browser;
  browser.install(s, [](const std::string& state) { return "code=c&state=" + state; });
  auto got = sign_in(s, request_for(s), {{"login_hint", "a@b.example"}, {"prompt", "login"}});
  REQUIRE(got);
  const std::string& url = s.browser_.opened.at(0);
  CHECK(param(url, "login_hint") == "a@b.example");
  CHECK(param(url, "prompt") == "login");
  Services s2;
  auto refused = sign_in(s2, request_for(s2), {{"state", "mine"}});
  REQUIRE(!refused);
  CHECK(refused.status().message().find("'state'") != std::string::npos);
  CHECK(s2.browser_.opened.empty());
}

TEST_CASE("an error redirect is an authentication failure naming the error") {
  Services s;
  RedirectingBrowser browser;
  browser.install(s, [](const std::string& state) {
    return "error=access_denied&error_description=AADSTS65004%3A+User+declined&state=" + state;
  });
  auto got = sign_in(s, request_for(s));
  REQUIRE(!got);
  CHECK(got.status().category() == ErrorCategory::auth_failed);
  CHECK(got.status().code() == "access_denied");
  CHECK(got.status().message().find("access_denied: AADSTS65004: User declined") != std::string::npos);
}

TEST_CASE("--no-browser prints the URL instead, and no answer is 'browser did not respond'") {
  Services s;
  FlowRequest r = request_for(s);
  r.open_browser = false;
  r.deadline = std::chrono::steady_clock::now() + 300ms;
  auto got = sign_in(s, r);
  REQUIRE(!got);
  CHECK(got.status().category() == ErrorCategory::timeout);
  CHECK(got.status().message().find("browser did not respond") != std::string::npos);
  CHECK(s.browser_.opened.empty());
  CHECK(s.console_.all_notices().find("  https://login.example/t/oauth2/v2.0/authorize?") != std::string::npos);
}

TEST_CASE("a browser that cannot start falls back to printing the URL") {
  Services s;
  s.browser_.on_open = [](const std::string&) {
    return entratool::sdk::Status::general("cannot start the browser 'x'");
  };
  FlowRequest r = request_for(s);
  r.deadline = std::chrono::steady_clock::now() + 200ms;
  auto got = sign_in(s, r);
  CHECK(!got);
  CHECK(s.console_.all_notices().find("Open this URL in a browser") != std::string::npos);
}

TEST_CASE("authorization code: checks the redirect URI and credentials before opening anything") {
  Services s;
  FlowRequest r = request_for(s);
  r.client_auth = entratool::sdk::ClientAuthMethod::secret;
  s.acquisition_.client_secret = "s";
  s.bind(r);
  auto missing = entratool::flows::AuthorizationCodeFlow().acquire(r, s);
  REQUIRE(!missing);
  CHECK(missing.status().message().find("redirect URI") != std::string::npos);
  r.redirect_uri = "https://app.example.com/cb";
  auto remote = entratool::flows::AuthorizationCodeFlow().acquire(r, s);
  REQUIRE(!remote);
  CHECK(remote.status().message().find("not a loopback address") != std::string::npos);
  r.redirect_uri = "http://localhost:0/cb";
  r.client_auth = entratool::sdk::ClientAuthMethod::none;
  auto unauthenticated = entratool::flows::AuthorizationCodeFlow().acquire(r, s);
  REQUIRE(!unauthenticated);
  CHECK(unauthenticated.status().message().find("client secret or certificate") != std::string::npos);
  CHECK(s.browser_.opened.empty());
  CHECK(s.http_.requests.empty());
}

TEST_CASE("authorization code: redeems with the secret, the verifier and the profile's redirect URI") {
  Services s;
  RedirectingBrowser browser;
  browser.install(s, [](const std::string& state) { return "code=c0de&state=" + state; });
  s.http_.reply(302, "");  // the authorize URL check
  s.http_.reply(200, R"({"access_token":"at","expires_in":3600,"refresh_token":"rt"})");
  FlowRequest r = request_for(s);
  r.client_auth = entratool::sdk::ClientAuthMethod::secret;
  s.acquisition_.client_secret = "web secret";
  // Port 0 in the test only, so the listener takes a free one and the URI carries it.
  r.redirect_uri = "http://127.0.0.1/callback";
  s.bind(r);
  auto token = entratool::flows::AuthorizationCodeFlow().acquire(r, s);
  REQUIRE(token);
  CHECK(token->refresh_token == "rt");
  REQUIRE(s.http_.requests.size() == 2);
  CHECK(s.http_.requests[0].method == "GET");
  const auto& redeem = s.http_.requests[1];
  CHECK(form_value(redeem, "grant_type") == "authorization_code");
  CHECK(form_value(redeem, "code") == "c0de");
  CHECK(form_value(redeem, "redirect_uri") == param(s.browser_.opened[0], "redirect_uri"));
  CHECK(form_value(redeem, "redirect_uri").find("/callback") != std::string::npos);
  CHECK(host::s256_challenge(form_value(redeem, "code_verifier")) == param(s.browser_.opened[0], "code_challenge"));
  bool basic = false;
  for (const auto& [k, v] : redeem.headers) basic = basic || (k == "Authorization" && v.rfind("Basic ", 0) == 0);
  CHECK(basic);
}

TEST_CASE("interactive browser: a public client redeems the code with its id and verifier only") {
  Services s;
  RedirectingBrowser browser;
  browser.install(s, [](const std::string& state) { return "code=pub1&state=" + state; });
  s.http_.reply(302, "");  // the authorize URL check
  s.http_.reply(200, R"({"access_token":"at","expires_in":3600,"refresh_token":"rt"})");
  FlowRequest r = request_for(s);
  auto token = entratool::flows::InteractiveBrowserFlow().acquire(r, s);
  REQUIRE_MESSAGE(token, token.status().message());
  CHECK(token->refresh_token == "rt");
  REQUIRE(s.http_.requests.size() == 2);
  CHECK(s.http_.requests[0].method == "GET");
  const auto& redeem = s.http_.requests[1];
  CHECK(redeem.url == r.token_endpoint);
  CHECK(form_value(redeem, "grant_type") == "authorization_code");
  CHECK(form_value(redeem, "code") == "pub1");
  CHECK(form_value(redeem, "client_id") == "app");
  CHECK(form_value(redeem, "client_secret").empty());
  CHECK(form_value(redeem, "scope") == "https://graph.microsoft.com/User.Read openid profile offline_access");
  CHECK(host::s256_challenge(form_value(redeem, "code_verifier")) == param(s.browser_.opened[0], "code_challenge"));
  CHECK(fakes::header(redeem, "Authorization").empty());
  bool said = false;
  for (const auto& line : s.console_.statuses)
    said = said || line.find("Authentication successful") != std::string::npos;
  CHECK(said);
}
