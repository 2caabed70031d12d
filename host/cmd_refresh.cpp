// `entratool refresh`: renew a profile's user token now with its cached refresh token and print
// it like get-token does. Client-credentials profiles have no refresh token: a new token is
// acquired instead, and the command says so.
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
#include "token_refresh.h"

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

sdk::Status print_token(Context& ctx, const sdk::TokenResponse& token, const std::string& format,
                        const std::string& file, bool silent) {
  auto formatter = ctx.plugins().formatter(format);
  if (!formatter) return formatter.status();
  sdk::Result<std::string> text = sdk::Status::general("formatter '" + format + "' returned nothing");
  try {
    text = (*formatter)->format_token(token, sdk::FormatContext{ctx.services().clock().now()});
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

std::string sign_in_again(const std::string& profile) {
  return "sign in again with 'entratool get-token -p " + profile +
         "' (or -f device-code on a machine without a browser)";
}

}  // namespace

sdk::Status cmd_refresh(Context& ctx, const Args& args) {
  ArgParser parser("entratool refresh", "Refresh a profile's token now with its cached refresh token, and print it.");
  parser.option("profile", 'p', "NAME", "Profile to refresh (default: the default profile)")
      .option("scope", 's', "SCOPES", "Scopes of the cached token to refresh (default: the profile's)")
      .option("output", 'o', "FORMAT", "token (default), json, yaml, or the id of any formatter plugin")
      .flag("json", 0, "Same as --output json")
      .option("file", 0, "PATH", "Write the output to PATH (mode 0600) instead of stdout")
      .flag("silent", 'q', "Print nothing but the token (no status lines)")
      .option("timeout", 0, "DURATION", "Give up after this long, e.g. 30s or 2m (default 60s; exit 5)")
      .option("authority-host", 0, "URL",
              "Authority host (default: the profile's, AZURE_AUTHORITY_HOST, or the public cloud)")
      .option("cloud", 0, "NAME", "Sovereign cloud: public, usgov or china")
      .option("ca-bundle", 0, "FILE", "Extra CA certificates (PEM) to trust (also ENTRATOOL_CA_BUNDLE, SSL_CERT_FILE)")
      .epilog(
          "Needs a refresh token: user sign-ins (device code, interactive browser, authorization code)\n"
          "ask for offline_access and keep the refresh token in the secret store. A rotated refresh\n"
          "token replaces the old one; one the provider refuses is removed. For a client-credentials\n"
          "profile a new token is acquired instead.\n"
          "\nExit codes: 0 success, 1 general error, 2 profile not found, 3 no usable refresh token or\n"
          "authentication failed, 4 network error, 5 timeout.\n"
          "\nExamples:\n"
          "  entratool refresh -p myprofile\n"
          "  entratool refresh -p myprofile -o json\n");
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
  const std::string file = parser.value("file").value_or("");
  if (parser.has("file") && file.empty()) return sdk::Status::general("flag '--file' needs a path");

  AcquireOptions options;
  options.profile = parser.value("profile").value_or("");
  if (parser.has("profile") && options.profile.empty())
    return sdk::Status::general("flag '--profile' needs a profile name");
  for (const auto& text : parser.values("scope"))
    for (auto& s : split_scopes(text))
      if (std::find(options.scopes.begin(), options.scopes.end(), s) == options.scopes.end())
        options.scopes.push_back(s);
  if (parser.has("scope") && options.scopes.empty())
    return sdk::Status::general("flag '--scope' needs at least one scope");
  options.authority_host = parser.value("authority-host").value_or("");
  options.cloud = parser.value("cloud").value_or("");
  options.ca_bundle = parser.value("ca-bundle").value_or("");
  if (auto text = parser.value("timeout")) {
    auto d = sdk::parse_duration(*text);
    if (!d || d->count() == 0)
      return sdk::Status::general("invalid --timeout '" + *text +
                                  "': use a duration such as 30s, 2m or 1h (more than zero)");
    options.timeout = *d;
  }
  if (auto s = check_output_format(ctx, format); !s) return s;

  const auto deadline = std::chrono::steady_clock::now() + options.timeout;
  auto plan = plan_acquisition(ctx, options);
  if (!plan) return plan.status();
  const std::string& name = plan->profile.profile.name;
  const std::string shown =
      plan->profile.from_environment ? std::string("from the AZURE_* environment") : "'" + name + "'";
  Services& services = ctx.services();

  auto store = ctx.secret_store();
  if (!store) return store.status();
  // Any user sign-in cached for these scopes counts, whichever flow the profile defaults to.
  auto found = find_refreshable(**store, *plan, true);
  if (!found) return found.status();
  if (!found->has_value()) {
    if (is_user_flow(plan->flow_id))
      return sdk::Status::auth_failed("no refresh token is cached for profile " + shown + "; " + sign_in_again(name));
    // Nothing to refresh: an application's token is simply acquired again (and cached).
    services.console().status("Profile " + shown + " uses the " + plan->flow_id +
                              " flow, which has no refresh token; acquiring a new token instead");
    options.force = true;
    auto acquired = acquire_token(ctx, options);
    if (!acquired) return acquired.status();
    return print_token(ctx, acquired->token, format, file, silent);
  }

  // Under the key's lock, read the entry again: another entratool may have just rotated it.
  auto lock = lock_cache_key(ctx, (*found)->key, deadline);
  if (!lock) {
    if (lock.status().category() == sdk::ErrorCategory::timeout)
      return sdk::Status::timeout("timed out after " + describe_duration(options.timeout) +
                                  " waiting for another entratool using the same token (--timeout)");
    return lock.status();
  }
  AcquisitionPlan locked_plan = *plan;
  locked_plan.key = (*found)->key;
  auto stored = find_refreshable(**store, locked_plan, false);
  if (!stored) return stored.status();
  if (!stored->has_value())
    return sdk::Status::auth_failed("no refresh token is cached for profile " + shown + "; " + sign_in_again(name));

  services.console().status("Refreshing token for profile " + shown + "...");
  auto token = redeem_refresh_token(ctx, *plan, **store, **stored, deadline, options.timeout);
  if (!token) {
    if (is_refused_refresh_token(token.status()))
      return sdk::Status::auth_failed("the refresh token of profile " + shown +
                                      " was refused (expired or revoked) and has been removed; " + sign_in_again(name) +
                                      " (" + token.status().message() + ")");
    return token.status();
  }
  services.console().status("\u2713 Token refreshed successfully");
  return print_token(ctx, *token, format, file, silent);
}

}  // namespace entratool::host
