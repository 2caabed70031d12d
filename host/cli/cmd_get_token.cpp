// `get-token`: the product's main job. Flags → AcquireOptions → acquire_token (cache, lock, flow)
// → the formatter plugin → stdout or --file. stdout carries only the requested output; status
// lines go to stderr through the console and disappear under --silent.
#include <ostream>

#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/token_command.h"
#include "core/acquire.h"
#include "core/context.h"
#include "entratool/support/encoding.h"
#include "entratool/support/json.h"
#include "plugins/plugin_registry.h"

namespace entratool::host {

namespace {

// A claims request is a JSON object (OpenID Connect Core §5.5), e.g. {"access_token":{"acrs":…}}.
sdk::Status check_claims(std::string& claims) {
  auto parsed = support::json::parse(claims);
  if (!parsed) {
    // WWW-Authenticate carries claims="<base64>"; accept that form too.
    auto decoded = support::base64_decode(claims);
    if (decoded) parsed = support::json::parse(*decoded);
    if (!parsed || !parsed->is_object())
      return sdk::Status::general(
          "--claims is not a JSON object (or its base64 form): pass the claims value of the "
          "WWW-Authenticate challenge, e.g. '{\"access_token\":{\"nbf\":{\"essential\":true}}}'");
    claims = *decoded;
  }
  if (!parsed->is_object())
    return sdk::Status::general(
        "--claims must be a JSON object, e.g. '{\"access_token\":{\"nbf\":{\"essential\":true}}}'");
  return sdk::Status::ok();
}

}  // namespace

sdk::Status cmd_get_token(Context& ctx, const Args& args) {
  ArgParser parser("entratool get-token", "Get an access token for a profile, from the cache while it is still valid.");
  parser.option("profile", 'p', "NAME", "Profile to use (default: the default profile, else the AZURE_* environment)")
      .option("scope", 's', "SCOPES", "Scopes, space- or comma-separated; overrides the profile's")
      .option("flow", 'f', "FLOW", "A flow plugin's id or alias, any spelling (see 'entratool plugins list')");
  add_token_output_flags(parser);
  parser.flag("force", 0, "Get a new token even when a cached one is valid (the new one is cached)")
      .flag("no-cache", 0, "Neither read nor write the token cache")
      .option("min-validity", 0, "DURATION", "A cached token needs at least this much time left (default 5m)");
  add_authority_flags(parser, true);
  parser.flag("no-browser", 0, "Print the sign-in URL instead of opening a browser (user flows)")
      .option("claims", 0, "JSON",
              "A claims request from a WWW-Authenticate challenge (Conditional Access, CAE); skips the cache")
      .epilog(
          "Without -p, the default profile is used; with none set, AZURE_TENANT_ID, AZURE_CLIENT_ID and\n"
          "AZURE_CLIENT_SECRET (or AZURE_CLIENT_CERTIFICATE_PATH and AZURE_CLIENT_CERTIFICATE_PASSWORD)\n"
          "work as an implicit profile; so do AZURE_FEDERATED_TOKEN_FILE (workload identity) and GitHub\n"
          "Actions' ACTIONS_ID_TOKEN_REQUEST_URL/_TOKEN with AZURE_TENANT_ID and AZURE_CLIENT_ID.\n"
          "\nExit codes: 0 success, 1 general error, 2 profile not found, 3 authentication failed,\n"
          "4 network error, 5 timeout.\n"
          "\nExamples:\n"
          "  TOKEN=$(entratool get-token -p myapp --silent)\n"
          "  entratool get-token -p myapp --scope https://management.azure.com/.default --output json\n"
          "  entratool get-token -p myapp --file token.txt\n");
  if (auto s = parser.parse(args); !s) return s;
  if (parser.help_requested()) {
    ctx.out << parser.help_text();
    return sdk::Status::ok();
  }

  auto output = read_token_output_flags(ctx, parser);
  if (!output) return output.status();

  AcquireOptions options;
  if (auto s = read_acquire_flags(parser, options); !s) return s;
  options.flow = parser.value("flow").value_or("");
  if (parser.has("flow") && options.flow.empty()) return sdk::Status::general("flag '--flow' needs a flow name");
  if (!options.flow.empty()) {
    const FlowDeclaration* d = ctx.plugins().flow_declaration(ctx.plugins().resolve_flow_name(options.flow));
    if (d && d->refresh_tokens == FlowDeclaration::RefreshTokens::redeems)
      return sdk::Status::general("refresh tokens are used automatically; to refresh now use 'entratool refresh'");
  }
  options.force = parser.has("force");
  options.no_cache = parser.has("no-cache");
  options.no_browser = parser.has("no-browser");
  if (auto v = parser.value("claims")) {
    // Challenges carry it base64-encoded; users paste either form. What goes out is JSON.
    options.claims = *v;
    if (auto s = check_claims(options.claims); !s) return s;
  }
  auto min_validity = read_duration_flag(parser, "min-validity", std::chrono::minutes(5), true);
  if (!min_validity) return min_validity.status();
  options.min_validity = std::chrono::duration_cast<std::chrono::seconds>(*min_validity);

  auto acquired = acquire_token(ctx, options);
  if (!acquired) return acquired.status();
  return print_token(ctx, acquired->token, *output);
}

}  // namespace entratool::host
