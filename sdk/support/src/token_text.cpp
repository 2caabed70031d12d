#include "entratool/support/token_text.h"

#include "entratool/support/json.h"

namespace entratool::support {

const char* first_non_utf8_field(const sdk::TokenResponse& token) {
  if (!json::is_valid_utf8(token.token_type)) return "token_type";
  for (const auto& scope : token.scopes)
    if (!json::is_valid_utf8(scope)) return "scope";
  if (!json::is_valid_utf8(token.access_token)) return "access_token";
  if (!json::is_valid_utf8(token.refresh_token)) return "refresh_token";
  return nullptr;
}

}  // namespace entratool::support
