// Guards the SDK's JSON reader against the JSONTestSuite categories (numbers, strings, escapes
// and surrogates, UTF-8 validity, structure, nesting depth, BOM, trailing garbage) with the
// project's own cases in tests/fuzz/corpus-json-suite/, which also seed the JSON fuzzer:
//   y_*.json  valid RFC 8259 JSON: must parse (and serialize to text that parses again);
//   n_*.json  not JSON: must be refused with a one-line error;
//   i_*.json  RFC 8259 leaves the outcome to the implementation: the table below pins ours, so a
//             change of behaviour is a decision, not an accident.
#include <dirent.h>
#include <doctest/doctest.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "entratool/support/json.h"

namespace json = entratool::support::json;

namespace {

const std::string kSuite = std::string(ENTRATOOL_TEST_SOURCE_DIR) + "/fuzz/corpus-json-suite";

std::vector<std::string> case_names() {
  std::vector<std::string> names;
  if (DIR* d = ::opendir(kSuite.c_str())) {
    while (dirent* e = ::readdir(d)) {
      std::string n = e->d_name;
      if (n.size() > 5 && n.compare(n.size() - 5, 5, ".json") == 0) names.push_back(n);
    }
    ::closedir(d);
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string read(const std::string& name) {
  std::ifstream in(kSuite + "/" + name, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// What entratool decides where RFC 8259 lets the implementation choose (true: accepted).
const std::map<std::string, bool> kImplementationDefined = {
    {"i_number_huge_exponent.json", true},  // kept as its text; as_double() is what says it does not fit
    {"i_number_tiny_exponent.json", true},
    {"i_number_int_past_int64.json", true},  // kept as text; as_int() is empty
    {"i_number_negative_int_past_int64.json", true},
    {"i_number_very_long.json", true},
    // Lone or misordered surrogates have no UTF-8 form: refused rather than replaced.
    {"i_string_lone_high_surrogate_escape.json", false},
    {"i_string_lone_low_surrogate_escape.json", false},
    {"i_string_reversed_surrogates.json", false},
    {"i_string_high_surrogate_then_letter.json", false},
    {"i_string_two_high_surrogates.json", false},
    // Duplicate member names are refused (issue 14 item 10: two readers must not disagree).
    {"i_structure_duplicate_key.json", false},
    {"i_structure_duplicate_key_same_value.json", false},
    {"i_structure_duplicate_key_via_escape.json", false},
    {"i_bom_utf8_before_object.json", false},  // RFC 8259 §8.1: a parser MAY ignore it; we do not
    // The root plus 64 nested levels is the limit (ParseOptions::max_depth).
    {"i_depth_65_arrays.json", true},
    {"i_depth_66_arrays.json", false},
    {"i_depth_1000_arrays_closed.json", false},
};

}  // namespace

TEST_CASE("the JSON suite has cases in every category") {
  auto names = case_names();
  REQUIRE(names.size() > 100);
  for (const char* category : {"number_", "string_", "utf8_", "structure_", "trailing_", "bom_", "depth_"}) {
    CAPTURE(category);
    for (const char* kind : {"y_", "n_"}) {
      CAPTURE(kind);
      CHECK(std::any_of(names.begin(), names.end(),
                        [&](const std::string& n) { return n.rfind(kind, 0) == 0 && n.find(category) == 2; }) ==
            (std::string(kind) == "y_" ? std::string(category) != "utf8_" && std::string(category) != "bom_" : true));
    }
  }
}

TEST_CASE("y_ cases parse, n_ cases are refused, i_ cases behave as pinned") {
  std::size_t implementation_defined = 0;
  for (const std::string& name : case_names()) {
    CAPTURE(name);
    const std::string text = read(name);
    auto parsed = json::parse(text);
    if (name.rfind("y_", 0) == 0) {
      CHECK(parsed.is_ok());
      if (!parsed) continue;
      auto again = json::parse(json::serialize(*parsed));
      CHECK(again.is_ok());
      CHECK(json::serialize(*again) == json::serialize(*parsed));
    } else if (name.rfind("n_", 0) == 0) {
      CHECK_FALSE(parsed.is_ok());
      if (parsed) continue;
      const std::string& m = parsed.status().message();
      CHECK(m.rfind("invalid JSON", 0) == 0);
      CHECK(m.find('\n') == std::string::npos);
    } else {
      REQUIRE(name.rfind("i_", 0) == 0);
      auto expected = kImplementationDefined.find(name);
      REQUIRE_MESSAGE(expected != kImplementationDefined.end(), "pin the outcome of " << name);
      CHECK(parsed.is_ok() == expected->second);
      ++implementation_defined;
    }
  }
  CHECK(implementation_defined == kImplementationDefined.size());
}
