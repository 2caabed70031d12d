#pragma once
/// \file formatter.h
/// An output format, as a C++ interface (header-only; crosses the boundary as et_formatter).

#include <chrono>
#include <string>
#include <string_view>

#include "entratool/sdk/status.h"
#include "entratool/sdk/token.h"

namespace entratool::sdk {

struct FormatContext {
  std::chrono::system_clock::time_point now;  ///< for expires_in
};

/// Stateless; the plugin owns the instance until exit.
class Formatter {
 public:
  virtual ~Formatter() = default;
  /// The complete text to print, including its final newline. Fields (spec README):
  /// token_type, scope, expires_in, access_token, refresh_token (only when present), expires_at.
  virtual Result<std::string> format_token(const TokenResponse& token, const FormatContext& ctx) = 0;
  /// False for a format that shows tokens only (the host then says which formats can).
  virtual bool shows_documents() const { return true; }
  /// Renders a JSON document (validated by the host; keep its key order).
  virtual Result<std::string> format_document(std::string_view /*json*/) {
    return Status::general("this format shows access tokens only");
  }
  /// Another interface this component offers beyond this one, by id with a version suffix
  /// ("vendor.vault.rotate/1"; CLAP's get_extension), or nullptr. What it returns is a C struct
  /// starting with its size, owned by the plugin and valid until exit.
  virtual const void* extension(std::string_view /*id*/) const { return nullptr; }
};

}  // namespace entratool::sdk
