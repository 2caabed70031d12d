#pragma once
/// \file status.h
/// Errors are values at the plugin boundary: every SDK call returns a Status or a Result<T>.
/// No exception may cross from a plugin into the host (the host catches them anyway, and treats a
/// plugin that throws as broken).

#include <optional>
#include <string>
#include <utility>

namespace entratool::sdk {

/// What kind of failure; each maps to one documented exit code (docs/exit-codes.md).
enum class ErrorCategory : int {
  ok = 0,                 ///< exit 0
  general = 1,            ///< exit 1: bad input, bad plugin, local I/O, anything else
  profile_not_found = 2,  ///< exit 2
  auth_failed = 3,        ///< exit 3: the identity provider said no (or a user cancelled sign-in)
  network = 4,            ///< exit 4: connection refused, DNS, TLS, reset, unusable response transport
  timeout = 5,            ///< exit 5: --timeout or a code's lifetime ran out
};

/// The exit code the documentation gives for a category.
constexpr int exit_code_for(ErrorCategory c) noexcept { return static_cast<int>(c); }

/// Success, or a category and a one-line message meant for the user (never holding a secret).
class Status {
 public:
  Status() = default;
  static Status ok() { return Status(); }
  static Status error(ErrorCategory category, std::string message) {
    return Status(category == ErrorCategory::ok ? ErrorCategory::general : category, std::move(message));
  }
  static Status general(std::string m) { return error(ErrorCategory::general, std::move(m)); }
  static Status auth_failed(std::string m) { return error(ErrorCategory::auth_failed, std::move(m)); }
  static Status network(std::string m) { return error(ErrorCategory::network, std::move(m)); }
  static Status timeout(std::string m) { return error(ErrorCategory::timeout, std::move(m)); }

  bool is_ok() const noexcept { return category_ == ErrorCategory::ok; }
  explicit operator bool() const noexcept { return is_ok(); }
  ErrorCategory category() const noexcept { return category_; }
  const std::string& message() const noexcept { return message_; }
  int exit_code() const noexcept { return exit_code_for(category_); }

 private:
  Status(ErrorCategory c, std::string m) : category_(c), message_(std::move(m)) {}
  ErrorCategory category_ = ErrorCategory::ok;
  std::string message_;
};

/// A value or the Status that explains why there is none.
template <class T>
class Result {
 public:
  Result(T value) : value_(std::move(value)) {}                      // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {                 // NOLINT: implicit by design
    if (status_.is_ok()) status_ = Status::general("internal error: empty result");
  }
  bool is_ok() const noexcept { return value_.has_value(); }
  explicit operator bool() const noexcept { return is_ok(); }
  const Status& status() const noexcept { return status_; }
  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }
  T& operator*() & { return *value_; }
  const T& operator*() const& { return *value_; }

 private:
  std::optional<T> value_;
  Status status_;
};

}  // namespace entratool::sdk
