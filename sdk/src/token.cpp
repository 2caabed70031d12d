#include "entratool/sdk/token.h"

#include "entratool/support/json.h"

namespace entratool::sdk {

const char* first_non_utf8_field(const TokenResponse& token) {
  if (!support::json::is_valid_utf8(token.token_type)) return "token_type";
  for (const auto& scope : token.scopes)
    if (!support::json::is_valid_utf8(scope)) return "scope";
  if (!support::json::is_valid_utf8(token.access_token)) return "access_token";
  if (!support::json::is_valid_utf8(token.refresh_token)) return "refresh_token";
  return nullptr;
}

}  // namespace entratool::sdk
