// The `json` output format. Token responses are built with Poco JSON in the reference page's field
// order. Documents are re-indented with the SDK's JSON value instead, because Poco 1.11 does not
// keep them intact: it rejects integers beyond 64 bits and exponents beyond double range, rewrites
// 1.5e3 as 1500, and cannot parse a top-level scalar. The SDK value keeps member order and the
// exact text of every number, and its pretty form matches Poco's ("key": value, two spaces).
#include <Poco/JSON/Object.h>

#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>

#include "entratool/sdk/plugin.h"
#include "entratool/support/encoding.h"
#include "entratool/support/json.h"
#include "entratool/support/token_text.h"

namespace {

using entratool::sdk::FormatContext;
using entratool::sdk::Result;
using entratool::sdk::Status;
using entratool::sdk::TokenResponse;
namespace json = entratool::support::json;

constexpr int kIndent = 2;

std::string join_scopes(const TokenResponse& token) {
  std::string out;
  for (const auto& scope : token.scopes) {
    if (!out.empty()) out += ' ';
    out += scope;
  }
  return out;
}

// Poco and yaml-cpp copy invalid UTF-8 through unchanged, which would print text no reader accepts.
Status check_utf8(const TokenResponse& token) {
  if (const char* field = entratool::support::first_non_utf8_field(token))
    return Status::general(std::string("the token response's ") + field + " is not valid UTF-8");
  return Status::ok();
}

class JsonFormatter final : public entratool::sdk::Formatter {
 public:
  Result<std::string> format_token(const TokenResponse& token, const FormatContext& ctx) override {
    try {
      const std::string scope = join_scopes(token);
      if (auto status = check_utf8(token); !status) return status;
      Poco::JSON::Object object(Poco::JSON_PRESERVE_KEY_ORDER);
      object.set("token_type", token.token_type);
      object.set("scope", scope);
      object.set("expires_in", static_cast<Poco::Int64>(entratool::sdk::seconds_left(token, ctx.now)));
      object.set("access_token", token.access_token);
      if (!token.refresh_token.empty()) object.set("refresh_token", token.refresh_token);
      object.set("expires_at", entratool::support::format_utc_iso8601(token.expires_at));
      std::ostringstream out;
      object.stringify(out, kIndent);
      out << '\n';
      return out.str();
    } catch (const std::exception& e) {  // Poco::Exception derives from std::exception; none may escape
      return Status::general(std::string("json formatter: ") + e.what());
    }
  }

  Result<std::string> format_document(std::string_view text) override {
    try {
      auto value = json::parse(text);
      if (!value) return value.status();
      return json::serialize(*value, kIndent) + "\n";
    } catch (const std::exception& e) {  // nothing may cross into the host
      return Status::general(std::string("json formatter: ") + e.what());
    }
  }
};

Status register_json(entratool::sdk::Registrar& registrar) {
  return registrar.add_formatter("json", std::make_unique<JsonFormatter>());
}

}  // namespace

ENTRATOOL_PLUGIN(register_json)
