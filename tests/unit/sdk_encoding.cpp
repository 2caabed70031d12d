// Guards the SDK's encodings: base64 variants, form encoding (RFC 6749 §2.3.1), times, durations.
#include <doctest/doctest.h>

#include "entratool/support/encoding.h"

using namespace entratool::support;

TEST_CASE("base64url without padding and standard base64 both decode") {
  CHECK(base64url_encode("\xfb\xff") == "-_8");
  CHECK(base64_encode("\xfb\xff") == "+/8=");
  CHECK(base64_decode("-_8").value() == "\xfb\xff");
  CHECK(base64_decode("+/8=").value() == "\xfb\xff");
  CHECK_FALSE(base64_decode("a").has_value());
  CHECK_FALSE(base64_decode("ab$d").has_value());
  CHECK_FALSE(base64_decode("=").has_value());
}

TEST_CASE("form encoding escapes what RFC 6749 Basic auth needs escaped") {
  CHECK(form_urlencode("a%b+c:d e") == "a%25b%2Bc%3Ad+e");
  CHECK(form_urldecode("a%25b%2Bc%3Ad+e").value() == "a%b+c:d e");
  CHECK_FALSE(form_urldecode("%4").has_value());
  CHECK_FALSE(form_urldecode("%zz").has_value());
}

TEST_CASE("UTC ISO 8601 round trip and durations") {
  auto t = parse_utc_iso8601("2026-11-21T05:00:00Z");
  REQUIRE(t);
  CHECK(format_utc_iso8601(*t) == "2026-11-21T05:00:00Z");
  CHECK_FALSE(parse_utc_iso8601("2026-11-21 05:00:00").has_value());
  CHECK(parse_duration("30s")->count() == 30000);
  CHECK(parse_duration("2m")->count() == 120000);
  CHECK(parse_duration("45")->count() == 45000);
  CHECK_FALSE(parse_duration("2x").has_value());
  CHECK_FALSE(parse_duration("").has_value());
}

TEST_CASE("durations: decimals and combined units (1.5s, 2m30s)") {
  CHECK(parse_duration("1.5s")->count() == 1500);
  CHECK(parse_duration("2m30s")->count() == 150000);
  CHECK(parse_duration("1h15m")->count() == 4500000);
  CHECK(parse_duration("1h0m2s500ms")->count() == 3602500);
  CHECK(parse_duration("0.25m")->count() == 15000);
  CHECK(parse_duration("2.5")->count() == 2500);
  CHECK(parse_duration("250ms")->count() == 250);
  CHECK_FALSE(parse_duration("30s2m").has_value());  // largest unit first
  CHECK_FALSE(parse_duration("1s1s").has_value());
  CHECK_FALSE(parse_duration("1.s").has_value());
  CHECK_FALSE(parse_duration(".s").has_value());
  CHECK_FALSE(parse_duration("2m30").has_value());  // a bare number only alone
  CHECK_FALSE(parse_duration("1m-2s").has_value());
  CHECK_FALSE(parse_duration("99999999999999h").has_value());
  CHECK(parse_duration("100000000s")->count() == 100000000000LL);
  CHECK_FALSE(parse_duration("100000001s").has_value());
}
