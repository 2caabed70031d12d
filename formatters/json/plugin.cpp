// The `json` output format. Token responses are written here in the reference page's field order,
// escaped exactly as the earlier Poco JSON writer did (so output is byte-for-byte the same);
// documents are re-indented with the SDK's JSON value, which keeps member order and the exact text
// of every number (Poco 1.11 did not: it rejected integers beyond 64 bits, rewrote 1.5e3 as 1500
// and could not parse a top-level scalar). No third-party library: loading Poco JSON with PCRE
// and zlib cost more than the rest of a cached get-token.
#include <cstdio>
#include <memory>
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

// A JSON string literal as the token output has always spelled it: the two-character escapes for
// \b \t \n \f \r, \uXXXX (upper-case hex) for the other control characters, '"' and '\\'
// escaped, everything else (UTF-8 included, checked before) as it is.
void append_quoted(std::string& out, std::string_view s) {
  out += '"';
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04X", c);
          out += buf;
        } else {
          out += ch;
        }
    }
  }
  out += '"';
}

// Invalid UTF-8 copied through would print text no reader accepts.
Status check_utf8(const TokenResponse& token) {
  if (const char* field = entratool::support::first_non_utf8_field(token))
    return Status::general(std::string("the token response's ") + field + " is not valid UTF-8");
  return Status::ok();
}

class JsonFormatter final : public entratool::sdk::Formatter {
 public:
  Result<std::string> format_token(const TokenResponse& token, const FormatContext& ctx) override {
    try {
      if (auto status = check_utf8(token); !status) return status;
      std::string out = "{\n";
      auto member = [&out](std::string_view key, std::string_view value, bool quoted, bool last = false) {
        out.append(kIndent, ' ');
        append_quoted(out, key);
        out += ": ";
        if (quoted)
          append_quoted(out, value);
        else
          out += value;
        out += last ? "\n" : ",\n";
      };
      member("token_type", token.token_type, true);
      member("scope", join_scopes(token), true);
      member("expires_in", std::to_string(entratool::sdk::seconds_left(token, ctx.now)), false);
      member("access_token", token.access_token, true);
      if (!token.refresh_token.empty()) member("refresh_token", token.refresh_token, true);
      member("expires_at", entratool::support::format_utc_iso8601(token.expires_at), true, true);
      out += "}\n";
      return out;
    } catch (const std::exception& e) {  // nothing may cross into the host
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
