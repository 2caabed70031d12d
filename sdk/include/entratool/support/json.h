#pragma once
/// \file json.h
/// A small, strict JSON (RFC 8259) value that keeps object member order and number text exactly
/// as read. Part of the support library so plugins and host parse responses the same way.
/// Parsing is safe on untrusted input: depth-limited, UTF-8 checked, no recursion without bound.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "entratool/sdk/status.h"

namespace entratool::support::json {

namespace detail {
class Parser;
}

class Value {
 public:
  enum class Type { null, boolean, number, string, array, object };
  using Member = std::pair<std::string, Value>;

  Value() = default;  ///< null
  static Value boolean(bool b);
  static Value number(long long n);
  static Value number(double d);
  /// A number from its JSON text (not checked: use parse() for untrusted text).
  static Value number_text(std::string text);
  static Value string(std::string s);
  static Value array();
  static Value object();

  Type type() const noexcept { return type_; }
  bool is_null() const noexcept { return type_ == Type::null; }
  bool is_bool() const noexcept { return type_ == Type::boolean; }
  bool is_number() const noexcept { return type_ == Type::number; }
  bool is_string() const noexcept { return type_ == Type::string; }
  bool is_array() const noexcept { return type_ == Type::array; }
  bool is_object() const noexcept { return type_ == Type::object; }

  bool as_bool() const noexcept { return bool_; }
  /// The string's value, or a number's JSON text.
  const std::string& text() const noexcept { return text_; }
  /// An integral number that fits in 64 bits; nullopt otherwise.
  std::optional<long long> as_int() const;
  /// Any number as a double; nullopt for non-numbers.
  std::optional<double> as_double() const;

  const std::vector<Value>& items() const noexcept { return items_; }
  std::vector<Value>& items() noexcept { return items_; }
  const std::vector<Member>& members() const noexcept { return members_; }
  std::vector<Member>& members() noexcept { return members_; }

  /// The first member with this key, or nullptr (also for non-objects).
  const Value* find(std::string_view key) const;
  Value* find(std::string_view key);
  /// The member's string value, or `fallback` when absent or not a string.
  std::string get_string(std::string_view key, std::string fallback = {}) const;
  /// Replaces the member's value, or appends a member.
  Value& set(std::string key, Value value);
  /// Removes every member with this key.
  void erase(std::string_view key);
  /// Appends to an array.
  void push_back(Value value) { items_.push_back(std::move(value)); }

 private:
  friend class detail::Parser;  // builds values in place

  Type type_ = Type::null;
  bool bool_ = false;
  std::string text_;
  std::vector<Value> items_;
  std::vector<Member> members_;
};

struct ParseOptions {
  int max_depth = 64;  ///< nesting beyond this is an error, not a stack overflow
  /// false (default): an object with two members of the same name is an error. \since support 1.2
  bool allow_duplicate_keys = false;
};

/// Parses exactly one JSON value (surrounding whitespace allowed). The error says what and where,
/// e.g. "invalid JSON at offset 12: expected ':'".
sdk::Result<Value> parse(std::string_view text, ParseOptions options = {});

/// Compact JSON when indent < 0, else pretty-printed with `indent` spaces and no trailing newline.
std::string serialize(const Value& value, int indent = -1);

/// True when `s` is well-formed UTF-8 (no overlong forms, surrogates or code points past
/// U+10FFFF): the same rule the parser applies to strings.
bool is_valid_utf8(std::string_view s);

/// A JSON string literal, quotes included.
std::string quote(std::string_view s);

}  // namespace entratool::support::json
