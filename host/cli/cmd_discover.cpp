// `discover`: a human summary of a token (audience, dates, permissions, identity) whose exit code
// scripts can test: 0 when well-formed and usable now, 1 when expired, not yet valid or malformed.
#include <algorithm>
#include <cctype>

#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/token_input.h"
#include "core/context.h"
#include "core/jwt.h"
#include "entratool/sdk/host_services.h"
#include "entratool/support/encoding.h"
#include "entratool/support/json.h"
#include "services/services.h"

namespace entratool::host {

namespace {

// The summary's claims as sent (so `jq .exp` gets the number), plus what discover decided.
support::json::Value summary_document(const support::json::Value& payload, const sdk::Status& verdict,
                                      std::chrono::system_clock::time_point now) {
  using support::json::Value;
  static const char* const kClaims[] = {"aud",         "iss",   "iat",  "nbf", "exp", "scp",
                                        "roles",       "appid", "azp",  "tid", "upn", "preferred_username",
                                        "unique_name", "email", "name", "oid"};
  Value doc = Value::object();
  for (const char* claim : kClaims)
    if (const Value* v = payload.find(claim)) doc.set(claim, *v);
  const Value* exp = payload.find("exp");
  auto exp_seconds = exp ? exp->as_int() : std::nullopt;
  constexpr long long kYear9999 = 253402300799;  // gmtime's safe range, as in the text summary
  if (exp_seconds && *exp_seconds >= 0 && *exp_seconds <= kYear9999) {
    doc.set("expires_at",
            Value::string(support::format_utc_iso8601(std::chrono::system_clock::from_time_t(*exp_seconds))));
    long long left = *exp_seconds - std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
    doc.set("seconds_remaining", Value::number(std::max(0LL, left)));
  }
  doc.set("valid", Value::boolean(verdict.is_ok()));
  if (!verdict.is_ok()) doc.set("reason", Value::string(verdict.message()));
  return doc;
}

}  // namespace

sdk::Status cmd_discover(Context& ctx, const Args& args) {
  ArgParser parser("entratool discover",
                   "Summarise a token: audience, expiry, scopes or roles, application, tenant, user.",
                   "[TOKEN | -t TOKEN | -f FILE | -p PROFILE]");
  declare_token_source_flags(parser);
  parser.option("output", 'o', "FORMAT",
                "text (default), or json: the summarised claims as sent, plus expires_at,\n"
                "                            seconds_remaining and valid (e.g. for jq .exp)");
  parser.epilog(
      "Exit codes: 0 when the token is well-formed and not expired, 1 when it is expired, not yet\n"
      "valid, or malformed (the reason goes to standard error). The signature is not verified.\n"
      "\nExamples:\n"
      "  entratool discover -t \"$TOKEN\"\n"
      "  entratool discover -f token.txt >/dev/null && echo usable\n"
      "  entratool discover -t \"$TOKEN\" -o json | jq .exp\n");
  if (auto s = parser.parse(args, 1); !s) return s;
  if (parser.help_requested()) {
    ctx.out << parser.help_text();
    return sdk::Status::ok();
  }

  std::string format = parser.value("output").value_or("text");
  std::transform(format.begin(), format.end(), format.begin(), [](unsigned char c) { return std::tolower(c); });
  if (format != "text" && format != "json")
    return sdk::Status::general("unknown output format '" + format + "' for discover (text or json)");

  auto text = read_token_input(ctx, parser, "discover");
  if (!text) return text.status();
  auto token = jwt::decode(*text);
  if (!token) return token.status();
  auto summary = jwt::summarize(token->payload, ctx.services().clock().now());
  if (!summary) return summary.status();
  // The summary is what was asked for even when the token is expired; the verdict is the exit code.
  if (format == "json") {
    ctx.out << support::json::serialize(
                   summary_document(token->payload, summary->verdict, ctx.services().clock().now()), 2)
            << "\n";
  } else {
    ctx.out << summary->text;
  }
  return summary->verdict;
}

}  // namespace entratool::host
