// `discover`: a human summary of a token (audience, dates, permissions, identity) whose exit code
// scripts can test: 0 when well-formed and usable now, 1 when expired, not yet valid or malformed.
#include <ostream>

#include "cli.h"
#include "commands.h"
#include "context.h"
#include "entratool/sdk/host_services.h"
#include "jwt.h"
#include "services.h"
#include "token_input.h"

namespace entratool::host {

sdk::Status cmd_discover(Context& ctx, const Args& args) {
  ArgParser parser("entratool discover",
                   "Summarise a token: audience, expiry, scopes or roles, application, tenant, user.",
                   "[TOKEN | -t TOKEN | -f FILE | -p PROFILE]");
  declare_token_source_flags(parser);
  parser.epilog(
      "Exit codes: 0 when the token is well-formed and not expired, 1 when it is expired, not yet\n"
      "valid, or malformed (the reason goes to standard error). The signature is not verified.\n"
      "\nExamples:\n"
      "  entratool discover -t \"$TOKEN\"\n"
      "  entratool discover -f token.txt >/dev/null && echo usable\n");
  if (auto s = parser.parse(args, 1); !s) return s;
  if (parser.help_requested()) {
    ctx.out << parser.help_text();
    return sdk::Status::ok();
  }

  auto text = read_token_input(ctx, parser);
  if (!text) return text.status();
  auto token = jwt::decode(*text);
  if (!token) return token.status();
  auto summary = jwt::summarize(token->payload, ctx.services().clock().now());
  if (!summary) return summary.status();
  // The summary is what was asked for even when the token is expired; the verdict is the exit code.
  ctx.out << summary->text;
  return summary->verdict;
}

}  // namespace entratool::host
