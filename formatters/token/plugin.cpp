// The `token` output format: the access token and a newline, nothing else, so that
// TOKEN=$(entratool get-token) captures exactly the token. It shows tokens only: for documents
// (inspect, plugins list) the host points to -o json and -o yaml.
#include <memory>
#include <string>

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
  bool shows_documents() const override { return false; }
};

Status register_token(entratool::sdk::Registrar& registrar) {
  return registrar.add_formatter("token", std::make_unique<TokenFormatter>());
}

}  // namespace

ENTRATOOL_PLUGIN(register_token)
