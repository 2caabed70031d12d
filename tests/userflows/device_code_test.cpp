// The device code flow against scripted provider answers and a fake clock: polling interval,
// slow_down, the ways it stops, and what the user is shown.
#include <doctest/doctest.h>

#include "device_authorization.h"
#include "device_code_flow.h"
#include "support/fakes.h"

using namespace std::chrono_literals;
using entratool::flows::DeviceCodeFlow;
using entratool::sdk::ErrorCategory;
using entratool::sdk::FlowRequest;
using fakes::form_value;
using fakes::Services;

namespace {

const char* kDevice =
    R"({"device_code":"dc-secret","user_code":"ABCD-1234","verification_uri":"https://microsoft.com/devicelogin","expires_in":900})";
const char* kToken = R"({"access_token":"at","token_type":"Bearer","expires_in":3600,"refresh_token":"rt"})";

std::string oauth_error(const std::string& e) { return R"({"error":")" + e + R"(","error_description":"AADSTS0: x"})"; }

FlowRequest request_for(Services& s) {
  FlowRequest r;
  r.client_id = "public-app";
  r.scopes = {"https://graph.microsoft.com/.default"};
  r.token_endpoint = "https://login.example/t/oauth2/v2.0/token";
  r.device_code_endpoint = "https://login.example/t/oauth2/v2.0/devicecode";
  r.deadline = s.clock_.mono + 600s;
  return r;
}

}  // namespace

TEST_CASE("shows the code, polls every 5 s by default, keeps going while authorization is pending") {
  Services s;
  s.http_.reply(200, kDevice);
  s.http_.reply(400, oauth_error("authorization_pending"));
  s.http_.reply(400, oauth_error("authorization_pending"));
  s.http_.reply(200, kToken);
  auto token = DeviceCodeFlow().acquire(request_for(s), s);
  REQUIRE(token);
  CHECK(token->access_token == "at");
  CHECK(token->refresh_token == "rt");
  CHECK(s.clock_.slept == 15s);
  REQUIRE(s.http_.requests.size() == 4);
  const auto& start = s.http_.requests[0];
  CHECK(start.url == "https://login.example/t/oauth2/v2.0/devicecode");
  CHECK(form_value(start, "client_id") == "public-app");
  CHECK(form_value(start, "scope") == "https://graph.microsoft.com/.default openid profile offline_access");
  const auto& poll = s.http_.requests[3];
  CHECK(poll.url == "https://login.example/t/oauth2/v2.0/token");
  CHECK(form_value(poll, "grant_type") == "urn:ietf:params:oauth:grant-type:device_code");
  CHECK(form_value(poll, "device_code") == "dc-secret");
  CHECK(form_value(poll, "client_id") == "public-app");
  const std::string shown = s.console_.all_notices();
  CHECK(shown.find("https://microsoft.com/devicelogin") != std::string::npos);
  CHECK(shown.find("ABCD-1234") != std::string::npos);
  CHECK(shown.find("dc-secret") == std::string::npos);
}

TEST_CASE("the provider's interval is honoured and slow_down adds 5 s for good") {
  Services s;
  s.http_.reply(200, R"({"device_code":"d","user_code":"U","verification_uri":"https://v","interval":"2"})");
  s.http_.reply(400, oauth_error("slow_down"));
  s.http_.reply(400, oauth_error("authorization_pending"));
  s.http_.reply(200, kToken);
  REQUIRE(DeviceCodeFlow().acquire(request_for(s), s));
  CHECK(s.clock_.slept == 2s + 7s + 7s);
}

TEST_CASE("access_denied, expired_token and other errors stop polling with exit 3") {
  struct Case {
    const char* error;
    const char* says;
  };
  for (Case c : {Case{"access_denied", "declined"}, Case{"expired_token", "expired"},
                 Case{"invalid_client", "invalid_client"}, Case{"invalid_grant", "invalid_grant"}}) {
    Services s;
    s.http_.reply(200, kDevice);
    s.http_.reply(400, oauth_error(c.error));
    auto token = DeviceCodeFlow().acquire(request_for(s), s);
    REQUIRE(!token);
    CHECK(token.status().category() == ErrorCategory::auth_failed);
    CHECK(token.status().code() == c.error);
    CHECK_MESSAGE(token.status().message().find(c.says) != std::string::npos, token.status().message());
    CHECK(s.http_.requests.size() == 2);
  }
}

TEST_CASE("the deadline and the code's lifetime end the wait with exit 5") {
  {
    Services s;
    s.http_.reply(200, kDevice);
    for (int i = 0; i < 100; ++i) s.http_.reply(400, oauth_error("authorization_pending"));
    FlowRequest r = request_for(s);
    r.deadline = s.clock_.mono + 12s;
    auto token = DeviceCodeFlow().acquire(r, s);
    REQUIRE(!token);
    CHECK(token.status().category() == ErrorCategory::timeout);
    CHECK(token.status().message().find("--timeout") != std::string::npos);
    CHECK(s.http_.requests.size() == 3);  // polls at 5 s and 10 s
  }
  {
    Services s;
    s.http_.reply(200,
                  R"({"device_code":"d","user_code":"U","verification_uri":"https://v","expires_in":7,"interval":1})");
    for (int i = 0; i < 100; ++i) s.http_.reply(400, oauth_error("authorization_pending"));
    auto token = DeviceCodeFlow().acquire(request_for(s), s);
    REQUIRE(!token);
    CHECK(token.status().category() == ErrorCategory::timeout);
    CHECK(token.status().message().find("expired after 7s") != std::string::npos);
  }
}

TEST_CASE("the code's life counts from its request, so a slow answer never leads to polling an expired code") {
  Services s;
  s.http_.reply(200,
                R"({"device_code":"d","user_code":"U","verification_uri":"https://v","expires_in":5,"interval":1})");
  for (int i = 0; i < 100; ++i) s.http_.reply(400, oauth_error("authorization_pending"));
  // The device authorization answer takes 2 s to arrive: the code has 3 s left when it is shown.
  s.http_.on_send = [&s](const entratool::sdk::HttpRequest&) {
    if (s.http_.requests.empty()) s.clock_.mono += 2s;
  };
  auto token = DeviceCodeFlow().acquire(request_for(s), s);
  REQUIRE(!token);
  CHECK(token.status().category() == ErrorCategory::timeout);
  CHECK(token.status().message().find("expired after 5s") != std::string::npos);
  CHECK(s.http_.requests.size() == 3);  // polls 3 s and 4 s after the request, none at 5 s or later
}

TEST_CASE("Ctrl-C while waiting ends with 'cancelled' and no further request") {
  Services s;
  s.clock_.cancel_after = 1;
  s.http_.reply(200, kDevice);
  auto token = DeviceCodeFlow().acquire(request_for(s), s);
  REQUIRE(!token);
  CHECK(token.status().category() == ErrorCategory::general);
  CHECK(token.status().message() == "cancelled");
  CHECK(token.status().code() == "cancelled");
  CHECK(s.http_.requests.size() == 1);
}

TEST_CASE("a refused or unusable device code request is reported before any code is shown") {
  {
    Services s;
    s.http_.reply(400, R"({"error":"invalid_scope","error_description":"AADSTS70011: bad scope"})");
    auto token = DeviceCodeFlow().acquire(request_for(s), s);
    REQUIRE(!token);
    CHECK(token.status().category() == ErrorCategory::auth_failed);
    CHECK(token.status().message().find("device code request failed: invalid_scope: AADSTS70011") != std::string::npos);
    CHECK(token.status().code() == "invalid_scope");
    CHECK(s.console_.notices.empty());
  }
  {
    Services s;
    s.http_.reply(200, R"({"device_code":"d","verification_uri":"https://v"})");
    auto token = DeviceCodeFlow().acquire(request_for(s), s);
    REQUIRE(!token);
    CHECK(token.status().category() == ErrorCategory::network);
  }
}

TEST_CASE("a client with a secret authenticates on every request") {
  Services s;
  s.http_.reply(200, kDevice);
  s.http_.reply(200, kToken);
  FlowRequest r = request_for(s);
  r.client_auth = entratool::sdk::ClientAuthMethod::secret;
  s.acquisition_.client_secret = "s3cret";
  s.bind(r);
  REQUIRE(DeviceCodeFlow().acquire(r, s));
  for (const auto& req : s.http_.requests) {
    bool basic = false;
    for (const auto& [k, v] : req.headers) basic = basic || (k == "Authorization" && v.rfind("Basic ", 0) == 0);
    CHECK(basic);
    CHECK(form_value(req, "client_secret").empty());
  }
}

// Found by tests/fuzz/fuzz_device_code.cpp: an expires_in or interval near INT64_MAX overflowed
// the deadline arithmetic (seconds -> steady_clock nanoseconds, undefined behaviour).
TEST_CASE("huge expires_in and interval from the provider are capped, not overflowed") {
  auto d = entratool::flows::parse_device_authorization(
      R"({"device_code":"d","user_code":"U","verification_uri":"https://v","expires_in":9223372036854775807,"interval":9000000000000000000})");
  REQUIRE(d);
  CHECK(d->expires_in == entratool::flows::kMaxExpiresIn);
  CHECK(d->interval == entratool::flows::kMaxInterval);

  Services s;
  s.http_.reply(
      200,
      R"({"device_code":"d","user_code":"U","verification_uri":"https://v","expires_in":9223372036854775807,"interval":9223372036854775807})");
  s.http_.reply(200, kToken);
  FlowRequest r = request_for(s);
  r.deadline = s.clock_.mono + std::chrono::hours(1);
  auto token = DeviceCodeFlow().acquire(r, s);
  REQUIRE(token);
  CHECK(s.clock_.slept == std::chrono::seconds(entratool::flows::kMaxInterval));
}
