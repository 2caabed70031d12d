#pragma once
/// \file token.h
/// What a flow returns and what formatters and the token cache consume (header-only; crosses the
/// boundary as et_token).

#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace entratool::sdk {

/// One token endpoint response, normalised. Plain value type: copy freely.
struct TokenResponse {
  std::string access_token;                          ///< never empty in a successful response
  std::string token_type = "Bearer";                 ///< as the provider sent it
  std::chrono::system_clock::time_point expires_at;  ///< absolute UTC expiry
  std::vector<std::string> scopes;                   ///< granted scopes (the request's when the provider omits them)
  std::string refresh_token;                         ///< empty when none was issued
  std::string id_token;                              ///< empty when none was issued
  /// Other top-level response fields as (name, raw JSON text of the value), in response order,
  /// e.g. {"ext_expires_in","3599"} or {"refresh_in","1800"}.
  std::vector<std::pair<std::string, std::string>> extra;
};

/// Seconds left until `t.expires_at` at `now`, never negative.
inline long long seconds_left(const TokenResponse& t, std::chrono::system_clock::time_point now) {
  auto left = std::chrono::duration_cast<std::chrono::seconds>(t.expires_at - now).count();
  return left < 0 ? 0 : left;
}

}  // namespace entratool::sdk
