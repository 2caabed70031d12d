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
};

/// True for the flows whose tokens come with refresh tokens: those whose manifest declares
/// "refresh_tokens": "issues" (the user sign-in flows).
bool is_user_flow(Context& ctx, std::string_view flow_id);

/// The plan's cached entry when it holds a refresh token, valid or not. With `any_user_flow`, the
/// same scopes cached by another user flow also count (the most recently stored wins).
sdk::Result<std::optional<StoredToken>> find_refreshable(Context& ctx, sdk::SecretStore& store,
                                                         const AcquisitionPlan& plan, bool any_user_flow);

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
sdk::Result<sdk::TokenResponse> redeem_refresh_token(Context& ctx, AcquisitionPlan& plan, sdk::SecretStore& store,
                                                     const StoredToken& stored,
                                                     std::chrono::steady_clock::time_point deadline,
                                                     std::chrono::milliseconds timeout);

}  // namespace entratool::host
