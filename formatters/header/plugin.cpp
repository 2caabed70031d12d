// The `header` output format: "Authorization: <type> <token>", for
//   entratool get-token -o header | curl -H @- https://graph.microsoft.com/v1.0/me
// A token with a CR, LF or other control character would split the header (or smuggle a second
// one), so it is refused rather than printed.
#include <memory>
#include <string>

#include "entratool/sdk/plugin.h"

namespace {

using entratool::sdk::FormatContext;
using entratool::sdk::Result;
using entratool::sdk::Status;
using entratool::sdk::TokenResponse;

bool header_safe(const std::string& s) {
  for (char c : s)
    if (static_cast<unsigned char>(c) < 0x21 || static_cast<unsigned char>(c) > 0x7e) return false;
  return !s.empty();
}

class HeaderFormatter final : public entratool::sdk::Formatter {
 public:
  Result<std::string> format_token(const TokenResponse& token, const FormatContext&) override {
    // RFC 6750 names the scheme "Bearer"; providers send "bearer" or "Bearer" as token_type.
    std::string scheme = token.token_type.empty() ? "Bearer" : token.token_type;
    if (scheme.size() == 6 && (scheme[0] | 0x20) == 'b' && scheme.substr(1) == "earer") scheme = "Bearer";
    if (!header_safe(token.access_token) || !header_safe(scheme))
      return Status::general("the token holds characters an HTTP header cannot carry; use -o json");
    return "Authorization: " + scheme + " " + token.access_token + "\n";
  }
  bool shows_documents() const override { return false; }
};

Status register_header(entratool::sdk::Registrar& registrar) {
  return registrar.add_formatter("header", std::make_unique<HeaderFormatter>());
}

}  // namespace

ENTRATOOL_PLUGIN(register_header)
