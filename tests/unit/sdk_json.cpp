// Guards the SDK's JSON reader/writer: strictness, order, exact numbers, UTF-8, depth limits.
#include <doctest/doctest.h>

#include "entratool/support/json.h"

using entratool::support::json::parse;
using entratool::support::json::serialize;

TEST_CASE("object member order and number text survive a round trip") {
  auto v = parse(R"({"z":1,"a":12345678901234567890,"m":[true,false,null],"f":1.5e3})");
  REQUIRE(v);
  CHECK(serialize(*v) == R"({"z":1,"a":12345678901234567890,"m":[true,false,null],"f":1.5e3})");
  CHECK(v->members().front().first == "z");
  CHECK_FALSE(v->find("a")->as_int().has_value());  // does not fit: kept as text, not mangled
  CHECK(v->find("z")->as_int().value() == 1);
}

TEST_CASE("escapes decode to UTF-8 and re-encode minimally") {
  auto v = parse(R"("caf\u00e9 \ud83d\ude00 \"q\" \\ \n")");
  REQUIRE(v);
  CHECK(v->text() == "caf\xc3\xa9 \xf0\x9f\x98\x80 \"q\" \\ \n");
  CHECK(serialize(*v) == "\"caf\xc3\xa9 \xf0\x9f\x98\x80 \\\"q\\\" \\\\ \\n\"");
}

TEST_CASE("malformed input is an error with an offset, never a crash") {
  for (const char* bad : {"", "{", "[1,]", "{\"a\"}", "01", "1.", "-", "\"\\x\"", "\"\\ud800\"", "tru", "[1] 2",
                          "\"\x80\"", "\"\xc0\xaf\"", "{\"a\":1,}", "\"a\nb\""}) {
    auto v = parse(bad);
    CHECK_FALSE(v);
    CHECK(v.status().message().find("invalid JSON") == 0);
  }
}

TEST_CASE("nesting beyond the limit is refused instead of overflowing the stack") {
  std::string deep(100000, '[');
  auto v = parse(deep);
  CHECK_FALSE(v);
  CHECK(v.status().message().find("nested deeper") != std::string::npos);
}

TEST_CASE("pretty printing indents and keeps empty containers compact") {
  auto v = parse(R"({"a":[],"b":{},"c":[1,{"d":"e"}]})");
  REQUIRE(v);
  CHECK(serialize(*v, 2) ==
        "{\n  \"a\": [],\n  \"b\": {},\n  \"c\": [\n    1,\n    {\n      \"d\": \"e\"\n    }\n  ]\n}");
}

TEST_CASE("is_valid_utf8 applies the parser's UTF-8 rule to any text") {
  using entratool::support::json::is_valid_utf8;
  CHECK(is_valid_utf8(""));
  CHECK(is_valid_utf8("plain ascii"));
  CHECK(is_valid_utf8("caf\xc3\xa9 \xf0\x9f\x98\x80"));
  CHECK_FALSE(is_valid_utf8("\x80"));              // stray continuation byte
  CHECK_FALSE(is_valid_utf8("\xc0\xaf"));          // overlong
  CHECK_FALSE(is_valid_utf8("\xed\xa0\x80"));      // surrogate
  CHECK_FALSE(is_valid_utf8("\xf4\x90\x80\x80"));  // past U+10FFFF
  CHECK_FALSE(is_valid_utf8("ok\xe2\x82"));        // truncated at the end
}

// Issue 14 item 10: RFC 8259 leaves duplicates open and readers disagree on which wins.
TEST_CASE("duplicate_member_names_are_refused_at_any_depth") {
  auto top = parse(R"({"exp":1,"exp":4102444800})");
  REQUIRE_FALSE(top);
  CHECK(top.status().message().find("duplicate member name \"exp\"") != std::string::npos);
  CHECK_FALSE(parse(R"({"a":{"b":1,"c":2,"b":3}})"));
  CHECK_FALSE(parse(R"([{"x":1},{"y":1,"y":1}])"));
  // Equal after unescaping is a duplicate too.
  CHECK_FALSE(parse(R"({"a":1,"\u0061":2})"));
  CHECK(parse(R"({"a":1,"b":{"a":2},"c":[{"a":3}]})"));
  entratool::support::json::ParseOptions lenient;
  lenient.allow_duplicate_keys = true;
  CHECK(parse(R"({"exp":1,"exp":2})", lenient));
}
