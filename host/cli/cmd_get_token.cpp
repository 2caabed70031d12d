// `get-token`: the product's main job. Flags → AcquireOptions → acquire_token (cache, lock, flow)
// → the formatter plugin → stdout or --file. stdout carries only the requested output; status
// lines go to stderr through the console and disappear under --silent.
#include <unistd.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/time_text.h"
#include "cli/token_command.h"
#include "core/acquire.h"
#include "core/context.h"
#include "entratool/support/encoding.h"
#include "entratool/support/json.h"
#include "plugins/plugin_registry.h"
#include "services/clipboard.h"
#include "services/services.h"

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

// --copy, or config.json's "copy_to_clipboard": true when the token would otherwise be printed on
// a terminal (a script reading stdout is never surprised by it).
sdk::Result<bool> wants_copy(Context& ctx, const ArgParser& parser) {
  if (parser.has("copy") && parser.has("no-copy")) return sdk::Status::general("give --copy or --no-copy, not both");
  if (parser.has("copy")) return true;
  if (parser.has("no-copy") || parser.has("output") || parser.has("json") || parser.has("file") || !::isatty(1))
    return false;
  auto settings = ctx.settings();
  if (!settings) return settings.status();
  if (!*settings) return false;
  const auto* v = (*settings)->find("copy_to_clipboard");
  if (!v) return false;
  if (!v->is_bool())
    return sdk::Status::general("'" + ctx.config_dir() + "/config.json': \"copy_to_clipboard\" must be true or false");
  return v->as_bool();
}

std::string join_scopes(const std::vector<std::string>& scopes) {
  std::string out;
  for (const auto& s : scopes) out.append(out.empty() ? "" : " ").append(s);
  return out;
}

// The tutorial's summary (000, step 5), on stderr; the token itself is only on the clipboard.
sdk::Status copy_token(Context& ctx, const Acquired& acquired, bool silent, bool cached) {
  auto tool = copy_to_clipboard(acquired.token.access_token);
  if (!tool) {
    if (!cached) return sdk::Status::general(tool.status().message() + "; nothing was cached (--no-cache)");
    const std::string again = acquired.profile == kEnvironmentProfileName
                                  ? std::string("entratool get-token --no-copy")
                                  : "entratool get-token -p " + acquired.profile + " --no-copy";
    return sdk::Status::general(tool.status().message() + "; the token is cached: '" + again + "' prints it");
  }
  if (silent) return sdk::Status::ok();
  if (!::isatty(2)) {
    ctx.err << "Token copied to clipboard (" << *tool << ").\n";
    return sdk::Status::ok();
  }
  const auto& t = acquired.token;
  ctx.err << "\u2713 Token retrieved successfully\n"
          << "  Expires: " << utc_time_text(t.expires_at) << " ("
          << minutes_left_text(sdk::seconds_left(t, ctx.services().clock().now())) << ")\n"
          << "  Scopes: " << join_scopes(t.scopes) << "\n"
          << "  Token Type: " << (t.token_type.empty() ? std::string("Bearer") : t.token_type) << "\n"
          << "  Token copied to clipboard!\n";
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
      .option("min-validity", 0, "DURATION", "A cached token needs at least this much time left (default 5m)")
      .flag("copy", 'c', "Copy the access token to the clipboard instead of printing it")
      .flag("no-copy", 0, "Print the token even when config.json sets \"copy_to_clipboard\": true");
  add_authority_flags(parser, true);
  parser.flag("no-browser", 0, "Print the sign-in URL instead of opening a browser (user flows)")
      .option("claims", 0, "JSON",
              "A claims request from a WWW-Authenticate challenge (Conditional Access, CAE); skips the cache")
      .epilog(
          "Without -p, the default profile is used; with none set, AZURE_TENANT_ID, AZURE_CLIENT_ID and\n"
          "AZURE_CLIENT_SECRET (or AZURE_CLIENT_CERTIFICATE_PATH and AZURE_CLIENT_CERTIFICATE_PASSWORD)\n"
          "work as an implicit profile; so do AZURE_FEDERATED_TOKEN_FILE (workload identity) and GitHub\n"
          "Actions' ACTIONS_ID_TOKEN_REQUEST_URL/_TOKEN with AZURE_TENANT_ID and AZURE_CLIENT_ID.\n"
          "\nWith --copy (or \"copy_to_clipboard\": true in config.json, when stdout is a terminal and no\n"
          "--output or --file is given) the token goes to the clipboard (wl-copy, xclip, xsel, pbcopy or\n"
          "clip.exe) and not to stdout unless --output or --file asks for it too.\n"
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

  auto copy = wants_copy(ctx, parser);
  if (!copy) return copy.status();
  if (*copy) {
    if (auto s = check_clipboard_tool(); !s) return s;  // before any provider call
  }

  auto acquired = acquire_token(ctx, options);
  if (!acquired) return acquired.status();
  if (!*copy) return print_token(ctx, acquired->token, *output);
  if (auto s = copy_token(ctx, *acquired, output->silent, !options.no_cache); !s) return s;
  if (parser.has("output") || parser.has("json") || parser.has("file"))
    return print_token(ctx, acquired->token, *output);
  return sdk::Status::ok();
}

}  // namespace entratool::host
