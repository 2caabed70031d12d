// `inspect`: decodes a token and prints {"header", "payload", "signature"}. The signature is
// shown as sent and never verified, and nothing printed suggests otherwise.
#include <cctype>

#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/token_input.h"
#include "core/context.h"
#include "core/jwt.h"
#include "entratool/sdk/formatter.h"
#include "entratool/support/json.h"
#include "plugins/plugin_registry.h"

namespace entratool::host {

sdk::Status cmd_inspect(Context& ctx, const Args& args) {
  ArgParser parser("entratool inspect", "Decode a token and print its header, payload and signature as JSON.",
                   "[TOKEN | -t TOKEN | -f FILE | -p PROFILE] [-o FORMAT]");
  declare_token_source_flags(parser);
  parser.option("output", 'o', "FORMAT", "json (default), yaml, or the id of any formatter plugin")
      .epilog(
          "The token may carry a 'Bearer ' prefix and surrounding whitespace. With no token given,\n"
          "it is read from standard input when that is not a terminal.\n"
          "The signature is printed as sent: inspect decodes, it does not verify.\n"
          "\nExamples:\n"
          "  entratool inspect -f token.txt\n"
          "  entratool get-token -p myprofile --silent | entratool inspect\n"
          "  entratool inspect -t \"$TOKEN\" | jq -r .payload.aud\n");
  if (auto s = parser.parse(args, 1); !s) return s;
  if (parser.help_requested()) {
    ctx.out << parser.help_text();
    return sdk::Status::ok();
  }

  std::string format = parser.value("output").value_or("json");
  for (char& c : format) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (format.empty())
    return sdk::Status::general("flag '--output' needs a format: json, yaml, or a formatter plugin's id");

  auto text = read_token_input(ctx, parser);
  if (!text) return text.status();
  auto token = jwt::decode(*text);
  if (!token) return token.status();
  support::json::Value document = jwt::to_document(*token);

  if (format == "json") {
    ctx.out << support::json::serialize(document, 2) << "\n";
    return sdk::Status::ok();
  }
  auto formatter = ctx.plugins().formatter(format);
  if (!formatter) return formatter.status();
  sdk::Result<std::string> rendered = sdk::Status::general("formatter '" + format + "' returned nothing");
  try {
    rendered = (*formatter)->format_document(support::json::serialize(document));
  } catch (...) {
    return sdk::Status::general("formatter plugin '" + format + "' failed (it threw an exception)");
  }
  if (!rendered) return rendered.status();
  ctx.out << *rendered;
  return sdk::Status::ok();
}

}  // namespace entratool::host
