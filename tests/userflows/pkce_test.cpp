// PKCE, random values, scopes, authorize URLs and redirect URI parsing (host/services: pkce, loopback_listener,
// sign_in; support/scopes.h).
#include <doctest/doctest.h>

#include <set>

#include "entratool/support/scopes.h"
#include "services/loopback_listener.h"
#include "services/pkce.h"
#include "services/sign_in.h"

using namespace entratool::host;
using entratool::support::join_scopes;
using entratool::support::user_flow_scopes;

TEST_CASE("S256 challenge matches RFC 7636 appendix B") {
  CHECK(s256_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
}

TEST_CASE("a fresh verifier is 43 url-safe characters, random, with its own challenge") {
  std::set<std::string> seen;
  for (int i = 0; i < 20; ++i) {
    auto p = make_pkce();
    REQUIRE(p);
    CHECK(p->verifier.size() == 43);
    CHECK(p->verifier.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
          std::string::npos);
    CHECK(p->challenge == s256_challenge(p->verifier));
    seen.insert(p->verifier);
  }
  CHECK(seen.size() == 20);
}

TEST_CASE("user flow scopes add openid, profile and offline_access once, keeping order") {
  CHECK(user_flow_scopes({"https://graph.microsoft.com/.default"}) ==
        std::vector<std::string>{"https://graph.microsoft.com/.default", "openid", "profile", "offline_access"});
  CHECK(user_flow_scopes({"offline_access", "User.Read", "User.Read"}) ==
        std::vector<std::string>{"offline_access", "User.Read", "openid", "profile"});
  CHECK(join_scopes({"a", "b"}) == "a b");
}

TEST_CASE("authorize URLs form-encode every parameter") {
  CHECK(authorize_url("https://login/t/oauth2/v2.0/authorize",
                      {{"redirect_uri", "http://127.0.0.1:1/"}, {"scope", "a b"}}) ==
        "https://login/t/oauth2/v2.0/authorize?redirect_uri=http%3A%2F%2F127.0.0.1%3A1%2F&scope=a+b");
  CHECK(authorize_url("https://x/authorize?p=1", {{"a", "b"}}) == "https://x/authorize?p=1&a=b");
}

TEST_CASE("loopback redirect URIs are parsed; anything else is refused clearly") {
  auto a = parse_loopback_redirect("http://localhost:8080");
  REQUIRE(a);
  CHECK(a->host == "localhost");
  CHECK(a->port == 8080);
  CHECK(a->path == "/");
  auto b = parse_loopback_redirect("HTTP://127.0.0.1/callback?x=1");
  REQUIRE(b);
  CHECK(b->port == 0);
  CHECK(b->path == "/callback");
  auto c = parse_loopback_redirect("http://[::1]:9000/cb");
  REQUIRE(c);
  CHECK(c->host == "[::1]");
  CHECK(c->port == 9000);
  for (const char* bad :
       {"https://localhost:8080/", "http://example.com:8080/", "http://10.0.0.1/", "http://localhost:99999/",
        "http://localhost:80a/", "localhost:8080", "http://localhost.evil.com/", "http://[::1/"}) {
    auto r = parse_loopback_redirect(bad);
    CHECK_MESSAGE(!r, bad);
    if (!r) CHECK(r.status().message().find("not a loopback address") != std::string::npos);
  }
}

TEST_CASE("query parameters are decoded in order; malformed escapes are dropped") {
  auto q = parse_query("/cb?code=a%2Bb&state=x+y&empty=&bad=%zz&flag#frag");
  REQUIRE(q.size() == 4);
  CHECK(q[0] == std::pair<std::string, std::string>{"code", "a+b"});
  CHECK(q[1] == std::pair<std::string, std::string>{"state", "x y"});
  CHECK(q[2] == std::pair<std::string, std::string>{"empty", ""});
  CHECK(q[3] == std::pair<std::string, std::string>{"flag", ""});
  CHECK(parse_query("/cb").empty());
}
