// The `token` output format: the access token and a newline, nothing else, so that
// TOKEN=$(entratool get-token) captures exactly the token.
#include <memory>
#include <string>
#include <string_view>

#include "entratool/sdk/formatter.h"
#include "entratool/sdk/plugin.h"

namespace {

using entratool::sdk::FormatContext;
using entratool::sdk::Result;
using entratool::sdk::Status;
using entratool::sdk::TokenResponse;

class TokenFormatter final : public entratool::sdk::Formatter {
 public:
  Result<std::string> format_token(const TokenResponse& token, const FormatContext&) override {
    return token.access_token + "\n";
  }

  Result<std::string> format_document(std::string_view) override {
    return Status::general("the token format shows access tokens only; use -o json or -o yaml");
  }
};

Status register_token(entratool::sdk::Registrar& registrar) {
  try {
    return registrar.add_formatter(std::make_unique<TokenFormatter>());
  } catch (const std::exception& e) {  // nothing may cross into the host
    return Status::general(std::string("token formatter: ") + e.what());
  }
}

}  // namespace

ENTRATOOL_PLUGIN("token", "formatter", PLUGIN_VERSION, PLUGIN_DESCRIPTION, &register_token)
