#pragma once
// Refresh tokens of the user sign-in flows: find the cached entry that holds one, redeem it with
// the `refresh` flow plugin, and keep the cache right — a rotated refresh token replaces the old
// one in a single put of the new entry, a refused one is removed. Used silently by get-token
// (acquire.cpp) and explicitly by `entratool refresh`.

#include <chrono>
#include <optional>
#include <string>

#include "core/acquire.h"
#include "core/token_cache.h"
#include "entratool/sdk/status.h"
#include "entratool/support/files.h"

namespace entratool::sdk {
class SecretStore;
}

namespace entratool::host {

class Context;

/// A cache entry together with the key it is stored under.
struct StoredToken {
  CacheKey key;
  CachedToken entry;
  /// Found for other scopes (another resource) of the profile than the plan's: redeeming it mints
  /// a token for the plan's scopes, stored under the plan's key, which then holds the refresh token.
  bool other_scopes = false;
};

/// True for the flows whose tokens come with refresh tokens: those whose manifest declares
/// "refresh_tokens": "issues" (the user sign-in flows).
bool is_user_flow(Context& ctx, std::string_view flow_id);

/// The plan's cached entry when it holds a refresh token, valid or not. With `any_user_flow`, the
/// same scopes cached by another user flow also count (the most recently stored wins).
sdk::Result<std::optional<StoredToken>> find_refreshable(Context& ctx, sdk::SecretStore& store,
                                                         const AcquisitionPlan& plan, bool any_user_flow);

/// For a user flow with no refresh token for the plan's own scopes: the newest entry of the same
/// profile, provider (authority), tenant and client, from any user flow and another scope set,
/// that holds a refresh token (other_scopes set). Entra lets a user's refresh token mint tokens for
/// another resource the application may use; other providers may refuse (see below).
sdk::Result<std::optional<StoredToken>> find_refresh_token_for_other_scopes(Context& ctx, sdk::SecretStore& store,
                                                                            const AcquisitionPlan& plan);

/// A refresh token for other scopes, read again under its entry's per-key lock (held while this lives).
struct LockedRefreshToken {
  StoredToken stored;
  support::files::FileLock lock;
};
/// find_refresh_token_for_other_scopes(), then that entry's lock (waiting until `deadline`: a
/// timeout is ErrorCategory::timeout) and the entry read again, since another entratool may have
/// just rotated or used it. nullopt when no entry (any more) holds one.
sdk::Result<std::optional<LockedRefreshToken>> lock_refresh_token_for_other_scopes(
    Context& ctx, sdk::SecretStore& store, const AcquisitionPlan& plan, std::chrono::steady_clock::time_point deadline);

/// True when redeeming a refresh token for other scopes failed in a way only a sign-in for those
/// scopes can mend: invalid_grant, interaction_required, invalid_scope (or RFC 8707's
/// invalid_target, a refused resource), as the provider's refusal (auth_failed).
bool needs_sign_in_for_other_scopes(const sdk::Status& status);

/// The per-key lock get-token takes for a cold key (<config>/locks/<key hash>.lock), so a refresh
/// and a get-token for the same key never redeem the same refresh token twice.
sdk::Result<support::files::FileLock> lock_cache_key(Context& ctx, const CacheKey& key,
                                                     std::chrono::steady_clock::time_point deadline);

/// True when a refresh failed because the provider refused the refresh token (error code
/// "invalid_grant", whatever the message says): it is expired or revoked; only a new sign-in helps.
bool is_refused_refresh_token(const sdk::Status& status);

/// Redeems `stored`'s refresh token with the flow that declares "refresh_tokens": "redeems"
/// (loading the plan's client secret or certificate password) before `deadline`. Success: the new token is stored over
/// the old entry. A refused refresh token is removed from the entry and the provider's refusal returned (auth_failed).
/// With stored.other_scopes the plan's scopes are asked for instead: the new token (with the
/// refresh token, rotated or not) is stored under plan.key, then the refresh token is removed from
/// stored's entry, so one entry holds it and a rotated one is never presented twice; a failure
/// leaves stored's entry as it was (the refresh token may still be good for its own scopes).
sdk::Result<sdk::TokenResponse> redeem_refresh_token(Context& ctx, AcquisitionPlan& plan, sdk::SecretStore& store,
                                                     const StoredToken& stored,
                                                     std::chrono::steady_clock::time_point deadline,
                                                     std::chrono::milliseconds timeout);

}  // namespace entratool::host
