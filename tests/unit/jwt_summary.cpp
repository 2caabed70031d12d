// Guards the `discover` summary and verdict: the 003 layout, expiry arithmetic at a fixed "now",
// odd time claims, and claim text that must not reach a terminal raw.
#include <doctest/doctest.h>

#include <chrono>
#include <string>

#include "core/jwt.h"
#include "entratool/support/json.h"

using entratool::support::json::parse;
using entratool::support::json::Value;
namespace jwt = entratool::host::jwt;

namespace {

// 2024-12-01 10:45:00 UTC, 45 minutes into the 003 example token's hour.
const auto kNow = std::chrono::system_clock::time_point(std::chrono::seconds(1733049900));

Value claims(const std::string& text) {
  auto v = parse(text);
  REQUIRE(v);
  return *v;
}

jwt::Summary summary_of(const std::string& payload, std::chrono::system_clock::time_point now = kNow) {
  auto s = jwt::summarize(claims(payload), now);
  REQUIRE(s);
  return *s;
}

}  // namespace

TEST_CASE("an Entra v1 delegated token gives the 003 summary and is usable") {
  auto s = summary_of(
      R"({"aud":"https://graph.microsoft.com","iss":"https://sts.windows.net/87654321-4321-4321-4321-cba987654321/",)"
      R"("iat":1733047200,"nbf":1733047200,"exp":1733050800,"appid":"12345678-1234-1234-1234-123456789abc",)"
      R"("name":"John Doe","oid":"87654321-4321-4321-4321-cba987654321","scp":"User.Read Mail.Read","roles":[],)"
      R"("tid":"87654321-4321-4321-4321-cba987654321","unique_name":"john@contoso.com","upn":"john@contoso.com","ver":"1.0"})");
  CHECK(s.verdict.is_ok());
  CHECK(s.text ==
        "Token Information:\n"
        "  Audience: https://graph.microsoft.com\n"
        "  Issuer: https://sts.windows.net/87654321-4321-4321-4321-cba987654321/\n"
        "  Issued: 2024-12-01 10:00:00 UTC\n"
        "  Not before: 2024-12-01 10:00:00 UTC\n"
        "  Expires: 2024-12-01 11:00:00 UTC\n"
        "  Time remaining: 15 minutes\n"
        "  Scopes: User.Read Mail.Read\n"
        "  Application ID: 12345678-1234-1234-1234-123456789abc\n"
        "  Tenant ID: 87654321-4321-4321-4321-cba987654321\n"
        "  User: john@contoso.com\n"
        "  Name: John Doe\n"
        "  Object ID: 87654321-4321-4321-4321-cba987654321\n");
}

TEST_CASE("an Entra v2 app-only token shows roles and azp") {
  auto s = summary_of(
      R"({"aud":"api://my-api","iat":1733047200,"exp":1733058000,"azp":"11111111-2222-3333-4444-555555555555",)"
      R"("roles":["Data.Read","Data.Write"],"tid":"t","ver":"2.0"})");
  CHECK(s.verdict.is_ok());
  CHECK(s.text.find("  Roles: Data.Read Data.Write\n") != std::string::npos);
  CHECK(s.text.find("  Application ID: 11111111-2222-3333-4444-555555555555\n") != std::string::npos);
  CHECK(s.text.find("  Time remaining: 2 hours 15 minutes\n") != std::string::npos);
  CHECK(s.text.find("Scopes") == std::string::npos);
  CHECK(s.text.find("User") == std::string::npos);
}

TEST_CASE("an expired token says how long ago, and the verdict fails") {
  auto s = summary_of(R"({"aud":"a","exp":1733049180})");  // 12 minutes before kNow
  CHECK(s.text.find("  Time remaining: none, expired 12 minutes ago\n") != std::string::npos);
  REQUIRE_FALSE(s.verdict.is_ok());
  CHECK(s.verdict.exit_code() == 1);
  CHECK(s.verdict.message() == "the token expired 12 minutes ago (at 2024-12-01 10:33:00 UTC)");
}

TEST_CASE("a token is expired at the second of its exp, usable one second before") {
  CHECK_FALSE(summary_of(R"({"exp":1733049900})").verdict.is_ok());
  auto s = summary_of(R"({"exp":1733049901})");
  CHECK(s.verdict.is_ok());
  CHECK(s.text.find("Time remaining: 1 second\n") != std::string::npos);
}

TEST_CASE("a token whose nbf is in the future is not valid yet") {
  auto s = summary_of(R"({"nbf":1733050200,"exp":1733053800})");  // nbf 5 minutes after kNow
  CHECK(s.text.find("  Not before: 2024-12-01 10:50:00 UTC (in 5 minutes)\n") != std::string::npos);
  REQUIRE_FALSE(s.verdict.is_ok());
  CHECK(s.verdict.message() == "the token is not valid yet: its nbf is 2024-12-01 10:50:00 UTC, in 5 minutes");
}

TEST_CASE("a token without exp never expires and is usable") {
  auto s = summary_of(R"({"sub":"x"})");
  CHECK(s.verdict.is_ok());
  CHECK(s.text == "Token Information:\n  Expires: never (the token has no exp claim)\n");
}

TEST_CASE("a time claim that is not a number is malformed") {
  for (const char* claim : {"exp", "nbf", "iat"}) {
    auto s = jwt::summarize(claims(std::string(R"({")") + claim + R"(":"1733050800"})"), kNow);
    REQUIRE_FALSE(s);
    CHECK(s.status().message() ==
          std::string("the ") + claim + " claim is not a NumericDate (a number of seconds since 1970)");
  }
  CHECK_FALSE(jwt::summarize(claims(R"({"exp":null})"), kNow));
}

TEST_CASE("huge, infinite, negative and fractional NumericDates are shown without overflow") {
  auto far = summary_of(R"({"exp":1e300})");
  CHECK(far.verdict.is_ok());
  CHECK(far.text.find("  Expires: 1e300 (outside the years 1 to 9999)\n") != std::string::npos);
  CHECK(far.text.find("  Time remaining: more than 1000 years\n") != std::string::npos);
  auto big_int = summary_of(R"({"exp":99999999999999999999999})");
  CHECK(big_int.verdict.is_ok());
  auto inf = summary_of(R"({"exp":1e999})");
  CHECK(inf.verdict.is_ok());
  auto past = summary_of(R"({"exp":-1e300})");
  CHECK_FALSE(past.verdict.is_ok());
  CHECK(past.verdict.message() ==
        "the token expired more than 1000 years ago (at -1e300 (outside the years 1 to 9999))");
  auto fraction = summary_of(R"({"exp":1733050800.75})");
  CHECK(fraction.text.find("  Expires: 2024-12-01 11:00:00 UTC\n") != std::string::npos);
  // Rounded down, not towards zero: half a second before 1970 is 1969-12-31 23:59:59.
  auto before_1970 = summary_of(R"({"exp":-0.5})");
  CHECK(before_1970.text.find("  Expires: 1969-12-31 23:59:59 UTC\n") != std::string::npos);
  auto year_3000 = summary_of(R"({"exp":32503680000})");
  CHECK(year_3000.text.find("  Expires: 3000-01-01 00:00:00 UTC\n") != std::string::npos);
  CHECK(year_3000.text.find("  Time remaining: 975 years") != std::string::npos);
}

TEST_CASE("claim values with control characters are escaped, not printed raw") {
  auto s = summary_of(
      "{\"aud\":\"evil\\u001b[2Jx\",\"upn\":\"a\xc2\x9b"
      "b\",\"scp\":\"x\\ny\"}");
  CHECK(s.text.find('\x1b') == std::string::npos);
  CHECK(s.text.find("\xc2\x9b") == std::string::npos);
  CHECK(s.text.find("  Audience: evil\\u001b[2Jx\n") != std::string::npos);
  CHECK(s.text.find("  User: a\\u009bb\n") != std::string::npos);
  CHECK(s.text.find("  Scopes: x\\u000ay\n") != std::string::npos);
}

TEST_CASE("an audience list is joined; empty claims and odd types are handled") {
  auto s =
      summary_of(R"({"aud":["api://a","api://b"],"tid":42,"scp":"","roles":[],"upn":"","preferred_username":"p@x"})");
  CHECK(s.text.find("  Audience: api://a, api://b\n") != std::string::npos);
  CHECK(s.text.find("  Tenant ID: 42\n") != std::string::npos);
  CHECK(s.text.find("  User: p@x\n") != std::string::npos);
  CHECK(s.text.find("Scopes") == std::string::npos);
  CHECK(s.text.find("Roles") == std::string::npos);
}

TEST_CASE("durations read the way people say them") {
  CHECK(jwt::describe_duration(-5) == "0 seconds");
  CHECK(jwt::describe_duration(1) == "1 second");
  CHECK(jwt::describe_duration(59) == "59 seconds");
  CHECK(jwt::describe_duration(60) == "1 minute");
  CHECK(jwt::describe_duration(2700) == "45 minutes");
  CHECK(jwt::describe_duration(3600) == "1 hour");
  CHECK(jwt::describe_duration(7500) == "2 hours 5 minutes");
  CHECK(jwt::describe_duration(86400 * 3 + 3600) == "3 days 1 hour");
  CHECK(jwt::describe_duration(365LL * 86400 * 15 + 86400LL * 243) == "15 years 243 days");
  CHECK(jwt::describe_duration(365LL * 86400 * 1000) == "more than 1000 years");
}

TEST_CASE("NumericDates print as UTC calendar times across the supported range") {
  CHECK(jwt::format_numeric_date(0) == "1970-01-01 00:00:00 UTC");
  CHECK(jwt::format_numeric_date(1733047200) == "2024-12-01 10:00:00 UTC");
  CHECK(jwt::format_numeric_date(253402300799) == "9999-12-31 23:59:59 UTC");
  CHECK(jwt::format_numeric_date(-62135596800) == "0001-01-01 00:00:00 UTC");
}
