// Guards the JSON parser's fast paths (sdk/support/src/json.cpp): strings scanned eight bytes at
// a time with a byte-wise tail, indentation skipped eight spaces at a time, members and items
// collected on shared stacks, string members written in place, and duplicate names found with a
// small hash table up to 32 members and by sorting beyond. Each must give exactly what the
// byte-at-a-time reading gives: same values, same errors at the same offsets.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "entratool/support/json.h"

namespace json = entratool::support::json;

namespace {

std::string error_of(const std::string& text, json::ParseOptions options = {}) {
  auto v = json::parse(text, options);
  return v ? std::string("(parsed)") : v.status().message();
}

std::string at(size_t offset, const std::string& what) {
  return "invalid JSON at offset " + std::to_string(offset) + ": " + what;
}

// A special piece of a string literal and what it decodes to.
struct Piece {
  const char* literal;
  const char* decoded;
};
const Piece kPieces[] = {
    {"\\n", "\n"},
    {"\\\"", "\""},
    {"\\\\", "\\"},
    {"\\/", "/"},
    {"\\u00e9", "\xc3\xa9"},
    {"\\ud83d\\ude00", "\xf0\x9f\x98\x80"},
    {"\xc3\xa9", "\xc3\xa9"},
    {"\xe2\x82\xac", "\xe2\x82\xac"},
    {"\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80"},
};

}  // namespace

TEST_CASE("a special byte at any position of a string, near the end of the text or not, decodes the same") {
  for (const Piece& piece : kPieces) {
    for (size_t before = 0; before <= 20; ++before) {
      for (size_t after = 0; after <= 20; after += 5) {
        const std::string literal = std::string(before, 'a') + piece.literal + std::string(after, 'b');
        const std::string expected = std::string(before, 'a') + piece.decoded + std::string(after, 'b');
        // Alone (the text ends at the closing quote) and followed by more text than one word.
        for (const std::string& text : {"\"" + literal + "\"", "[\"" + literal + "\",        1]"}) {
          auto v = json::parse(text);
          REQUIRE_MESSAGE(v, text);
          const json::Value& s = v->is_array() ? v->items().front() : *v;
          CHECK(s.text() == expected);
        }
      }
    }
  }
}

TEST_CASE("printable strings of every length up to several words parse whole, as values and as names") {
  for (size_t n = 0; n <= 40; ++n) {
    std::string plain;
    for (size_t i = 0; i < n; ++i) plain += static_cast<char>('!' + (i * 7) % 90);
    std::string quoted = json::quote(plain);
    auto alone = json::parse(quoted);
    REQUIRE(alone);
    CHECK(alone->text() == plain);
    auto member = json::parse("{" + quoted + ":" + quoted + "}");
    REQUIRE(member);
    CHECK(member->members().front().first == plain);
    CHECK(member->members().front().second.text() == plain);
  }
}

TEST_CASE(
    "a control character, bad UTF-8 or the end of the text at any position of a string is refused at its offset") {
  for (size_t i = 0; i <= 24; ++i) {
    const std::string head = "\"" + std::string(i, 'x');
    CHECK(error_of(head + '\x01' + "yyyyyyyyyyyy\"") == at(1 + i, "control character in a string"));
    CHECK(error_of(head + '\x1f' + "\"") == at(1 + i, "control character in a string"));
    CHECK(error_of(head + "\xc0\xaf" + "yyyyyyyyyyyy\"") == at(1 + i, "invalid UTF-8 in a string"));
    CHECK(error_of(head + "\xed\xa0\x80" + "\"") == at(1 + i, "invalid UTF-8 in a string"));
    CHECK(error_of(head + "\xe2\x82") == at(1 + i, "invalid UTF-8 in a string"));  // cut short by the end
    CHECK(error_of(head + "\x80" + "yyyyyyyyy\"") == at(1 + i, "invalid UTF-8 in a string"));
    CHECK(error_of(head) == at(1 + i, "unterminated string"));
    CHECK(error_of(head + "\xc3\xa9") == at(3 + i, "unterminated string"));
    CHECK(error_of(head + "\\n") == at(3 + i, "unterminated string"));
  }
}

TEST_CASE("an escape cut off by the end of the text is refused where it stops") {
  CHECK(error_of("\"abc\\") == at(5, "unterminated escape"));
  CHECK(error_of("\"abcdefghijklmnop\\") == at(18, "unterminated escape"));
  CHECK(error_of("\"abc\\u12") == at(6, "incomplete \\u escape"));
  CHECK(error_of("\"abc\\ud83d") == at(10, "high surrogate without its pair"));
  CHECK(error_of("\"abc\\ud83d\\u") == at(12, "incomplete \\u escape"));
  CHECK(error_of("\"abc\\q\"") == at(6, "invalid escape"));
  CHECK(error_of("\"abcdefgh\\u00zz\"") == at(14, "invalid \\u escape"));
}

TEST_CASE("long strings with and without escapes survive a round trip") {
  std::string plain(100000, 'x');
  for (size_t i = 0; i < plain.size(); i += 97) plain[i] = static_cast<char>('a' + i % 26);
  auto v = json::parse(json::quote(plain));
  REQUIRE(v);
  CHECK(v->text() == plain);

  std::string mixed;
  for (int i = 0; i < 2000; ++i) mixed += std::string(static_cast<size_t>(i % 37), 'm') + "\"\\\n\xc3\xa9\t";
  auto w = json::parse(json::quote(mixed));
  REQUIRE(w);
  CHECK(w->text() == mixed);
}

TEST_CASE("indentation of any width, tabs and CRLF line ends are whitespace, up to the end of the text") {
  for (size_t width = 0; width <= 20; ++width) {
    const std::string ind(width, ' ');
    const std::string text =
        "{\n" + ind + "\"a\" : [\r\n" + ind + "\t1,\n" + ind + ind + "2\n" + ind + "]\n" + ind + "}\n" + ind;
    auto v = json::parse(text);
    REQUIRE_MESSAGE(v, text);
    CHECK(json::serialize(*v) == R"({"a":[1,2]})");
    CHECK(error_of(text + "x") == at(text.size(), "unexpected data after the value"));
  }
  CHECK(error_of("[1,\n        \n         \v]") == at(22, "unexpected character '?'"));
}

TEST_CASE("containers of many entries, nested in each other, keep every entry in order") {
  // Each level has more entries than the first reservation of the stacks, and every nested
  // container opens while its parent's entries are still pending.
  std::string text = "{";
  for (int i = 0; i < 40; ++i) {
    if (i) text += ',';
    text += "\"k" + std::to_string(i) + "\":";
    if (i % 3 == 0) {
      text += "[";
      for (int j = 0; j < 30; ++j)
        text += (j ? ",{\"x\":" : "{\"x\":") + std::to_string(j) + ",\"y\":[\"s\",true,null]}";
      text += "]";
    } else if (i % 3 == 1) {
      text += "\"v" + std::to_string(i) + "\"";
    } else {
      text += "{\"n\":" + std::to_string(i) + ",\"m\":{\"deep\":[[],{},[[1]]]}}";
    }
  }
  text += "}";
  auto v = json::parse(text);
  REQUIRE(v);
  CHECK(json::serialize(*v) == text);
  REQUIRE(v->members().size() == 40);
  CHECK(v->members()[39].first == "k39");
  CHECK(v->find("k0")->items().size() == 30);
  CHECK(v->find("k0")->items()[29].find("x")->text() == "29");
  // The same document parsed again (new stacks) gives the same value.
  auto again = json::parse(text);
  REQUIRE(again);
  CHECK(json::serialize(*again) == text);
}

TEST_CASE("duplicate names are found in small and large objects, the smallest one named") {
  auto object_of = [](size_t n, const std::vector<std::pair<size_t, size_t>>& copies) {
    std::vector<std::string> names;
    for (size_t i = 0; i < n; ++i) names.push_back("name" + std::to_string(i));
    for (auto [from, to] : copies) names[to] = names[from];
    std::string text = "{";
    for (size_t i = 0; i < n; ++i) text += (i ? ",\"" : "\"") + names[i] + "\":" + std::to_string(i);
    return text + "}";
  };
  for (size_t n : {2u, 3u, 16u, 31u, 32u, 33u, 100u, 1000u}) {
    CAPTURE(n);
    CHECK(json::parse(object_of(n, {})));
    const std::string one = object_of(n, {{0, n - 1}});
    CHECK(error_of(one) == at(one.size(), "duplicate member name \"name0\""));
    if (n >= 4) {
      // name1 and name10.. sort before name2: the smallest duplicated name is reported.
      const std::string two = object_of(n, {{2, 3}, {1, n - 1}});
      CHECK(error_of(two) == at(two.size(), "duplicate member name \"name1\""));
    }
    json::ParseOptions allow;
    allow.allow_duplicate_keys = true;
    auto kept = json::parse(one, allow);
    REQUIRE(kept);
    CHECK(kept->members().size() == n);
    CHECK(kept->members().back().first == "name0");
  }
  // Names alike in length and first and last bytes are still different names.
  CHECK(json::parse(R"({"abc":1,"aXc":2,"a c":3,"":4,"a":5,"b":6})"));
  CHECK(error_of(R"({"":1,"a":2,"":3})") == at(17, "duplicate member name \"\""));
  CHECK(error_of(R"({"abc":1,"aXc":2,"abc":3})") == at(25, "duplicate member name \"abc\""));
}

TEST_CASE("nesting exactly at the limit parses and one level more is refused, string members included") {
  json::ParseOptions two;
  two.max_depth = 2;
  CHECK(json::parse(R"({"a":{"b":"x"}})", two));
  CHECK(json::parse(R"([["x"]])", two));
  CHECK(error_of(R"({"a":{"b":{"c":"x"}}})", two) == at(15, "nested deeper than 2 levels"));
  CHECK(error_of(R"({"a":{"b":{"c":1}}})", two) == at(15, "nested deeper than 2 levels"));
  CHECK(error_of(R"([[["x"]]])", two) == at(3, "nested deeper than 2 levels"));
  CHECK(json::parse(R"({"a":{"b":{}}})", two));
  CHECK(error_of(R"({"a":{"b":[{}]}})", two) == at(11, "nested deeper than 2 levels"));

  json::ParseOptions defaults;
  const std::string at_limit = std::string(65, '[') + std::string(65, ']');
  CHECK(json::parse(at_limit, defaults));
  const std::string beyond = std::string(66, '[') + std::string(66, ']');
  CHECK(error_of(beyond) == at(65, "nested deeper than 64 levels"));
  std::string objects;
  for (int i = 0; i < 64; ++i) objects += "{\"k\":";
  CHECK(json::parse(objects + "\"v\"" + std::string(64, '}')));
  CHECK(error_of(objects + "{\"k\":\"v\"}" + std::string(64, '}')) ==
        at(objects.size() + 5, "nested deeper than 64 levels"));
}
