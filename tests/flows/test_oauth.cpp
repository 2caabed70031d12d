// The host's token endpoint service (host/services/token_endpoint.h): retries, deadlines, response
// parsing, error messages and codes, with a scripted HTTP client.
#include <doctest/doctest.h>

#include "services/token_endpoint.h"
#include "support/fakes.h"

namespace sdk = entratool::sdk;
namespace oauth = entratool::host;
using namespace std::chrono_literals;

namespace {

sdk::FlowRequest flow_request(fakes::Services& s, std::chrono::milliseconds budget = 60s) {
  sdk::FlowRequest r;
  r.client_id = "app";
  r.token_endpoint = "https://login.example.test/contoso/oauth2/v2.0/token";
  r.scopes = {"https://graph.microsoft.com/.default"};
  r.ca_bundle = "/tmp/ca.pem";
  r.deadline = s.clock_.mono + budget;
  return r;
}

const char* kOk = R"({"token_type":"Bearer","expires_in":3599,"ext_expires_in":3599,"access_token":"eyJ0.abc.def"})";

}  // namespace

TEST_CASE("a 500 then success is retried after a backoff and the request is the same") {
  fakes::Services s;
  s.http_.reply(500, R"({"error":"server_error"})");
  s.http_.reply(200, kOk);
  auto r = s.token_endpoint().request_token(flow_request(s), {{"grant_type", "client_credentials"}},
                                            {{"Authorization", "Basic x"}});
  REQUIRE(r.is_ok());
  CHECK(r->access_token == "eyJ0.abc.def");
  REQUIRE(s.http_.requests.size() == 2);
  CHECK(s.clock_.sleeps == std::vector<std::chrono::milliseconds>{500ms});
  const auto& req = s.http_.requests[1];
  CHECK(req.method == "POST");
  CHECK(req.url == "https://login.example.test/contoso/oauth2/v2.0/token");
  CHECK(req.ca_bundle == "/tmp/ca.pem");
  CHECK(req.form == sdk::Form{{"grant_type", "client_credentials"}});
  CHECK(fakes::header(req, "authorization") == "Basic x");
}

TEST_CASE("Retry-After in seconds is honoured instead of the backoff") {
  fakes::Services s;
  s.http_.reply(429, "", {{"Retry-After", "3"}});
  s.http_.reply(503, "", {{"retry-after", "1"}});
  s.http_.reply(200, kOk);
  auto r = s.token_endpoint().request_token(flow_request(s), {}, {});
  REQUIRE(r.is_ok());
  CHECK(s.clock_.sleeps == std::vector<std::chrono::milliseconds>{3000ms, 1000ms});
}

TEST_CASE("Retry-After as an HTTP date") {
  auto now = std::chrono::system_clock::time_point(std::chrono::seconds(784111777));  // Sun, 06 Nov 1994 08:49:37 GMT
  auto wait = oauth::parse_retry_after("Sun, 06 Nov 1994 08:49:47 GMT", now);
  REQUIRE(wait.has_value());
  CHECK(*wait == 10000ms);
  CHECK(oauth::parse_retry_after("Sun, 06 Nov 1994 08:49:00 GMT", now) == 0ms);
  CHECK_FALSE(oauth::parse_retry_after("soon", now).has_value());
  CHECK(oauth::parse_retry_after(" 7 ", now) == 7000ms);
}

TEST_CASE("a Retry-After beyond the deadline is a timeout, without sleeping into it") {
  fakes::Services s;
  s.http_.reply(429, "", {{"Retry-After", "120"}});
  auto r = s.token_endpoint().request_token(flow_request(s, 30s), {}, {});
  REQUIRE_FALSE(r.is_ok());
  CHECK(r.status().category() == sdk::ErrorCategory::timeout);
  CHECK(r.status().message().find("retry after 120 s") != std::string::npos);
  CHECK(s.clock_.sleeps.empty());
}

TEST_CASE("retries stop after max_attempts and report the provider as unavailable (exit 4)") {
  fakes::Services s;
  for (int i = 0; i < 4; ++i) s.http_.reply(503, "<html>busy</html>");
  auto r = s.token_endpoint().request_token(flow_request(s), {}, {});
  REQUIRE_FALSE(r.is_ok());
  CHECK(s.http_.requests.size() == 4);
  CHECK(r.status().category() == sdk::ErrorCategory::network);
  CHECK(r.status().message().find("HTTP 503") != std::string::npos);
  CHECK(s.clock_.sleeps == std::vector<std::chrono::milliseconds>{500ms, 1000ms, 2000ms});
}

TEST_CASE("each attempt gets the time left as its timeout, and a passed deadline is exit 5") {
  fakes::Services s;
  s.http_.reply(500, "");
  s.http_.reply(500, "");
  s.http_.reply(500, "");
  auto r = s.token_endpoint().request_token(flow_request(s, 2s), {}, {});
  REQUIRE_FALSE(r.is_ok());
  CHECK(r.status().category() == sdk::ErrorCategory::timeout);
  REQUIRE(s.http_.requests.size() == 3);
  CHECK(s.http_.requests[0].timeout == 2000ms);
  CHECK(s.http_.requests[1].timeout == 1500ms);
  CHECK(s.http_.requests[2].timeout == 500ms);
}

TEST_CASE("a transport timeout is a timeout; a refused connection is a network error, not retried") {
  fakes::Services s;
  s.http_.fail(sdk::Status::timeout("no answer"));
  auto r = s.token_endpoint().request_token(flow_request(s), {}, {});
  CHECK(r.status().category() == sdk::ErrorCategory::timeout);
  fakes::Services s2;
  s2.http_.fail(sdk::Status::network("cannot connect to 127.0.0.1:1: connection refused"));
  auto r2 = s2.token_endpoint().request_token(flow_request(s2), {}, {});
  CHECK(r2.status().category() == sdk::ErrorCategory::network);
  CHECK(r2.status().message() == "cannot connect to 127.0.0.1:1: connection refused");
  CHECK(s2.http_.requests.size() == 1);
}

TEST_CASE("a deadline already passed sends nothing") {
  fakes::Services s;
  auto r = s.token_endpoint().request_token(flow_request(s, 0ms), {}, {});
  CHECK(r.status().category() == sdk::ErrorCategory::timeout);
  CHECK(s.http_.requests.empty());
}

TEST_CASE("parse_token_response: numbers, strings, scopes and extras") {
  auto now = std::chrono::system_clock::time_point(std::chrono::seconds(1000));
  auto r = oauth::parse_token_response(
      R"({"token_type":"Bearer","scope":"a b","expires_in":"3600","ext_expires_in":3600,"access_token":"t","refresh_token":"r","id_token":"i","refresh_in":1800})",
      {"x"}, now);
  REQUIRE(r.is_ok());
  CHECK(r->expires_at == now + 3600s);
  CHECK(r->scopes == std::vector<std::string>{"a", "b"});
  CHECK(r->refresh_token == "r");
  CHECK(r->id_token == "i");
  REQUIRE(r->extra.size() == 2);
  CHECK(r->extra[0] == std::make_pair(std::string("ext_expires_in"), std::string("3600")));
  CHECK(r->extra[1] == std::make_pair(std::string("refresh_in"), std::string("1800")));

  auto n = oauth::parse_token_response(R"({"access_token":"t","expires_in":59.5})", {"s1", "s2"}, now);
  REQUIRE(n.is_ok());
  CHECK(n->expires_at == now + 59s);
  CHECK(n->token_type == "Bearer");
  CHECK(n->scopes == std::vector<std::string>{"s1", "s2"});
}

TEST_CASE("parse_token_response: without expires_in the JWT's exp is used") {
  // {"alg":"none"}.{"exp":2000}
  auto r = oauth::parse_token_response(R"({"access_token":"eyJhbGciOiJub25lIn0.eyJleHAiOjIwMDB9.x"})", {},
                                       std::chrono::system_clock::time_point(std::chrono::seconds(1000)));
  REQUIRE(r.is_ok());
  CHECK(r->expires_at == std::chrono::system_clock::time_point(std::chrono::seconds(2000)));
}

TEST_CASE("unusable responses are network errors that say why and never echo the body") {
  auto now = std::chrono::system_clock::now();
  struct Case {
    const char* body;
    const char* says;
  };
  for (Case c :
       {Case{"this is { not JSON ]", "not JSON"}, Case{"<!DOCTYPE html><html><body>Sign in</body></html>", "HTML page"},
        Case{R"({"token_type":"Bearer","expires_in":3599,"access_tok)", "truncated"},
        Case{R"({"token_type":"Bearer","expires_in":3599})", "no access_token"},
        Case{R"({"access_token":"secret-token-value","expires_in":"soon"})", "expires_in"},
        Case{R"({"access_token":"secret-token-value","expires_in":-5})", "expires_in"}, Case{"", "empty"},
        Case{"[1,2]", "not an object"}}) {
    CAPTURE(c.body);
    auto r = oauth::parse_token_response(c.body, {}, now);
    REQUIRE_FALSE(r.is_ok());
    CHECK(r.status().category() == sdk::ErrorCategory::network);
    CHECK(r.status().message().rfind("the token endpoint returned an unusable response: ", 0) == 0);
    CHECK(r.status().message().find(c.says) != std::string::npos);
    CHECK(r.status().message().find("secret-token-value") == std::string::npos);
  }
}

TEST_CASE("AADSTS errors become exit 3 with the code and a hint") {
  struct Case {
    int status;
    const char* body;
    const char* starts;
    const char* hint;
  };
  for (
      Case c : {
          Case{
              401,
              R"({"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided. Ensure the secret...\r\nTrace ID: 1\r\nCorrelation ID: 2"})",
              "invalid_client: AADSTS7000215: Invalid client secret provided.",
              "check the client secret (expired or wrong?)"},
          Case{
              400,
              R"({"error":"invalid_scope","error_description":"AADSTS70011: The provided value for the input parameter 'scope' is not valid."})",
              "invalid_scope: AADSTS70011", "/.default"},
          Case{400, R"({"error":"invalid_request","error_description":"AADSTS90002: Tenant 'x' not found."})",
               "invalid_request: AADSTS90002", "check the tenant"},
          Case{
              400,
              R"({"error":"invalid_grant","error_description":"AADSTS65001: The user or administrator has not consented."})",
              "invalid_grant: AADSTS65001", "consent is missing"},
          Case{
              400,
              R"({"error":"unauthorized_client","error_description":"AADSTS700016: Application with identifier 'a' was not found."})",
              "unauthorized_client: AADSTS700016", "check the client ID"},
          Case{400, R"({"error":"invalid_grant","error_description":"refresh token revoked"})",
               "invalid_grant: refresh token revoked", "sign in again"},
      }) {
    CAPTURE(c.body);
    sdk::HttpResponse resp;
    resp.status = c.status;
    resp.body = c.body;
    auto st = oauth::error_status(resp);
    CHECK(st.category() == sdk::ErrorCategory::auth_failed);
    CHECK(st.message().rfind(c.starts, 0) == 0);
    CHECK(st.message().find(std::string("Hint: ")) != std::string::npos);
    CHECK(st.message().find(c.hint) != std::string::npos);
    CHECK(st.message().find('\n') == std::string::npos);
    CHECK(st.message().find("Trace ID") == std::string::npos);
  }
}

TEST_CASE("error responses that are not OAuth errors are network errors") {
  sdk::HttpResponse resp;
  resp.status = 403;
  resp.body = "<html>proxy says no</html>";
  auto st = oauth::error_status(resp);
  CHECK(st.category() == sdk::ErrorCategory::network);
  CHECK(st.message().find("HTTP 403 with an HTML page") != std::string::npos);
  resp.status = 502;
  resp.body = R"({"error":"bad_gateway"})";
  CHECK(oauth::error_status(resp).category() == sdk::ErrorCategory::network);
}

TEST_CASE("parse_error extracts the AADSTS code") {
  auto e =
      oauth::parse_error(R"({"error":"invalid_client","error_description":"AADSTS700027: Client assertion failed"})");
  REQUIRE(e.has_value());
  CHECK(e->aadsts == "AADSTS700027");
  CHECK(oauth::hint_for(*e).find("certificate") != std::string::npos);
  CHECK_FALSE(oauth::parse_error("not json").has_value());
  CHECK_FALSE(oauth::parse_error(R"({"access_token":"x"})").has_value());
}

TEST_CASE("refusals carry the OAuth error as code(); unusable answers carry none") {
  sdk::HttpResponse resp;
  resp.status = 400;
  resp.body = R"({"error":"authorization_pending","error_description":"AADSTS70016: pending"})";
  auto st = oauth::error_status(resp);
  CHECK(st.category() == sdk::ErrorCategory::auth_failed);
  CHECK(st.code() == "authorization_pending");
  CHECK(st.message().rfind("authorization_pending: AADSTS70016: pending", 0) == 0);
  resp.body = R"({"error":"invalid_grant"})";
  CHECK(oauth::error_status(resp).code() == sdk::codes::kInvalidGrant);
  resp.status = 403;
  resp.body = "<html>proxy says no</html>";
  CHECK(oauth::error_status(resp).code().empty());
}

TEST_CASE("HTTP 404 is not_found whatever the body, so an issuer profile can re-read its discovery document") {
  sdk::HttpResponse resp;
  resp.status = 404;
  for (const char* body :
       {"<html>not found</html>", R"({"error":"invalid_request","error_description":"unrecognized route"})"}) {
    resp.body = body;
    auto entra = oauth::error_status(resp);
    CHECK(entra.category() == sdk::ErrorCategory::network);
    CHECK(entra.code() == sdk::codes::kNotFound);
    CHECK(entra.message().find("tenant") != std::string::npos);
    auto openid = oauth::error_status(resp, false);
    CHECK(openid.code() == sdk::codes::kNotFound);
    CHECK(openid.message().find("tenant") == std::string::npos);
    CHECK(openid.message().find("issuer") != std::string::npos);
  }
  CHECK(oauth::error_status(resp).message().find(": invalid_request: unrecognized route") != std::string::npos);
}

TEST_CASE("an issuer profile's refusals carry no Entra advice") {
  sdk::HttpResponse resp;
  resp.status = 401;
  resp.body = R"({"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided."})";
  CHECK(oauth::error_status(resp).message().find("secret's value, not its ID") != std::string::npos);
  auto openid = oauth::error_status(resp, false);
  CHECK(openid.category() == sdk::ErrorCategory::auth_failed);
  CHECK(openid.message().find("not its ID") == std::string::npos);
  CHECK(openid.message().find("Hint: check the client ID and its secret or certificate") != std::string::npos);
}

TEST_CASE("post() returns the 2xx body of any URL, or the mapped refusal") {
  fakes::Services s;
  s.http_.reply(200, R"({"device_code":"d"})");
  s.http_.reply(400, R"({"error":"slow_down"})");
  auto r = flow_request(s);
  auto body = s.token_endpoint().post(r, "https://login.example.test/contoso/oauth2/v2.0/devicecode", {{"scope", "a"}},
                                      {{"X-Test", "1"}});
  REQUIRE_MESSAGE(body.is_ok(), body.status().message());
  CHECK(*body == R"({"device_code":"d"})");
  const auto& req = s.http_.requests.at(0);
  CHECK(req.url == "https://login.example.test/contoso/oauth2/v2.0/devicecode");
  CHECK(req.ca_bundle == "/tmp/ca.pem");
  CHECK(fakes::header(req, "accept") == "application/json");
  CHECK(fakes::header(req, "x-test") == "1");
  auto refused = s.token_endpoint().post(r, "", {}, {});
  REQUIRE_FALSE(refused.is_ok());
  CHECK(refused.status().code() == "slow_down");
  CHECK(s.http_.requests.at(1).url == r.token_endpoint);
}

TEST_CASE("the http module is not touched until a request is sent") {
  struct Counting : fakes::Services {
    int http_calls = 0;
    sdk::HttpClient& http() override {
      ++http_calls;
      return http_;
    }
  } s;
  auto& endpoint = s.token_endpoint();
  (void)endpoint;
  CHECK(s.http_calls == 0);
  s.http_.reply(200, R"({"access_token":"t"})");
  CHECK(s.token_endpoint().request_token(flow_request(s), {}, {}).is_ok());
  CHECK(s.http_calls == 1);
}

// Issue 14 item 9: time arithmetic saturates; a token expired on arrival is an error.
TEST_CASE("retry_after_in_year_9999_saturates_instead_of_wrapping_to_zero") {
  auto now = std::chrono::system_clock::time_point(std::chrono::seconds(1700000000));
  auto wait = oauth::parse_retry_after("Fri, 31 Dec 9999 23:59:59 GMT", now);
  REQUIRE(wait.has_value());
  CHECK(*wait == std::chrono::milliseconds(std::chrono::hours(24)));
  CHECK(oauth::parse_retry_after("99999999999999999999", now) == std::chrono::milliseconds(std::chrono::hours(24)));
}

TEST_CASE("a_retry_after_in_year_9999_is_a_timeout_not_a_burst_of_requests") {
  fakes::Services s;
  s.http_.reply(503, "", {{"Retry-After", "Fri, 31 Dec 9999 23:59:59 GMT"}});
  s.http_.reply(200, kOk);
  auto r = s.token_endpoint().request_token(flow_request(s, 30s), {}, {});
  REQUIRE_FALSE(r.is_ok());
  CHECK(r.status().category() == sdk::ErrorCategory::timeout);
  CHECK(s.clock_.sleeps.empty());
}

TEST_CASE("jwt_exp_beyond_2262_or_int64_max_saturates_to_a_bounded_lifetime") {
  auto now = std::chrono::system_clock::time_point(std::chrono::seconds(1700000000));
  // {"alg":"none"}.{"exp":99999999999} and {"exp":9223372036854775807}
  for (const char* token : {"eyJhbGciOiJub25lIn0.eyJleHAiOjk5OTk5OTk5OTk5fQ.x",
                            "eyJhbGciOiJub25lIn0.eyJleHAiOjkyMjMzNzIwMzY4NTQ3NzU4MDd9.x"}) {
    CAPTURE(token);
    auto r = oauth::parse_token_response(std::string(R"({"access_token":")") + token + "\"}", {}, now);
    REQUIRE(r.is_ok());
    CHECK(r->expires_at > now);
    CHECK(r->expires_at <= now + std::chrono::hours(24 * 366));
  }
  auto big = oauth::parse_token_response(R"({"access_token":"t","expires_in":999999999})", {}, now);
  REQUIRE(big.is_ok());
  CHECK(big->expires_at == now + std::chrono::hours(24 * 366));
}

TEST_CASE("a_token_already_expired_on_arrival_is_an_error") {
  auto now = std::chrono::system_clock::time_point(std::chrono::seconds(1700000000));
  auto zero = oauth::parse_token_response(R"({"access_token":"t","expires_in":0})", {}, now);
  REQUIRE_FALSE(zero.is_ok());
  CHECK(zero.status().category() == sdk::ErrorCategory::network);
  // {"alg":"none"}.{"exp":2000}: long past
  auto past = oauth::parse_token_response(R"({"access_token":"eyJhbGciOiJub25lIn0.eyJleHAiOjIwMDB9.x"})", {}, now);
  REQUIRE_FALSE(past.is_ok());
  CHECK(past.status().message().find("expired") != std::string::npos);
}

// Issue 14 item 6: a token field with a control character is refused (exit 4), never printed.
TEST_CASE("control_characters_in_token_fields_are_refused") {
  auto now = std::chrono::system_clock::time_point(std::chrono::seconds(1000));
  for (const char* body :
       {R"({"access_token":"abc\ndef","expires_in":60})", R"({"access_token":"abc\rdef","expires_in":60})",
        R"({"access_token":"abc\u001b[31m","expires_in":60})", R"({"access_token":"a\u0007","expires_in":60})",
        R"({"access_token":"a\u0000b","expires_in":60})", R"({"access_token":"caf\u00e9","expires_in":60})",
        R"({"access_token":"t","refresh_token":"r\n","expires_in":60})",
        R"({"access_token":"t","token_type":"Bearer\u001b","expires_in":60})",
        R"({"access_token":"t","scope":"a\nb","expires_in":60})"}) {
    CAPTURE(body);
    auto r = oauth::parse_token_response(body, {}, now);
    REQUIRE_FALSE(r.is_ok());
    CHECK(r.status().category() == sdk::ErrorCategory::network);
    CHECK(r.status().message().find("control or non-ASCII") != std::string::npos);
  }
}

// Issue 14 item 10: duplicate member names are refused in provider responses.
TEST_CASE("duplicate_member_names_in_a_token_response_are_refused") {
  auto now = std::chrono::system_clock::time_point(std::chrono::seconds(1000));
  auto r = oauth::parse_token_response(R"({"access_token":"a","access_token":"b","expires_in":60})", {}, now);
  REQUIRE_FALSE(r.is_ok());
  CHECK(r.status().message().find("duplicate") != std::string::npos);
  CHECK_FALSE(oauth::parse_error(R"({"error":"invalid_client","error":"x"})").has_value());
}

// Found by fuzz.token_response: an "error" that is only a line break left an empty code.
TEST_CASE("an_error_code_that_is_empty_after_its_first_line_is_no_oauth_error") {
  CHECK_FALSE(oauth::parse_error(R"({"error":"\r\nTrace ID: x"})").has_value());
  CHECK(oauth::parse_error(R"({"error":"invalid_client\r\nTrace ID: x"})")->error == "invalid_client");
}
