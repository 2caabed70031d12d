#pragma once
/// \file status.h
/// Errors as values for C++ plugin code (header-only; crosses the boundary as et_status).
/// A Status is success, or a category (= exit code), a machine-readable code and a one-line
/// message for the user that never holds a secret.

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
  network = 4,            ///< exit 4: connection refused, DNS, TLS, reset, unusable response
  timeout = 5,            ///< exit 5: --timeout or a code's lifetime ran out
};

/// The exit code the documentation gives for a category.
constexpr int exit_code_for(ErrorCategory c) noexcept { return static_cast<int>(c); }

/// Machine-readable codes the host and the in-tree plugins use (any short ASCII word is allowed;
/// OAuth errors keep the provider's `error`, e.g. "invalid_grant", "authorization_pending").
namespace codes {
inline constexpr const char* kInvalidGrant = "invalid_grant";
inline constexpr const char* kInteractionRequired = "interaction_required";
inline constexpr const char* kNotFound = "not_found";
inline constexpr const char* kStoreLocked = "store_locked";
inline constexpr const char* kCancelled = "cancelled";
inline constexpr const char* kPluginException = "plugin_exception";
inline constexpr const char* kUnsupported = "unsupported";
}  // namespace codes

class Status {
 public:
  Status() = default;
  static Status ok() { return Status(); }
  static Status error(ErrorCategory category, std::string message, std::string code = {}) {
    return Status(category == ErrorCategory::ok ? ErrorCategory::general : category, std::move(message),
                  std::move(code));
  }
  static Status general(std::string m) { return error(ErrorCategory::general, std::move(m)); }
  static Status auth_failed(std::string m) { return error(ErrorCategory::auth_failed, std::move(m)); }
  static Status network(std::string m) { return error(ErrorCategory::network, std::move(m)); }
  static Status timeout(std::string m) { return error(ErrorCategory::timeout, std::move(m)); }

  bool is_ok() const noexcept { return category_ == ErrorCategory::ok; }
  explicit operator bool() const noexcept { return is_ok(); }
  ErrorCategory category() const noexcept { return category_; }
  /// Machine-readable: "invalid_grant", "not_found", ...; empty when none was given.
  const std::string& code() const noexcept { return code_; }
  const std::string& message() const noexcept { return message_; }
  int exit_code() const noexcept { return exit_code_for(category_); }
  /// The same error with another message (code and category kept).
  Status with_message(std::string m) const { return Status(category_, std::move(m), code_); }
  /// The same error with a code.
  Status with_code(std::string c) const { return Status(category_, message_, std::move(c)); }

 private:
  Status(ErrorCategory c, std::string m, std::string code)
      : category_(c), message_(std::move(m)), code_(std::move(code)) {}
  ErrorCategory category_ = ErrorCategory::ok;
  std::string message_;
  std::string code_;
};

/// A value or the Status that explains why there is none.
template <class T>
class Result {
 public:
  Result(T value) : value_(std::move(value)) {}         // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {  // NOLINT: implicit by design
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
