// The `yaml` output format: block-style YAML from yaml-cpp's emitter. The emitter alone would
// write the string "123" or "yes" as a plain scalar that loaders read back as a number or a
// boolean, so every string that a YAML 1.1 or 1.2 loader could resolve to another type is quoted
// here; JSON numbers are spelled so that both YAML versions read them as numbers. The token's
// expires_at is a time, so it stays a plain YAML timestamp, as in the reference page.
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <iterator>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "entratool/sdk/plugin.h"
#include "entratool/support/encoding.h"
#include "entratool/support/json.h"
#include "entratool/support/token_text.h"

namespace {

using entratool::sdk::FormatContext;
using entratool::sdk::Result;
using entratool::sdk::Status;
using entratool::sdk::TokenResponse;
namespace json = entratool::support::json;

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Digits, '_', '.' and ':' with an optional exponent: covers (and exceeds) the YAML 1.1 and 1.2
// decimal, float and base-60 forms.
bool looks_numeric(std::string_view s) {
  const auto e = s.find('e');
  bool digit = false;
  for (char c : s.substr(0, e)) {
    if (is_digit(c)) {
      digit = true;
    } else if (c != '_' && c != '.' && c != ':') {
      return false;
    }
  }
  if (!digit || e == std::string_view::npos) return digit;
  auto exponent = s.substr(e + 1);
  if (!exponent.empty() && (exponent[0] == '+' || exponent[0] == '-')) exponent.remove_prefix(1);
  return !exponent.empty() && std::all_of(exponent.begin(), exponent.end(), is_digit);
}

// 0x1f, 0o17, 0b101 (lower-cased).
bool looks_prefixed_int(std::string_view s) {
  if (s.size() < 3 || s[0] != '0') return false;
  const char* digits = s[1] == 'x' ? "0123456789abcdef_" : s[1] == 'o' ? "01234567_" : s[1] == 'b' ? "01_" : nullptr;
  return digits != nullptr && s.find_first_not_of(digits, 2) == std::string_view::npos;
}

// YAML 1.1 timestamps: yyyy-m(m)-d(d), alone or followed by 't' or ' ' and a time.
bool looks_like_date(std::string_view s) {
  size_t i = 0;
  auto digits = [&](size_t min, size_t max) {
    size_t n = 0;
    while (i < s.size() && n < max && is_digit(s[i])) ++i, ++n;
    return n >= min;
  };
  auto dash = [&] { return i < s.size() && s[i++] == '-'; };
  if (!(digits(4, 4) && dash() && digits(1, 2) && dash() && digits(1, 2))) return false;
  return i == s.size() || s[i] == 't' || s[i] == ' ';
}

// Plain scalars that the YAML 1.1 or 1.2 (core) resolvers read as null, bool, int, float or
// timestamp, or that YAML 1.1 gives a special meaning ("=" value key, "<<" merge key). Broader
// than either schema on purpose: quoting a string that needed none does no harm. (Hand-written:
// an equivalent std::regex takes about 4 ms to compile, more than the rest of a run.)
bool resolves_to_non_string(std::string_view original) {
  std::string s(original);
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  static constexpr std::string_view kWords[] = {"",     "~",     "null", "y",   "yes", "n",  "no",
                                                "true", "false", "on",   "off", "=",   "<<", ".nan"};
  if (std::find(std::begin(kWords), std::end(kWords), s) != std::end(kWords)) return true;
  std::string_view body = s;
  if (body[0] == '+' || body[0] == '-') body.remove_prefix(1);
  return body == ".inf" || looks_numeric(body) || looks_prefixed_int(body) || looks_like_date(s);
}

// Characters that yaml-cpp would write raw but YAML forbids (C0 controls, DEL, C1 controls) or
// loaders treat as line breaks or byte-order marks (NEL, LS, PS, BOM); such strings are written
// double-quoted with escapes, so any string a claim can hold reads back as itself.
bool needs_escapes(std::string_view s) {
  for (size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == 0x7f) return true;
    if (c == 0xc2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) <= 0x9f) return true;  // U+0080..9F
  }
  for (std::string_view bad : {"\xe2\x80\xa8", "\xe2\x80\xa9", "\xef\xbb\xbf"}) {
    if (s.find(bad) != std::string_view::npos) return true;
  }
  return false;
}

void emit_string(YAML::Emitter& out, const std::string& s) {
  if (needs_escapes(s)) {
    out << YAML::DoubleQuoted << YAML::EscapeNonAscii << s;
  } else if (resolves_to_non_string(s)) {
    out << YAML::DoubleQuoted << s;
  } else {
    out << s;
  }
}

// JSON allows 1e3 and 1.5e3; YAML 1.1 reads a float only with a '.' and a signed exponent, so
// write 1.0e+3 and 1.5e+3 (the same value, readable by both YAML versions).
std::string portable_number(std::string text) {
  auto e = text.find_first_of("eE");
  if (e == std::string::npos) return text;
  if (e + 1 < text.size() && text[e + 1] != '+' && text[e + 1] != '-') text.insert(e + 1, "+");
  if (text.find('.') == std::string::npos) text.insert(e, ".0");
  return text;
}

void emit_value(YAML::Emitter& out, const json::Value& v) {
  switch (v.type()) {
    case json::Value::Type::null:
      out << YAML::Null;
      break;
    case json::Value::Type::boolean:
      out << v.as_bool();
      break;
    case json::Value::Type::number:
      out << portable_number(v.text());
      break;
    case json::Value::Type::string:
      emit_string(out, v.text());
      break;
    case json::Value::Type::array:
      if (v.items().empty()) out << YAML::Flow;  // "key: []" rather than a dangling block
      out << YAML::BeginSeq;
      for (const auto& item : v.items()) emit_value(out, item);
      out << YAML::EndSeq;
      break;
    case json::Value::Type::object:
      if (v.members().empty()) out << YAML::Flow;
      out << YAML::BeginMap;
      for (const auto& [key, item] : v.members()) {
        out << YAML::Key;
        emit_string(out, key);
        out << YAML::Value;
        emit_value(out, item);
      }
      out << YAML::EndMap;
      break;
  }
}

// Poco and yaml-cpp copy invalid UTF-8 through unchanged, which would print text no reader accepts.
Status check_utf8(const TokenResponse& token) {
  if (const char* field = entratool::support::first_non_utf8_field(token))
    return Status::general(std::string("the token response's ") + field + " is not valid UTF-8");
  return Status::ok();
}

Result<std::string> finish(const YAML::Emitter& out) {
  if (!out.good()) return Status::general("yaml formatter: " + out.GetLastError());
  return std::string(out.c_str()) + "\n";
}

class YamlFormatter final : public entratool::sdk::Formatter {
 public:
  Result<std::string> format_token(const TokenResponse& token, const FormatContext& ctx) override {
    try {
      std::string scope;
      for (const auto& s : token.scopes) scope += (scope.empty() ? "" : " ") + s;
      if (auto status = check_utf8(token); !status) return status;
      YAML::Emitter out;
      out << YAML::BeginMap;
      out << YAML::Key << "token_type" << YAML::Value;
      emit_string(out, token.token_type);
      out << YAML::Key << "scope" << YAML::Value;
      emit_string(out, scope);
      out << YAML::Key << "expires_in" << YAML::Value << entratool::sdk::seconds_left(token, ctx.now);
      out << YAML::Key << "access_token" << YAML::Value;
      emit_string(out, token.access_token);
      if (!token.refresh_token.empty()) {
        out << YAML::Key << "refresh_token" << YAML::Value;
        emit_string(out, token.refresh_token);
      }
      out << YAML::Key << "expires_at" << YAML::Value << entratool::support::format_utc_iso8601(token.expires_at);
      out << YAML::EndMap;
      return finish(out);
    } catch (const std::exception& e) {  // nothing may cross into the host
      return Status::general(std::string("yaml formatter: ") + e.what());
    }
  }

  Result<std::string> format_document(std::string_view text) override {
    try {
      auto value = json::parse(text);
      if (!value) return value.status();
      YAML::Emitter out;
      out.SetNullFormat(YAML::LowerNull);
      emit_value(out, *value);
      return finish(out);
    } catch (const std::exception& e) {
      return Status::general(std::string("yaml formatter: ") + e.what());
    }
  }
};

Status register_yaml(entratool::sdk::Registrar& registrar) {
  return registrar.add_formatter("yaml", std::make_unique<YamlFormatter>());
}

}  // namespace

ENTRATOOL_PLUGIN(register_yaml)
