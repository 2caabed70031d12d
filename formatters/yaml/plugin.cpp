// The `yaml` output format: block-style YAML, written here (no yaml-cpp: loading it and the shared
// C++ runtime it needs cost more than the rest of a cached get-token). The layout and quoting are
// those the yaml-cpp 0.7 emitter produced before, byte for byte (block maps and sequences, two
// spaces, `? ` for keys over 1024 bytes, `{}`/`[]` when empty, plain scalars where YAML allows
// them, else double quotes with its escapes). A plain scalar "123" or "yes" would be read back as
// a number or a boolean, so every string that a YAML 1.1 or 1.2 loader could resolve to another
// type is quoted; JSON numbers are spelled so that both YAML versions read them as numbers. The
// token's expires_at is a time, so it stays a plain YAML timestamp, as in the reference page.
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

// Characters that YAML forbids raw (C0 controls, DEL, C1 controls) or loaders treat as line
// breaks or byte-order marks (NEL, LS, PS, BOM); such strings are written double-quoted with every
// non-ASCII character escaped, so any string a claim can hold reads back as itself.
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

bool blank_or_break(std::string_view s, size_t i) {
  if (i >= s.size()) return false;
  return s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s.substr(i, 2) == "\r\n";
}

// Whether `s` may be written as a plain scalar in block context (YAML 1.2 ns-plain, as yaml-cpp
// 0.7 decides it): not a null word, no indicator first, no trailing space, and nothing inside that
// would end the scalar or start a comment (": ", " #"), no tab, line break or unprintable byte.
bool valid_plain(std::string_view s) {
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return false;
  if (blank_or_break(s, 0) || std::string_view(",[]{}#&*!|>'\"%@`").find(s[0]) != std::string_view::npos) return false;
  if ((s[0] == '-' || s[0] == '?' || s[0] == ':') && (s.size() == 1 || blank_or_break(s, 1))) return false;
  if (s.back() == ' ') return false;
  for (size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == ':' && (i + 1 == s.size() || blank_or_break(s, i + 1))) return false;
    if (blank_or_break(s, i) && i + 1 < s.size() && s[i + 1] == '#') return false;
    if (c == '\n' || c == '\t' || c == 0x7f || (c < 0x20 && c != '\r')) return false;
    if (c == '\r' && i + 1 < s.size() && s[i + 1] == '\n') return false;
    if (c == 0xc2 && i + 1 < s.size()) {
      const auto d = static_cast<unsigned char>(s[i + 1]);
      if ((d >= 0x80 && d <= 0x84) || (d >= 0x86 && d <= 0x9f)) return false;
    }
    if (s.substr(i, 3) == "\xef\xbb\xbf") return false;
  }
  return true;
}

constexpr int kReplacement = 0xfffd;

// The next code point of (already validated) UTF-8; surrogates, noncharacters and anything past
// U+10FFFF become U+FFFD, as yaml-cpp wrote them.
int next_code_point(std::string_view s, size_t& i) {
  const auto lead = static_cast<unsigned char>(s[i++]);
  if (lead < 0x80) return lead;
  const int extra = lead >= 0xf0 ? 3 : lead >= 0xe0 ? 2 : lead >= 0xc0 ? 1 : -1;
  if (extra < 0) return kReplacement;
  int cp = lead & (0x3f >> extra);
  for (int k = 0; k < extra; ++k) {
    if (i >= s.size() || (static_cast<unsigned char>(s[i]) & 0xc0) != 0x80) return kReplacement;
    cp = (cp << 6) | (static_cast<unsigned char>(s[i++]) & 0x3f);
  }
  if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) || (cp & 0xfffe) == 0xfffe || (cp >= 0xfdd0 && cp <= 0xfdef))
    return kReplacement;
  return cp;
}

void append_utf8(std::string& out, int cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xc0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xe0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else {
    out += static_cast<char>(0xf0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  }
}

// \xXX below U+00FF, \uXXXX below U+FFFF, else \UXXXXXXXX (lower-case hex).
void append_escape(std::string& out, int cp) {
  static constexpr char kHex[] = "0123456789abcdef";
  int digits = cp < 0xff ? 2 : cp < 0xffff ? 4 : 8;
  out += '\\';
  out += digits == 2 ? 'x' : digits == 4 ? 'u' : 'U';
  for (; digits > 0; --digits) out += kHex[(cp >> (4 * (digits - 1))) & 0xf];
}

void append_double_quoted(std::string& out, std::string_view s, bool escape_non_ascii) {
  out += '"';
  for (size_t i = 0; i < s.size();) {
    const int cp = next_code_point(s, i);
    switch (cp) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        if (cp < 0x20 || (cp >= 0x80 && cp <= 0xa0) || cp == 0xfeff || (escape_non_ascii && cp > 0x7e))
          append_escape(out, cp);
        else
          append_utf8(out, cp);
    }
  }
  out += '"';
}

// A string scalar: double-quoted with escapes, double-quoted, or plain.
void append_string(std::string& out, std::string_view s) {
  if (needs_escapes(s))
    append_double_quoted(out, s, true);
  else if (resolves_to_non_string(s) || !valid_plain(s))
    append_double_quoted(out, s, false);
  else
    out += s;
}

// Text that is plain unless YAML needs it quoted (numbers, dates).
void append_text(std::string& out, std::string_view s) {
  if (valid_plain(s))
    out += s;
  else
    append_double_quoted(out, s, false);
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

bool is_block(const json::Value& v) {
  return (v.is_array() && !v.items().empty()) || (v.is_object() && !v.members().empty());
}

void new_line(std::string& out, int column) {
  out += '\n';
  out.append(static_cast<size_t>(column), ' ');
}

// Writes `v` where the cursor stands at `column` (the top, or after "- ", "? " or ": "): a block
// collection starts on this line and continues at this column.
void write_node(std::string& out, const json::Value& v, int column);

void write_scalar(std::string& out, const json::Value& v) {
  switch (v.type()) {
    case json::Value::Type::null:
      out += "null";
      break;
    case json::Value::Type::boolean:
      out += v.as_bool() ? "true" : "false";
      break;
    case json::Value::Type::number:
      append_text(out, portable_number(v.text()));
      break;
    case json::Value::Type::string:
      append_string(out, v.text());
      break;
    case json::Value::Type::array:
      out += "[]";
      break;
    case json::Value::Type::object:
      out += "{}";
      break;
  }
}

// One "key: value" member with the key at `column` (the cursor stands there).
void write_member(std::string& out, const std::string& key, const json::Value& value, int column) {
  if (key.size() > 1024) {  // a long key: "? key", then ": value" on the next line
    out += "? ";
    append_string(out, key);
    new_line(out, column);
    out += ": ";
    write_node(out, value, column + 2);
    return;
  }
  append_string(out, key);
  out += ':';
  if (is_block(value)) {
    new_line(out, column + 2);
    write_node(out, value, column + 2);
  } else {
    out += ' ';
    write_scalar(out, value);
  }
}

void write_node(std::string& out, const json::Value& v, int column) {
  if (!is_block(v)) return write_scalar(out, v);
  bool first = true;
  if (v.is_object()) {
    for (const auto& [key, item] : v.members()) {
      if (!first) new_line(out, column);
      first = false;
      write_member(out, key, item, column);
    }
    return;
  }
  for (const auto& item : v.items()) {
    if (!first) new_line(out, column);
    first = false;
    if (item.is_array() && is_block(item)) {  // a sequence in a sequence starts on the next line
      out += '-';
      new_line(out, column + 2);
    } else {
      out += "- ";
    }
    write_node(out, item, column + 2);
  }
}

// Invalid UTF-8 copied through would print text no reader accepts.
Status check_utf8(const TokenResponse& token) {
  if (const char* field = entratool::support::first_non_utf8_field(token))
    return Status::general(std::string("the token response's ") + field + " is not valid UTF-8");
  return Status::ok();
}

class YamlFormatter final : public entratool::sdk::Formatter {
 public:
  Result<std::string> format_token(const TokenResponse& token, const FormatContext& ctx) override {
    try {
      std::string scope;
      for (const auto& s : token.scopes) scope += (scope.empty() ? "" : " ") + s;
      if (auto status = check_utf8(token); !status) return status;
      std::string out;
      auto member = [&out](std::string_view key, std::string_view value) {
        if (!out.empty()) out += '\n';
        out.append(key).append(": ");
        append_string(out, value);
      };
      member("token_type", token.token_type);
      member("scope", scope);
      out.append("\nexpires_in: ").append(std::to_string(entratool::sdk::seconds_left(token, ctx.now)));
      member("access_token", token.access_token);
      if (!token.refresh_token.empty()) member("refresh_token", token.refresh_token);
      out.append("\nexpires_at: ");
      append_text(out, entratool::support::format_utc_iso8601(token.expires_at));
      out += '\n';
      return out;
    } catch (const std::exception& e) {  // nothing may cross into the host
      return Status::general(std::string("yaml formatter: ") + e.what());
    }
  }

  Result<std::string> format_document(std::string_view text) override {
    try {
      auto value = json::parse(text);
      if (!value) return value.status();
      std::string out;
      write_node(out, *value, 0);
      out += '\n';
      return out;
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
