// The `env` output format: POSIX shell assignments, for eval "$(entratool get-token -o env)".
// Every value is single-quoted (a quote inside becomes '\''), so no character of a token, however
// odd, is ever interpreted by the shell.
#include <memory>
#include <string>
#include <string_view>

#include "entratool/sdk/plugin.h"
#include "entratool/support/encoding.h"

namespace {

using entratool::sdk::FormatContext;
using entratool::sdk::Result;
using entratool::sdk::Status;
using entratool::sdk::TokenResponse;

std::string shell_quoted(std::string_view s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'')
      out += "'\\''";
    else
      out += c;
  }
  return out + "'";
}

class EnvFormatter final : public entratool::sdk::Formatter {
 public:
  Result<std::string> format_token(const TokenResponse& token, const FormatContext&) override {
    if (token.access_token.find('\0') != std::string::npos)
      return Status::general("the access token contains a NUL byte, which no shell variable can hold");
    return "export ACCESS_TOKEN=" + shell_quoted(token.access_token) + "\n" +
           "export ACCESS_TOKEN_EXPIRES_ON=" + shell_quoted(entratool::support::format_utc_iso8601(token.expires_at)) +
           "\n";
  }
  bool shows_documents() const override { return false; }
};

Status register_env(entratool::sdk::Registrar& registrar) {
  return registrar.add_formatter("env", std::make_unique<EnvFormatter>());
}

}  // namespace

ENTRATOOL_PLUGIN(register_env)
