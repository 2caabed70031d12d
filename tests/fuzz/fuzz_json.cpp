// libFuzzer target for the support library's JSON parser (sdk/support/src/json.cpp). Properties
// besides "no crash, no sanitizer report": an error is one non-empty line; what parses
// serializes to text that parses again to the same text (compact and pretty); no object that
// parsed has two members of the same name; is_valid_utf8 agrees with the parser on strings.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>

#include "entratool/support/json.h"

namespace json = entratool::support::json;

namespace {

void require(bool condition, const char* what) {
  if (!condition) {
    std::fprintf(stderr, "fuzz_json: property violated: %s\n", what);
    std::abort();
  }
}

void check_value(const json::Value& v) {
  if (v.is_string()) require(json::is_valid_utf8(v.text()), "a parsed string is valid UTF-8");
  if (v.is_array())
    for (const auto& item : v.items()) check_value(item);
  if (v.is_object()) {
    std::set<std::string> names;
    for (const auto& [name, item] : v.members()) {
      require(names.insert(name).second, "no duplicate member names");
      check_value(item);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = json::parse(text);
  if (!parsed) {
    const std::string& m = parsed.status().message();
    require(!m.empty() && m.find('\n') == std::string::npos, "an error is one non-empty line");
    return 0;
  }
  check_value(*parsed);
  for (int indent : {-1, 2}) {
    std::string out = json::serialize(*parsed, indent);
    auto again = json::parse(out);
    require(again.is_ok(), "serialized JSON parses again");
    require(json::serialize(*again, indent) == out, "serialization is stable");
  }
  return 0;
}
