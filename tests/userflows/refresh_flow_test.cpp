// The refresh flow: what it sends, rotation, and a refused refresh token.
#include <doctest/doctest.h>

#include "refresh_flow.h"
#include "support/fakes.h"

using entratool::flows::RefreshFlow;
using entratool::sdk::ErrorCategory;
using entratool::sdk::FlowRequest;
using fakes::form_value;
using fakes::Services;

namespace {

FlowRequest request_for(Services& s) {
  FlowRequest r;
  r.client_id = "public-app";
  r.scopes = {"https://graph.microsoft.com/.default"};
  r.token_endpoint = "https://login.example/t/oauth2/v2.0/token";
  r.refresh_token = "old-rt";
  r.deadline = s.clock_.mono + std::chrono::seconds(60);
  return r;
}

}  // namespace

TEST_CASE("sends the refresh_token grant with the scopes and offline_access") {
  Services s;
  s.http_.reply(200, R"({"access_token":"new-at","expires_in":3600,"refresh_token":"new-rt"})");
  auto token = RefreshFlow().acquire(request_for(s), s);
  REQUIRE(token);
  CHECK(token->access_token == "new-at");
  CHECK(token->refresh_token == "new-rt");
  REQUIRE(s.http_.requests.size() == 1);
  const auto& r = s.http_.requests[0];
  CHECK(form_value(r, "grant_type") == "refresh_token");
  CHECK(form_value(r, "refresh_token") == "old-rt");
  CHECK(form_value(r, "client_id") == "public-app");
  CHECK(form_value(r, "scope") == "https://graph.microsoft.com/.default openid profile offline_access");
}

TEST_CASE("without a rotated refresh token the old one stays in the result") {
  Services s;
  s.http_.reply(200, R"({"access_token":"new-at","expires_in":3600})");
  auto token = RefreshFlow().acquire(request_for(s), s);
  REQUIRE(token);
  CHECK(token->refresh_token == "old-rt");
}

TEST_CASE("a refused refresh token is auth_failed starting with invalid_grant, without the token in it") {
  Services s;
  s.http_.reply(400, R"({"error":"invalid_grant","error_description":"AADSTS70000: revoked"})");
  auto token = RefreshFlow().acquire(request_for(s), s);
  REQUIRE(!token);
  CHECK(token.status().category() == ErrorCategory::auth_failed);
  CHECK(token.status().code() == "invalid_grant");
  CHECK(token.status().message().rfind("invalid_grant", 0) == 0);
  CHECK(token.status().message().find("old-rt") == std::string::npos);
}

TEST_CASE("no refresh token: nothing is sent") {
  Services s;
  FlowRequest r = request_for(s);
  r.refresh_token.clear();
  auto token = RefreshFlow().acquire(r, s);
  REQUIRE(!token);
  CHECK(token.status().category() == ErrorCategory::auth_failed);
  CHECK(s.http_.requests.empty());
}

TEST_CASE("a confidential client redeems with its certificate or secret from the acquisition") {
  Services s;
  s.http_.reply(200, R"({"access_token":"new-at","expires_in":3600})");
  FlowRequest r = request_for(s);
  r.client_auth = entratool::sdk::ClientAuthMethod::secret;
  r.settings["client_auth"] = "body";
  s.acquisition_.client_secret = "the-secret";
  s.bind(r);
  REQUIRE(RefreshFlow().acquire(r, s));
  CHECK(form_value(s.http_.requests.at(0), "client_secret") == "the-secret");
}
