#pragma once
/// \file formatter.h
/// Renders a token (get-token, refresh) or a JSON document (inspect, plugins list) for stdout.

#include <chrono>
#include <string>
#include <string_view>

#include "entratool/sdk/status.h"
#include "entratool/sdk/token.h"

namespace entratool::sdk {

struct FormatContext {
  std::chrono::system_clock::time_point now;  ///< for expires_in
};

/// Stateless; the host owns the instance through the plugin's registration.
class Formatter {
 public:
  virtual ~Formatter() = default;
  /// The complete text to print, including its final newline.
  /// Fields (spec README): token_type, scope, expires_in, access_token, refresh_token (only when
  /// present), expires_at (UTC ISO 8601 with 'Z').
  virtual Result<std::string> format_token(const TokenResponse& token, const FormatContext& ctx) = 0;
  /// Renders a JSON document (already validated by the host, key order to be kept). A format
  /// that cannot show documents returns an error saying so.
  virtual Result<std::string> format_document(std::string_view json) = 0;
};

}  // namespace entratool::sdk
