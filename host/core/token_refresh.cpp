#include "core/token_refresh.h"

#include <algorithm>
#include <limits>

#include "core/context.h"
#include "entratool/sdk/secret_store.h"
#include "plugins/plugin_registry.h"
#include "services/services.h"

namespace entratool::host {

namespace {

sdk::Result<std::optional<StoredToken>> read_entry(sdk::SecretStore& store, const CacheKey& key) {
  auto value = store.get(TokenCache::entry_name(key));
  if (!value) return value.status();
  if (!value->has_value()) return std::optional<StoredToken>();
  auto entry = TokenCache::parse_entry(**value, &key);
  if (!entry || entry->token.refresh_token.empty()) return std::optional<StoredToken>();
  return std::optional<StoredToken>(StoredToken{key, std::move(*entry)});
}

}  // namespace

bool is_user_flow(Context& ctx, std::string_view flow_id) {
  const FlowDeclaration* d = ctx.plugins().flow_declaration(flow_id);
  return d && d->refresh_tokens == FlowDeclaration::RefreshTokens::issues;
}

sdk::Result<std::optional<StoredToken>> find_refreshable(Context& ctx, sdk::SecretStore& store,
                                                         const AcquisitionPlan& plan, bool any_user_flow) {
  auto own = read_entry(store, plan.key);
  if (!own) return own.status();
  if (own->has_value() || !any_user_flow) return own;
  std::optional<StoredToken> best;
  for (const auto& flow : ctx.plugins().ids_of_kind("flow")) {
    if (plan.key.flow == flow || !is_user_flow(ctx, flow)) continue;
    CacheKey key = plan.key;
    key.flow = flow;
    auto found = read_entry(store, key);
    if (!found) return found.status();
    if (found->has_value() && (!best || (*found)->entry.stored_at > best->entry.stored_at)) best = std::move(**found);
  }
  return best;
}

sdk::Result<std::optional<StoredToken>> find_refresh_token_for_other_scopes(Context& ctx, sdk::SecretStore& store,
                                                                            const AcquisitionPlan& plan) {
  TokenCache cache(store);
  auto entries = cache.entries_of_profile(plan.key.profile);
  if (!entries) return entries.status();
  const std::string own = TokenCache::normalised_key(plan.key);
  // The same provider, tenant and client: compare the key lines as normalised_key() writes them.
  CacheKey same = plan.key;
  same.flow.clear();
  same.scopes.clear();
  const std::string wanted_prefix = TokenCache::normalised_key(same);  // "v1\n<authority>\n<tenant>\n<client>\n\n"
  const std::string prefix = wanted_prefix.substr(0, wanted_prefix.size() - 1);
  std::optional<StoredToken> best;
  for (auto& [key, entry] : *entries) {
    if (entry.token.refresh_token.empty() || entry.key_text == own) continue;
    if (entry.key_text.compare(0, prefix.size(), prefix) != 0 || !is_user_flow(ctx, key.flow)) continue;
    if (!best || entry.stored_at > best->entry.stored_at) best = StoredToken{key, std::move(entry), true};
  }
  return best;
}

sdk::Result<std::optional<LockedRefreshToken>> lock_refresh_token_for_other_scopes(
    Context& ctx, sdk::SecretStore& store, const AcquisitionPlan& plan,
    std::chrono::steady_clock::time_point deadline) {
  auto found = find_refresh_token_for_other_scopes(ctx, store, plan);
  if (!found) return found.status();
  if (!found->has_value()) return std::optional<LockedRefreshToken>();
  auto lock = lock_cache_key(ctx, (*found)->key, deadline);
  if (!lock) return lock.status();
  auto again = read_entry(store, (*found)->key);
  if (!again) return again.status();
  if (!again->has_value()) return std::optional<LockedRefreshToken>();
  LockedRefreshToken out{std::move(**again), std::move(*lock)};
  out.stored.other_scopes = true;
  return std::optional<LockedRefreshToken>(std::move(out));
}

bool needs_sign_in_for_other_scopes(const sdk::Status& status) {
  if (status.category() != sdk::ErrorCategory::auth_failed) return false;
  const std::string& c = status.code();
  return c == sdk::codes::kInvalidGrant || c == sdk::codes::kInteractionRequired || c == "invalid_scope" ||
         c == "invalid_target";
}

sdk::Result<support::files::FileLock> lock_cache_key(Context& ctx, const CacheKey& key,
                                                     std::chrono::steady_clock::time_point deadline) {
  const std::string locks = ctx.config_dir() + "/locks";
  if (auto s = support::files::ensure_private_directory(ctx.config_dir()); !s) return s;
  if (auto s = support::files::ensure_private_directory(locks); !s) return s;
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  return support::files::FileLock::acquire(
      locks + "/" + TokenCache::key_hash(key) + ".lock",
      static_cast<int>(std::clamp<long long>(left.count(), 0, std::numeric_limits<int>::max())));
}

bool is_refused_refresh_token(const sdk::Status& status) {
  return status.category() == sdk::ErrorCategory::auth_failed && status.code() == sdk::codes::kInvalidGrant;
}

sdk::Result<sdk::TokenResponse> redeem_refresh_token(Context& ctx, AcquisitionPlan& plan, sdk::SecretStore& store,
                                                     const StoredToken& stored,
                                                     std::chrono::steady_clock::time_point deadline,
                                                     std::chrono::milliseconds timeout) {
  const std::string refresh_flow = ctx.plugins().refresh_flow();
  if (refresh_flow.empty())
    return sdk::Status::general(
        "no flow plugin redeems refresh tokens (none declares \"refresh_tokens\": "
        "\"redeems\"); see 'entratool plugins list'");
  if (auto s = load_secrets(ctx, plan); !s) return s;
  sdk::FlowRequest request = plan.request;
  request.refresh_token = stored.entry.token.refresh_token;
  request.deadline = deadline;
  plan.credentials.timeout_text = describe_duration(timeout);
  auto token = run_flow(ctx, refresh_flow, plan.credentials, request,
                        "timed out after " + describe_duration(timeout) + " refreshing the token at " +
                            (plan.credentials.issuer.empty() ? request.token_endpoint : plan.credentials.issuer) +
                            " (--timeout)");
  request.refresh_token.assign(request.refresh_token.size(), '\0');
  request.refresh_token.clear();
  TokenCache cache(store);
  Services& services = ctx.services();
  if (stored.other_scopes) {
    if (!token) return token.status();
    if (auto s = cache.store(plan.key, *token, services.clock().now()); !s) {
      // The new refresh token could not be kept: the old entry's is spent if it was rotated, so
      // it is kept as it is (the next redemption tells) and the token is still returned.
      services.logger().log(sdk::LogLevel::warning, "the new token was not cached: " + s.message());
      return token;
    }
    sdk::TokenResponse without = stored.entry.token;
    without.refresh_token.clear();
    if (auto s = cache.store(stored.key, without, stored.entry.stored_at); !s)
      services.logger().log(sdk::LogLevel::warning,
                            "cannot remove the refresh token from the entry it came from: " + s.message());
    return token;
  }
  if (!token) {
    if (is_refused_refresh_token(token.status())) {
      // The provider will never accept it again: keep the entry (its access token may still be
      // useful to `inspect`), without the refresh token.
      sdk::TokenResponse without = stored.entry.token;
      without.refresh_token.clear();
      if (auto s = cache.store(stored.key, without, stored.entry.stored_at); !s)
        services.logger().log(sdk::LogLevel::warning, "cannot remove the refused refresh token: " + s.message());
    }
    return token.status();
  }
  // One put of the whole new entry: a reader sees the old refresh token or the rotated one, never
  // neither. Stored under the key it came from, so the flow that signed in keeps owning it.
  if (auto s = cache.store(stored.key, *token, services.clock().now()); !s)
    services.logger().log(sdk::LogLevel::warning, "the refreshed token was not cached: " + s.message());
  return token;
}

}  // namespace entratool::host
