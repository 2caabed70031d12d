#include "cli/token_command.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>

#include "cli/cli.h"
#include "core/acquire.h"
#include "core/context.h"
#include "core/profiles.h"
#include "entratool/sdk/formatter.h"
#include "entratool/support/encoding.h"
#include "entratool/support/files.h"
#include "entratool/support/json.h"
#include "plugins/plugin_registry.h"
#include "services/services.h"

namespace entratool::host {

namespace {
std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

sdk::Status check_output_format(Context& ctx, const std::string& format) {
  const PluginCandidate* c = ctx.plugins().find(format);
  if (c && c->kind == "formatter") return sdk::Status::ok();
  if (format.find_first_of("./") != std::string::npos)
    return sdk::Status::general("unknown output format '" + format + "'; to write to a file use --file " + format);
  std::string available;
  for (const auto& id : ctx.plugins().ids_of_kind("formatter")) available += (available.empty() ? "" : ", ") + id;
  return sdk::Status::general("unknown output format '" + format +
                              "' (available: " + (available.empty() ? std::string("none found") : available) + ")");
}
}  // namespace

void add_token_output_flags(ArgParser& parser) {
  parser.option("output", 'o', "FORMAT", "token (default), json, yaml, or the id of any formatter plugin")
      .flag("json", 0, "Same as --output json")
      .option("file", 0, "PATH", "Write the output to PATH (mode 0600) instead of stdout")
      .flag("silent", 'q', "Print nothing but the token (no status lines)");
}

sdk::Result<TokenOutput> read_token_output_flags(Context& ctx, const ArgParser& parser) {
  TokenOutput output;
  output.silent = parser.has("silent");
  ctx.services().set_silent(output.silent);
  std::string format = lower(parser.value("output").value_or(""));
  if (parser.has("json")) {
    if (!format.empty() && format != "json")
      return sdk::Status::general("--json and --output " + format + " ask for different formats; give one");
    format = "json";
  }
  if (parser.has("output") && format.empty())
    return sdk::Status::general("flag '--output' needs a format: token, json, yaml, or a formatter plugin's id");
  if (!format.empty()) output.format = format;
  output.file = parser.value("file").value_or("");
  if (parser.has("file") && output.file.empty()) return sdk::Status::general("flag '--file' needs a path");
  if (auto s = check_output_format(ctx, output.format); !s) return s;
  return output;
}

sdk::Status print_token(Context& ctx, const sdk::TokenResponse& token, const TokenOutput& output) {
  auto formatter = ctx.plugins().formatter(output.format);
  if (!formatter) return formatter.status();
  sdk::Result<std::string> text = sdk::Status::general("formatter '" + output.format + "' returned nothing");
  try {
    text = (*formatter)->format_token(token, sdk::FormatContext{ctx.services().clock().now()});
  } catch (...) {
    return sdk::Status::general("formatter plugin '" + output.format + "' failed (it threw an exception)");
  }
  if (!text) return text.status();
  if (!output.file.empty()) {
    if (auto s = support::files::atomic_write(output.file, *text, 0600); !s) return s;
    if (!output.silent) ctx.out << "Token written to " << output.file << "\n";
    return sdk::Status::ok();
  }
  ctx.out << *text;
  return sdk::Status::ok();
}

void add_authority_flags(ArgParser& parser, bool signs_in) {
  parser
      .option("timeout", 0, "DURATION",
              signs_in ? "Give up after this long, e.g. 30s, 1.5s or 2m30s (default 60s; a sign-in: 5m in a "
                         "browser, a device code until it expires; exit 5)"
                       : "Give up after this long, e.g. 30s, 1.5s or 2m30s (default 60s; exit 5)")
      .option("authority-host", 0, "URL",
              "Authority host (default: the profile's, AZURE_AUTHORITY_HOST, or the public cloud)")
      .option("cloud", 0, "NAME", "Sovereign cloud: public, usgov or china")
      .choices({"public", "usgov", "china"})
      .option("issuer", 0, "URL", "Any OpenID provider: its issuer URL (endpoints from its discovery document)")
      .option("ca-bundle", 0, "FILE", "Extra CA certificates (PEM) to trust (also ENTRATOOL_CA_BUNDLE, SSL_CERT_FILE)");
}

sdk::Status read_acquire_flags(const ArgParser& parser, AcquireOptions& options) {
  options.profile = parser.value("profile").value_or("");
  if (parser.has("profile") && options.profile.empty())
    return sdk::Status::general("flag '--profile' needs a profile name");
  auto scopes = read_scope_flags(parser);
  if (!scopes) return scopes.status();
  options.scopes = std::move(*scopes);
  options.authority_host = parser.value("authority-host").value_or("");
  options.cloud = parser.value("cloud").value_or("");
  if (auto issuer = parser.value("issuer")) {
    if (issuer->empty()) return sdk::Status::general("flag '--issuer' needs a URL");
    options.issuer = std::move(*issuer);
  }
  options.ca_bundle = parser.value("ca-bundle").value_or("");
  auto timeout = read_duration_flag(parser, "timeout", options.timeout, false);
  if (!timeout) return timeout.status();
  options.timeout = *timeout;
  options.timeout_given = parser.has("timeout");
  // kubectl's exec credential protocol: interactive false means nobody can answer a prompt.
  if (const char* info = std::getenv("KUBERNETES_EXEC_INFO"); info && *info)
    if (auto doc = support::json::parse(info); doc && doc->is_object())
      if (const auto* spec = doc->find("spec"); spec && spec->is_object())
        if (const auto* i = spec->find("interactive"); i && i->is_bool() && !i->as_bool())
          options.allow_sign_in = false;
  return sdk::Status::ok();
}

sdk::Result<std::vector<std::string>> read_scope_flags(const ArgParser& parser) {
  std::vector<std::string> scopes;
  for (const auto& text : parser.values("scope"))
    for (auto& s : split_scopes(text))
      if (std::find(scopes.begin(), scopes.end(), s) == scopes.end()) scopes.push_back(s);
  if (parser.has("scope") && scopes.empty()) return sdk::Status::general("flag '--scope' needs at least one scope");
  return scopes;
}

sdk::Result<std::chrono::milliseconds> read_duration_flag(const ArgParser& parser, std::string_view name,
                                                          std::chrono::milliseconds fallback, bool allow_zero) {
  auto text = parser.value(name);
  if (!text) return fallback;
  auto d = support::parse_duration(*text);
  if (!d || (!allow_zero && d->count() == 0))
    return sdk::Status::general("invalid --" + std::string(name) + " '" + *text +
                                "': use a duration such as 30s, 1.5s, 2m30s or 1h" +
                                (allow_zero ? "" : " (more than zero)"));
  return *d;
}

}  // namespace entratool::host
