#include "entratool/support/json.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <tuple>

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

// The bytes that end a run of plain string characters: '"', '\\', control characters and the
// bytes of multi-byte UTF-8 sequences.
enum : unsigned char { kStringStop = 1 };
struct ByteClasses {
  unsigned char of[256] = {};
  constexpr ByteClasses() {
    for (int c = 0; c < 0x20; ++c) of[c] = kStringStop;
    for (int c = 0x80; c < 0x100; ++c) of[c] = kStringStop;
    of[static_cast<unsigned char>('"')] = kStringStop;
    of[static_cast<unsigned char>('\\')] = kStringStop;
  }
};
constexpr ByteClasses kBytes;

// Eight bytes of text as one word, the first byte lowest (so the lowest set bit of a mask below
// belongs to the first byte that matches). Where the compiler says nothing of the byte order,
// the word is assembled byte by byte.
inline uint64_t load8(const char* p) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  uint64_t w;
  std::memcpy(&w, p, 8);
  return w;
#else
  uint64_t w = 0;
  for (int i = 7; i >= 0; --i) w = (w << 8) | static_cast<unsigned char>(p[i]);
  return w;
#endif
}

// The index of the lowest byte of `x` (not 0) that is not zero.
inline size_t first_nonzero_byte(uint64_t x) {
#if defined(__GNUC__)
  return static_cast<size_t>(__builtin_ctzll(x)) / 8;
#else
  size_t i = 0;
  for (; !(x & 0xFF); x >>= 8) ++i;
  return i;
#endif
}

constexpr uint64_t kOnes = 0x0101010101010101ULL;
constexpr uint64_t kHighBits = 0x8080808080808080ULL;

// The high bit of each byte of `w` that ends a plain string run ('"', '\\', below 0x20, 0x80 and
// up). Each byte is tested on its low seven bits t, where adding at most 0x7F carries into the
// byte's own high bit and never into the next byte, so every mark is exact. t ^ 0x02 is below
// 0x21 exactly for the control characters and '"' (which it maps to 0x20): one test for both.
inline uint64_t string_stops(uint64_t w) {
  constexpr uint64_t low7 = 0x7F7F7F7F7F7F7F7FULL;
  uint64_t t = w & low7;
  uint64_t plain = ((t ^ (kOnes * 0x02)) + kOnes * (0x80 - 0x21))  // high bit: not a control or '"'
                   & ((t ^ (kOnes * '\\')) + low7);                // high bit: not '\\'
  return ~(plain & ~w) & kHighBits;
}

}  // namespace

// Builds values where they will stay: scalars straight into their member or item slot, strings
// straight into their std::string. Members and items of the open containers wait on one stack
// each until their container closes and takes them in one exactly sized allocation (the
// outermost container takes the stack itself). A nested container's entries sit above its
// parent's and are gone before the parent's next entry.
class detail::Parser {
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
    const char* data = s_.data();
    const size_t size = s_.size();
    while (pos_ < size) {
      auto c = static_cast<unsigned char>(data[pos_]);
      if (c > ' ') return;  // what follows whitespace, usually
      if (c != ' ' && c != '\n' && c != '\t' && c != '\r') return;
      ++pos_;
      if (c != '\n') continue;
      // Indentation: spaces eight at a time.
      for (; size - pos_ >= 8; pos_ += 8) {
        if (uint64_t other = load8(data + pos_) ^ (kOnes * ' ')) {
          pos_ += first_nonzero_byte(other);
          break;
        }
      }
    }
  }
  bool literal(std::string_view word) {
    if (s_.substr(pos_, word.size()) != word) return fail("unknown literal");
    pos_ += word.size();
    return true;
  }
  static bool opens_container(char c) { return c == '{' || c == '['; }

  // `out` is a null Value.
  bool parse_value(Value& out, int depth) {
    if (depth > opt_.max_depth) return fail("nested deeper than " + std::to_string(opt_.max_depth) + " levels");
    if (pos_ >= s_.size()) return fail("unexpected end of input");
    char c = s_[pos_];
    switch (c) {
      case '{':
        return parse_object(out, depth);
      case '[':
        return parse_array(out, depth);
      case '"':
        out.type_ = Value::Type::string;
        return parse_string(out.text_);
      case 't':
        out.type_ = Value::Type::boolean;
        out.bool_ = true;
        return literal("true");
      case 'f':
        out.type_ = Value::Type::boolean;
        return literal("false");
      case 'n':
        return literal("null");
      default:
        if (c == '-' || (c >= '0' && c <= '9')) return parse_number(out);
        return fail(std::string("unexpected character '") + (c >= 0x20 && c < 0x7f ? std::string(1, c) : "?") + "'");
    }
  }

  // Objects up to this size are checked with a small hash table on the stack; larger ones by
  // sorting their names.
  static constexpr size_t kHashedMembers = 32;

  // RFC 8259 leaves duplicate names open and readers disagree on which one wins (RFC 7519 lets a
  // JWT consumer refuse them): refuse, so that what we use is what every other reader sees. The
  // name reported is the smallest duplicated one, whichever way it is found.
  bool unique_members(const Value& object) {
    const auto& members = object.members_;
    const size_t n = members.size();
    if (n < 2) return true;
    if (n > kHashedMembers) {
      std::vector<std::string_view> names;
      names.reserve(n);
      for (const auto& m : members) names.emplace_back(m.first);
      std::sort(names.begin(), names.end());
      auto dup = std::adjacent_find(names.begin(), names.end());
      return dup == names.end() ? true : fail_duplicate(*dup);
    }
    // Open addressing over 64 slots (at most half full); a slot holds a member's index + 1. Names
    // are compared only when their length and first and last bytes agree.
    constexpr uint32_t kSlots = 64;
    unsigned char slot[kSlots] = {};
    uint32_t sig[kHashedMembers];
    const std::string* dup = nullptr;
    for (size_t i = 0; i < n; ++i) {
      const std::string& name = members[i].first;
      uint32_t si = static_cast<uint32_t>(name.size()) << 16;
      if (!name.empty())
        si |= static_cast<uint32_t>(static_cast<unsigned char>(name.front())) << 8 |
              static_cast<unsigned char>(name.back());
      sig[i] = si;
      uint32_t h = (si * 0x9E3779B1U) >> 26;
      for (;; h = (h + 1) % kSlots) {
        if (slot[h] == 0) {
          slot[h] = static_cast<unsigned char>(i + 1);
          break;
        }
        const size_t j = slot[h] - 1u;
        if (sig[j] == si && members[j].first == name) {
          if (!dup || name < *dup) dup = &name;
          break;
        }
      }
    }
    return dup ? fail_duplicate(*dup) : true;
  }
  bool fail_duplicate(std::string_view name) {
    std::string shown;
    for (char c : name) shown += (c >= 0x20 && c < 0x7f) ? c : '?';
    if (shown.size() > 64) shown = shown.substr(0, 64) + "...";
    return fail("duplicate member name \"" + shown + "\"");
  }

  // The stacks start with room for this many entries: small documents allocate each once.
  static constexpr size_t kInitialPending = 8;

  // Moves pending[first, end) into `into` (or hands over the whole stack when it holds nothing
  // else), leaving pending as it was before the container opened.
  template <typename T>
  static void take(std::vector<T>& pending, size_t first, std::vector<T>& into) {
    if (first == 0) {
      into.swap(pending);
      return;
    }
    auto begin = pending.begin() + static_cast<std::ptrdiff_t>(first);
    into.assign(std::make_move_iterator(begin), std::make_move_iterator(pending.end()));
    pending.erase(begin, pending.end());
  }

  bool parse_object(Value& out, int depth) {
    out.type_ = Value::Type::object;
    ++pos_;
    skip_ws();
    if (pos_ < s_.size() && s_[pos_] == '}') {
      ++pos_;
      return true;
    }
    const size_t first = pending_members_.size();
    if (pending_members_.capacity() == 0) pending_members_.reserve(kInitialPending);
    for (;;) {
      skip_ws();
      if (pos_ >= s_.size() || s_[pos_] != '"') return fail("expected a member name");
      const size_t index = pending_members_.size();
      // The usual name, plain characters only, is made in its place from the text.
      const size_t start = pos_ + 1;
      const size_t end = scan_plain(start);
      if (end < s_.size() && s_[end] == '"') {
        pending_members_.emplace_back(std::piecewise_construct, std::forward_as_tuple(s_.data() + start, end - start),
                                      std::forward_as_tuple());
        pos_ = end + 1;
      } else {
        pos_ = end;
        if (!parse_string_rest(pending_members_.emplace_back().first, start)) return false;
      }
      skip_ws();
      if (pos_ >= s_.size() || s_[pos_] != ':') return fail("expected ':'");
      ++pos_;
      skip_ws();
      if (pos_ < s_.size() && s_[pos_] == '"' && depth < opt_.max_depth) {
        // The usual member, a string, without the detour through parse_value.
        Value& v = pending_members_.back().second;
        v.type_ = Value::Type::string;
        if (!parse_string(v.text_)) return false;
      } else if (pos_ < s_.size() && opens_container(s_[pos_])) {
        // The container's own entries may move the stack: it is built aside.
        Value v;
        if (!parse_value(v, depth + 1)) return false;
        pending_members_[index].second = std::move(v);
      } else if (!parse_value(pending_members_.back().second, depth + 1)) {
        return false;
      }
      skip_ws();
      if (pos_ >= s_.size()) return fail("unexpected end of input in an object");
      if (s_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (s_[pos_] == '}') {
        ++pos_;
        take(pending_members_, first, out.members_);
        return opt_.allow_duplicate_keys || unique_members(out);
      }
      return fail("expected ',' or '}'");
    }
  }

  bool parse_array(Value& out, int depth) {
    out.type_ = Value::Type::array;
    ++pos_;
    skip_ws();
    if (pos_ < s_.size() && s_[pos_] == ']') {
      ++pos_;
      return true;
    }
    const size_t first = pending_items_.size();
    if (pending_items_.capacity() == 0) pending_items_.reserve(kInitialPending);
    for (;;) {
      skip_ws();
      if (pos_ < s_.size() && opens_container(s_[pos_])) {
        Value v;
        if (!parse_value(v, depth + 1)) return false;
        pending_items_.push_back(std::move(v));
      } else if (!parse_value(pending_items_.emplace_back(), depth + 1)) {
        return false;
      }
      skip_ws();
      if (pos_ >= s_.size()) return fail("unexpected end of input in an array");
      if (s_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (s_[pos_] == ']') {
        ++pos_;
        take(pending_items_, first, out.items_);
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
    out.type_ = Value::Type::number;
    out.text_.assign(s_.data() + start, pos_ - start);
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

  // The first byte at or after `pos` that ends a plain run, or the end of the text: eight bytes
  // at a time, the last few one at a time.
  size_t scan_plain(size_t pos) const {
    const char* data = s_.data();
    const size_t size = s_.size();
    if (size >= 8) {
      const char* p = data + pos;
      const char* const last_word = data + size - 8;
      for (; p <= last_word; p += 8)
        if (uint64_t stops = string_stops(load8(p))) return static_cast<size_t>(p - data) + first_nonzero_byte(stops);
      pos = static_cast<size_t>(p - data);
    }
    while (pos < size && !(kBytes.of[static_cast<unsigned char>(data[pos])] & kStringStop)) ++pos;
    return pos;
  }

  // Appends the string at pos_ (its opening quote) to `out`. The usual string, plain characters
  // up to the closing quote, is copied in one piece (a long one into its own allocation).
  bool parse_string(std::string& out) {
    const size_t start = pos_ + 1;
    const size_t end = scan_plain(start);
    if (end < s_.size() && s_[end] == '"') {
      pos_ = end + 1;
      if (end - start > kShortString && out.empty())
        out = std::string(s_.data() + start, end - start);
      else
        out.append(s_.data() + start, end - start);
      return true;
    }
    pos_ = end;
    return parse_string_rest(out, start);
  }
  static constexpr size_t kShortString = 15;  // what fits in std::string itself, usually

  // The rest of a string whose piece from `piece` to pos_ is plain: valid UTF-8 sequences go in
  // pieces too, escapes end them.
  bool parse_string_rest(std::string& out, size_t piece) {
    for (;;) {
      if (pos_ >= s_.size()) return fail("unterminated string");
      auto c = static_cast<unsigned char>(s_[pos_]);
      if (c == '"') {
        out.append(s_.data() + piece, pos_ - piece);
        ++pos_;
        return true;
      }
      if (c >= 0x80) {
        size_t len = utf8_sequence_length(s_, pos_);
        if (len == 0) return fail("invalid UTF-8 in a string");
        pos_ += len;
      } else if (c < 0x20) {
        return fail("control character in a string");
      } else {
        out.append(s_.data() + piece, pos_ - piece);
        if (!parse_escape(out)) return false;
        piece = pos_;
      }
      pos_ = scan_plain(pos_);
    }
  }

  // One escape, pos_ at its backslash.
  bool parse_escape(std::string& out) {
    ++pos_;
    if (pos_ >= s_.size()) return fail("unterminated escape");
    char e = s_[pos_++];
    switch (e) {
      case '"':
        out += '"';
        return true;
      case '\\':
        out += '\\';
        return true;
      case '/':
        out += '/';
        return true;
      case 'b':
        out += '\b';
        return true;
      case 'f':
        out += '\f';
        return true;
      case 'n':
        out += '\n';
        return true;
      case 'r':
        out += '\r';
        return true;
      case 't':
        out += '\t';
        return true;
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
        return true;
      }
      default:
        return fail("invalid escape");
    }
  }

  std::string_view s_;
  ParseOptions opt_;
  size_t pos_ = 0;
  std::string error_;
  std::vector<Value::Member> pending_members_;
  std::vector<Value> pending_items_;
};

namespace {

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

Result<Value> parse(std::string_view text, ParseOptions options) { return detail::Parser(text, options).run(); }

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
