// `get-token`: the product's main job. Flags → AcquireOptions → acquire_token (cache, lock, flow)
// → the formatter plugin → stdout or --file. stdout carries only the requested output; status
// lines go to stderr through the console and disappear under --silent.
#include <algorithm>
#include <cctype>
#include <ostream>

#include "acquire.h"
#include "cli.h"
#include "commands.h"
#include "context.h"
#include "entratool/sdk/encoding.h"
#include "entratool/sdk/files.h"
#include "entratool/sdk/formatter.h"
#include "plugin_registry.h"
#include "services.h"

namespace entratool::host {

namespace {

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

sdk::Result<std::chrono::milliseconds> duration_flag(const ArgParser& parser, std::string_view name,
                                                     std::chrono::milliseconds fallback, bool allow_zero) {
  auto text = parser.value(name);
  if (!text) return fallback;
  auto d = sdk::parse_duration(*text);
  if (!d || (!allow_zero && d->count() == 0))
    return sdk::Status::general("invalid --" + std::string(name) + " '" + *text + "': use a duration such as 30s, 2m or 1h" +
                                (allow_zero ? "" : " (more than zero)"));
  return *d;
}

// Checked against the manifests before any network call, so a typo costs nothing. The guide's
// old `-o token.txt` meant "write to a file"; say how to do that now.
sdk::Status check_output_format(Context& ctx, const std::string& format) {
  const PluginCandidate* c = ctx.plugins().find(format);
  if (c && c->kind == "formatter") return sdk::Status::ok();
  if (format.find_first_of("./") != std::string::npos)
    return sdk::Status::general("unknown output format '" + format + "'; to write to a file use --file " + format);
  std::string available;
  for (const auto& id : ctx.plugins().ids_of_kind("formatter")) available += (available.empty() ? "" : ", ") + id;
  return sdk::Status::general("unknown output format '" + format + "' (available: " +
                              (available.empty() ? std::string("none found") : available) + ")");
}

}  // namespace

sdk::Status cmd_get_token(Context& ctx, const Args& args) {
  ArgParser parser("entratool get-token", "Get an access token for a profile, from the cache while it is still valid.");
  parser.option("profile", 'p', "NAME", "Profile to use (default: the default profile, else the AZURE_* environment)")
      .option("scope", 's', "SCOPES", "Scopes, space- or comma-separated; overrides the profile's")
      .option("flow", 'f', "FLOW", "client-credentials, interactive, device-code or authorization-code (any spelling)")
      .option("output", 'o', "FORMAT", "token (default), json, yaml, or the id of any formatter plugin")
      .flag("json", 0, "Same as --output json")
      .option("file", 0, "PATH", "Write the output to PATH (mode 0600) instead of stdout")
      .flag("silent", 'q', "Print nothing but the token (no status lines)")
      .flag("force", 0, "Get a new token even when a cached one is valid (the new one is cached)")
      .flag("no-cache", 0, "Neither read nor write the token cache")
      .option("timeout", 0, "DURATION", "Give up after this long, e.g. 30s or 2m (default 60s; exit 5)")
      .option("min-validity", 0, "DURATION", "A cached token needs at least this much time left (default 5m)")
      .option("authority-host", 0, "URL", "Authority host (default: the profile's, AZURE_AUTHORITY_HOST, or the public cloud)")
      .option("cloud", 0, "NAME", "Sovereign cloud: public, usgov or china")
      .option("ca-bundle", 0, "FILE", "Extra CA certificates (PEM) to trust (also ENTRATOOL_CA_BUNDLE, SSL_CERT_FILE)")
      .flag("no-browser", 0, "Print the sign-in URL instead of opening a browser (user flows)")
      .epilog(
          "Without -p, the default profile is used; with none set, AZURE_TENANT_ID, AZURE_CLIENT_ID and\n"
          "AZURE_CLIENT_SECRET (or AZURE_CLIENT_CERTIFICATE_PATH and AZURE_CLIENT_CERTIFICATE_PASSWORD)\n"
          "work as an implicit profile.\n"
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

  const bool silent = parser.has("silent");
  ctx.services().set_silent(silent);

  std::string format = lower(parser.value("output").value_or(""));
  if (parser.has("json")) {
    if (!format.empty() && format != "json")
      return sdk::Status::general("--json and --output " + format + " ask for different formats; give one");
    format = "json";
  }
  if (parser.has("output") && format.empty())
    return sdk::Status::general("flag '--output' needs a format: token, json, yaml, or a formatter plugin's id");
  if (format.empty()) format = "token";

  AcquireOptions options;
  options.profile = parser.value("profile").value_or("");
  if (parser.has("profile") && options.profile.empty()) return sdk::Status::general("flag '--profile' needs a profile name");
  for (const auto& text : parser.values("scope"))
    for (auto& s : split_scopes(text))
      if (std::find(options.scopes.begin(), options.scopes.end(), s) == options.scopes.end()) options.scopes.push_back(s);
  if (parser.has("scope") && options.scopes.empty()) return sdk::Status::general("flag '--scope' needs at least one scope");
  options.flow = parser.value("flow").value_or("");
  if (parser.has("flow") && options.flow.empty()) return sdk::Status::general("flag '--flow' needs a flow name");
  options.authority_host = parser.value("authority-host").value_or("");
  options.cloud = parser.value("cloud").value_or("");
  options.ca_bundle = parser.value("ca-bundle").value_or("");
  options.force = parser.has("force");
  options.no_cache = parser.has("no-cache");
  options.no_browser = parser.has("no-browser");
  auto timeout = duration_flag(parser, "timeout", std::chrono::seconds(60), false);
  if (!timeout) return timeout.status();
  options.timeout = *timeout;
  auto min_validity = duration_flag(parser, "min-validity", std::chrono::minutes(5), true);
  if (!min_validity) return min_validity.status();
  options.min_validity = std::chrono::duration_cast<std::chrono::seconds>(*min_validity);
  const std::string file = parser.value("file").value_or("");
  if (parser.has("file") && file.empty()) return sdk::Status::general("flag '--file' needs a path");

  if (auto s = check_output_format(ctx, format); !s) return s;

  auto acquired = acquire_token(ctx, options);
  if (!acquired) return acquired.status();

  auto formatter = ctx.plugins().formatter(format);
  if (!formatter) return formatter.status();
  sdk::Result<std::string> text = sdk::Status::general("formatter '" + format + "' returned nothing");
  try {
    text = (*formatter)->format_token(acquired->token, sdk::FormatContext{ctx.services().clock().now()});
  } catch (...) {
    return sdk::Status::general("formatter plugin '" + format + "' failed (it threw an exception)");
  }
  if (!text) return text.status();

  if (!file.empty()) {
    if (auto s = sdk::files::atomic_write(file, *text, 0600); !s) return s;
    if (!silent) ctx.out << "Token written to " << file << "\n";
    return sdk::Status::ok();
  }
  ctx.out << *text;
  return sdk::Status::ok();
}

}  // namespace entratool::host
