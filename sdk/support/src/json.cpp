#include "entratool/support/json.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace entratool::support::json {

using sdk::Result;
using sdk::Status;

Value Value::boolean(bool b) {
  Value v;
  v.type_ = Type::boolean;
  v.bool_ = b;
  return v;
}
Value Value::number(long long n) { return number_text(std::to_string(n)); }
Value Value::number(double d) {
  if (!std::isfinite(d)) return Value();
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", d);
  return number_text(buf);
}
Value Value::number_text(std::string text) {
  Value v;
  v.type_ = Type::number;
  v.text_ = std::move(text);
  return v;
}
Value Value::string(std::string s) {
  Value v;
  v.type_ = Type::string;
  v.text_ = std::move(s);
  return v;
}
Value Value::array() {
  Value v;
  v.type_ = Type::array;
  return v;
}
Value Value::object() {
  Value v;
  v.type_ = Type::object;
  return v;
}

std::optional<long long> Value::as_int() const {
  if (type_ != Type::number) return std::nullopt;
  errno = 0;
  char* end = nullptr;
  long long n = std::strtoll(text_.c_str(), &end, 10);
  if (errno != 0 || end != text_.c_str() + text_.size()) return std::nullopt;
  return n;
}
std::optional<double> Value::as_double() const {
  if (type_ != Type::number) return std::nullopt;
  return std::strtod(text_.c_str(), nullptr);
}

const Value* Value::find(std::string_view key) const {
  for (const auto& m : members_)
    if (m.first == key) return &m.second;
  return nullptr;
}
Value* Value::find(std::string_view key) {
  for (auto& m : members_)
    if (m.first == key) return &m.second;
  return nullptr;
}
std::string Value::get_string(std::string_view key, std::string fallback) const {
  const Value* v = find(key);
  if (v && v->is_string()) return v->text();
  return fallback;
}
Value& Value::set(std::string key, Value value) {
  if (Value* existing = find(key)) return *existing = std::move(value);
  members_.emplace_back(std::move(key), std::move(value));
  return members_.back().second;
}
void Value::erase(std::string_view key) {
  std::vector<Member> kept;
  for (auto& m : members_)
    if (m.first != key) kept.push_back(std::move(m));
  members_ = std::move(kept);
}

namespace {

// The length of the well-formed UTF-8 sequence starting at s[pos] (a byte >= 0x80), or 0.
size_t utf8_sequence_length(std::string_view s, size_t pos) {
  auto b0 = static_cast<unsigned char>(s[pos]);
  size_t len = b0 >= 0xF0 && b0 <= 0xF4 ? 4 : b0 >= 0xE0 ? 3 : b0 >= 0xC2 && b0 <= 0xDF ? 2 : 0;
  if (len == 0 || pos + len > s.size()) return 0;
  uint32_t cp = b0 & (len == 2 ? 0x1F : len == 3 ? 0x0F : 0x07);
  for (size_t i = 1; i < len; ++i) {
    auto b = static_cast<unsigned char>(s[pos + i]);
    if ((b & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b & 0x3F);
  }
  if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) || (cp >= 0xD800 && cp <= 0xDFFF))
    return 0;
  return len;
}

class Parser {
 public:
  Parser(std::string_view text, ParseOptions options) : s_(text), opt_(options) {}

  Result<Value> run() {
    skip_ws();
    Value v;
    if (!parse_value(v, 0)) return Status::general(error_);
    skip_ws();
    if (pos_ != s_.size()) return fail_status("unexpected data after the value");
    return v;
  }

 private:
  Status fail_status(const std::string& what) {
    fail(what);
    return Status::general(error_);
  }
  bool fail(const std::string& what) {
    if (error_.empty()) error_ = "invalid JSON at offset " + std::to_string(pos_) + ": " + what;
    return false;
  }
  void skip_ws() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r')) ++pos_;
  }
  bool literal(std::string_view word) {
    if (s_.substr(pos_, word.size()) != word) return fail("unknown literal");
    pos_ += word.size();
    return true;
  }

  bool parse_value(Value& out, int depth) {
    if (depth > opt_.max_depth) return fail("nested deeper than " + std::to_string(opt_.max_depth) + " levels");
    if (pos_ >= s_.size()) return fail("unexpected end of input");
    char c = s_[pos_];
    switch (c) {
      case '{':
        return parse_object(out, depth);
      case '[':
        return parse_array(out, depth);
      case '"': {
        std::string str;
        if (!parse_string(str)) return false;
        out = Value::string(std::move(str));
        return true;
      }
      case 't':
        out = Value::boolean(true);
        return literal("true");
      case 'f':
        out = Value::boolean(false);
        return literal("false");
      case 'n':
        out = Value();
        return literal("null");
      default:
        if (c == '-' || (c >= '0' && c <= '9')) return parse_number(out);
        return fail(std::string("unexpected character '") + (c >= 0x20 && c < 0x7f ? std::string(1, c) : "?") + "'");
    }
  }

  // RFC 8259 leaves duplicate names open and readers disagree on which one wins (RFC 7519 lets a
  // JWT consumer refuse them): refuse, so that what we use is what every other reader sees.
  bool unique_members(const Value& object) {
    const auto& members = object.members();
    if (members.size() < 2) return true;
    std::vector<std::string_view> names;
    names.reserve(members.size());
    for (const auto& m : members) names.emplace_back(m.first);
    std::sort(names.begin(), names.end());
    auto dup = std::adjacent_find(names.begin(), names.end());
    if (dup == names.end()) return true;
    std::string shown;
    for (char c : *dup) shown += (c >= 0x20 && c < 0x7f) ? c : '?';
    if (shown.size() > 64) shown = shown.substr(0, 64) + "...";
    return fail("duplicate member name \"" + shown + "\"");
  }

  bool parse_object(Value& out, int depth) {
    out = Value::object();
    ++pos_;
    skip_ws();
    if (pos_ < s_.size() && s_[pos_] == '}') {
      ++pos_;
      return true;
    }
    for (;;) {
      skip_ws();
      if (pos_ >= s_.size() || s_[pos_] != '"') return fail("expected a member name");
      std::string key;
      if (!parse_string(key)) return false;
      skip_ws();
      if (pos_ >= s_.size() || s_[pos_] != ':') return fail("expected ':'");
      ++pos_;
      skip_ws();
      Value v;
      if (!parse_value(v, depth + 1)) return false;
      out.members().emplace_back(std::move(key), std::move(v));
      skip_ws();
      if (pos_ >= s_.size()) return fail("unexpected end of input in an object");
      if (s_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (s_[pos_] == '}') {
        ++pos_;
        return opt_.allow_duplicate_keys || unique_members(out);
      }
      return fail("expected ',' or '}'");
    }
  }

  bool parse_array(Value& out, int depth) {
    out = Value::array();
    ++pos_;
    skip_ws();
    if (pos_ < s_.size() && s_[pos_] == ']') {
      ++pos_;
      return true;
    }
    for (;;) {
      skip_ws();
      Value v;
      if (!parse_value(v, depth + 1)) return false;
      out.push_back(std::move(v));
      skip_ws();
      if (pos_ >= s_.size()) return fail("unexpected end of input in an array");
      if (s_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (s_[pos_] == ']') {
        ++pos_;
        return true;
      }
      return fail("expected ',' or ']'");
    }
  }

  bool parse_number(Value& out) {
    size_t start = pos_;
    if (s_[pos_] == '-') ++pos_;
    if (pos_ >= s_.size()) return fail("incomplete number");
    if (s_[pos_] == '0') {
      ++pos_;
    } else if (s_[pos_] >= '1' && s_[pos_] <= '9') {
      while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') ++pos_;
    } else {
      return fail("invalid number");
    }
    if (pos_ < s_.size() && s_[pos_] == '.') {
      ++pos_;
      size_t digits = pos_;
      while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') ++pos_;
      if (pos_ == digits) return fail("invalid number: no digits after '.'");
    }
    if (pos_ < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
      ++pos_;
      if (pos_ < s_.size() && (s_[pos_] == '+' || s_[pos_] == '-')) ++pos_;
      size_t digits = pos_;
      while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') ++pos_;
      if (pos_ == digits) return fail("invalid number: no digits in the exponent");
    }
    out = Value::number_text(std::string(s_.substr(start, pos_ - start)));
    return true;
  }

  static void append_utf8(std::string& out, uint32_t cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  bool hex4(uint32_t& cp) {
    if (pos_ + 4 > s_.size()) return fail("incomplete \\u escape");
    cp = 0;
    for (int i = 0; i < 4; ++i) {
      char h = s_[pos_++];
      cp <<= 4;
      if (h >= '0' && h <= '9')
        cp |= static_cast<uint32_t>(h - '0');
      else if (h >= 'a' && h <= 'f')
        cp |= static_cast<uint32_t>(h - 'a' + 10);
      else if (h >= 'A' && h <= 'F')
        cp |= static_cast<uint32_t>(h - 'A' + 10);
      else
        return fail("invalid \\u escape");
    }
    return true;
  }

  // Copies one UTF-8 sequence starting at pos_, rejecting overlong forms and surrogates.
  bool copy_utf8(std::string& out) {
    size_t len = utf8_sequence_length(s_, pos_);
    if (len == 0) return fail("invalid UTF-8 in a string");
    out.append(s_.substr(pos_, len));
    pos_ += len;
    return true;
  }

  bool parse_string(std::string& out) {
    ++pos_;  // opening quote
    for (;;) {
      if (pos_ >= s_.size()) return fail("unterminated string");
      auto c = static_cast<unsigned char>(s_[pos_]);
      if (c == '"') {
        ++pos_;
        return true;
      }
      if (c < 0x20) return fail("control character in a string");
      if (c >= 0x80) {
        if (!copy_utf8(out)) return false;
        continue;
      }
      if (c != '\\') {
        // A run of plain characters is copied at once (most strings are nothing else).
        size_t end = pos_ + 1;
        while (end < s_.size()) {
          auto d = static_cast<unsigned char>(s_[end]);
          if (d < 0x20 || d >= 0x80 || d == '"' || d == '\\') break;
          ++end;
        }
        out.append(s_.data() + pos_, end - pos_);
        pos_ = end;
        continue;
      }
      ++pos_;
      if (pos_ >= s_.size()) return fail("unterminated escape");
      char e = s_[pos_++];
      switch (e) {
        case '"':
          out += '"';
          break;
        case '\\':
          out += '\\';
          break;
        case '/':
          out += '/';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          uint32_t cp;
          if (!hex4(cp)) return false;
          if (cp >= 0xDC00 && cp <= 0xDFFF) return fail("lone low surrogate in \\u escape");
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            if (s_.substr(pos_, 2) != "\\u") return fail("high surrogate without its pair");
            pos_ += 2;
            uint32_t lo;
            if (!hex4(lo)) return false;
            if (lo < 0xDC00 || lo > 0xDFFF) return fail("high surrogate without its pair");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          }
          append_utf8(out, cp);
          break;
        }
        default:
          return fail("invalid escape");
      }
    }
  }

  std::string_view s_;
  ParseOptions opt_;
  size_t pos_ = 0;
  std::string error_;
};

void write(std::string& out, const Value& v, int indent, int level) {
  auto newline = [&](int lvl) {
    if (indent < 0) return;
    out += '\n';
    out.append(static_cast<size_t>(indent) * static_cast<size_t>(lvl), ' ');
  };
  switch (v.type()) {
    case Value::Type::null:
      out += "null";
      break;
    case Value::Type::boolean:
      out += v.as_bool() ? "true" : "false";
      break;
    case Value::Type::number:
      out += v.text();
      break;
    case Value::Type::string:
      out += quote(v.text());
      break;
    case Value::Type::array: {
      if (v.items().empty()) {
        out += "[]";
        break;
      }
      out += '[';
      bool first = true;
      for (const auto& item : v.items()) {
        if (!first) out += ',';
        first = false;
        newline(level + 1);
        write(out, item, indent, level + 1);
      }
      newline(level);
      out += ']';
      break;
    }
    case Value::Type::object: {
      if (v.members().empty()) {
        out += "{}";
        break;
      }
      out += '{';
      bool first = true;
      for (const auto& [key, item] : v.members()) {
        if (!first) out += ',';
        first = false;
        newline(level + 1);
        out += quote(key);
        out += indent < 0 ? ":" : ": ";
        write(out, item, indent, level + 1);
      }
      newline(level);
      out += '}';
      break;
    }
  }
}

}  // namespace

Result<Value> parse(std::string_view text, ParseOptions options) { return Parser(text, options).run(); }

std::string serialize(const Value& value, int indent) {
  std::string out;
  write(out, value, indent, 0);
  return out;
}

bool is_valid_utf8(std::string_view s) {
  for (size_t pos = 0; pos < s.size();) {
    if (static_cast<unsigned char>(s[pos]) < 0x80) {
      ++pos;
      continue;
    }
    size_t len = utf8_sequence_length(s, pos);
    if (len == 0) return false;
    pos += len;
  }
  return true;
}

std::string quote(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  out += '"';
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += ch;
        }
    }
  }
  out += '"';
  return out;
}

}  // namespace entratool::support::json
