// `entratool refresh`: renew a profile's user token now with its cached refresh token and print
// it like get-token does. Client-credentials profiles have no refresh token: a new token is
// acquired instead, and the command says so.
#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/token_command.h"
#include "core/acquire.h"
#include "core/context.h"
#include "core/token_refresh.h"
#include "services/services.h"

namespace entratool::host {

namespace {

std::string sign_in_again(const std::string& profile) {
  return "sign in again with 'entratool get-token -p " + profile +
         "' (or -f with another sign-in flow, e.g. on a machine without a browser)";
}

}  // namespace

sdk::Status cmd_refresh(Context& ctx, const Args& args) {
  ArgParser parser("entratool refresh", "Refresh a profile's token now with its cached refresh token, and print it.");
  parser.option("profile", 'p', "NAME", "Profile to refresh (default: the default profile)")
      .option("scope", 's', "SCOPES", "Scopes of the cached token to refresh (default: the profile's)");
  add_token_output_flags(parser);
  add_authority_flags(parser);
  parser.epilog(
      "Needs a refresh token: user sign-ins (device code, interactive browser, authorization code)\n"
      "ask for offline_access and keep the refresh token in the secret store. A rotated refresh\n"
      "token replaces the old one; one the provider refuses is removed. For a profile whose flow\n"
      "issues no refresh token (an application's own token) a new token is acquired instead.\n"
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
  auto output = read_token_output_flags(ctx, parser);
  if (!output) return output.status();

  AcquireOptions options;
  if (auto s = read_acquire_flags(parser, options); !s) return s;

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
  auto found = find_refreshable(ctx, **store, *plan, true);
  if (!found) return found.status();
  if (!found->has_value()) {
    if (is_user_flow(ctx, plan->flow_id)) {
      // The refresh token may live with another scope set of the profile (it minted one for it).
      // Locks in get-token's order: this key's, then the other entry's.
      auto own_lock = lock_cache_key(ctx, plan->key, deadline);
      if (!own_lock) return own_lock.status();
      auto other = lock_refresh_token_for_other_scopes(ctx, **store, *plan, deadline);
      if (!other) return other.status();
      if (!other->has_value())
        return sdk::Status::auth_failed("no refresh token is cached for profile " + shown + "; " + sign_in_again(name));
      services.console().status("Refreshing token for profile " + shown + "...");
      auto token = redeem_refresh_token(ctx, *plan, **store, (*other)->stored, deadline, options.timeout);
      if (!token) return token.status();
      services.console().status("\u2713 Token refreshed successfully");
      return print_token(ctx, *token, *output);
    }
    // Nothing to refresh: an application's token is simply acquired again (and cached).
    services.console().status("Profile " + shown + " uses the " + plan->flow_id +
                              " flow, which has no refresh token; acquiring a new token instead");
    options.force = true;
    auto acquired = acquire_token(ctx, options);
    if (!acquired) return acquired.status();
    return print_token(ctx, acquired->token, *output);
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
  auto stored = find_refreshable(ctx, **store, locked_plan, false);
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
  return print_token(ctx, *token, *output);
}

}  // namespace entratool::host
