#pragma once
// The one path from "a profile and some flags" to a token, shared by get-token, refresh and the
// user sign-in flows: resolve the profile (or the AZURE_* environment), flow, scopes, authority
// and CA bundle; return a cached token that is valid long enough; else, under a per-key lock,
// read the secrets, run the flow plugin before the deadline, and cache what it returns.
// A cache hit touches only the profile file and the secret store: no flow plugin, no network.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/acquisition.h"
#include "core/profiles.h"
#include "core/token_cache.h"
#include "entratool/sdk/flow.h"
#include "entratool/sdk/status.h"
#include "entratool/sdk/token.h"

namespace entratool::host {

class Context;

/// The cache namespace of the implicit AZURE_* profile; not a valid profile name, so no clash.
inline constexpr std::string_view kEnvironmentProfileName = "@environment";
/// Scopes used when neither the flags nor the profile give any.
inline constexpr std::string_view kDefaultScope = "https://graph.microsoft.com/.default";

/// What the user asked for; everything optional falls back to the profile, then the environment.
struct AcquireOptions {
  std::string profile;                       ///< -p; empty: the default profile, else AZURE_* variables
  std::vector<std::string> scopes;           ///< -s, already split; empty: the profile's
  std::string flow;                          ///< -f as typed (any spelling); empty: the profile's
  std::string authority_host;                ///< --authority-host
  std::string cloud;                         ///< --cloud
  std::string issuer;                        ///< --issuer: any OpenID provider (overrides the profile's)
  std::string ca_bundle;                     ///< --ca-bundle
  bool force = false;                        ///< --force: do not read the cache (still write it)
  bool no_cache = false;                     ///< --no-cache: neither read nor write it
  bool no_browser = false;                   ///< --no-browser
  std::string claims;                        ///< --claims: a claims request (JSON); bypasses the cache
  std::chrono::milliseconds timeout{60000};  ///< --timeout: the whole acquisition, lock wait included
  /// --timeout was given: it caps a sign-in too; else sign_in_time() decides how long one may take.
  bool timeout_given = false;
  /// False when no person may be asked to sign in (KUBERNETES_EXEC_INFO's interactive: false):
  /// a flow that would sign someone in fails instead of prompting.
  bool allow_sign_in = true;
  std::chrono::seconds min_validity{300};  ///< --min-validity: a cached token needs this much left
};

/// A profile to use; the implicit one takes its secrets from the environment, not the store.
struct ResolvedProfile {
  Profile profile;
  bool from_environment = false;
};

/// -p NAME (ErrorCategory::profile_not_found when absent); without a name the default profile,
/// else a profile called "default", else the AZURE_* variables; else profile_not_found saying
/// how to create a profile. `tenant_optional` (get-token --issuer): the AZURE_* profile needs no
/// AZURE_TENANT_ID.
sdk::Result<ResolvedProfile> resolve_profile(Context& ctx, std::string_view name, bool tenant_optional = false);

/// The implicit profile from AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET or
/// AZURE_CLIENT_CERTIFICATE_PATH; without a secret or certificate, the flow whose manifest
/// "environment" variables are all set (PluginRegistry::environment_flow), e.g. a federated token
/// file. nullopt when none of the AZURE_* variables involved is set. An incomplete set is an
/// error naming what is missing (AZURE_TENANT_ID only without `tenant_optional`).
sdk::Result<std::optional<ResolvedProfile>> profile_from_environment(Context& ctx, bool tenant_optional = false);

/// Everything decided before any secret is read or any flow plugin loaded (from the flow's
/// manifest declaration, never by its name).
struct AcquisitionPlan {
  ResolvedProfile profile;
  std::string flow_id;       ///< the flow plugin's id (resolved from what the user typed)
  CacheKey key;              ///< the token cache key
  sdk::FlowRequest request;  ///< complete except the deadline; never holds a client secret
  Acquisition credentials;   ///< what only the host sees: client credentials, declared secrets
};

/// Builds the plan from the options and the resolved profile (flow, scopes, endpoints, CA bundle).
sdk::Result<AcquisitionPlan> plan_acquisition(Context& ctx, const AcquireOptions& options);

/// Reads the client secret or certificate password (the store, or the environment for the
/// implicit profile) into plan.credentials when the flow authenticates the client. Call only
/// when the flow is really going to run.
sdk::Status load_secrets(Context& ctx, AcquisitionPlan& plan);

/// A browser sign-in without --timeout gets 5 minutes; a sign-in on another device (device code)
/// waits until its code expires (the flow knows when), bounded by this ceiling.
inline constexpr std::chrono::minutes kBrowserSignInTime{5};
inline constexpr std::chrono::minutes kCodeSignInCeiling{60};

/// How long the flow may run: --timeout when given; else, for a flow whose manifest says it signs
/// a person in, kBrowserSignInTime ("browser") or kCodeSignInCeiling; else the default timeout.
std::chrono::milliseconds sign_in_time(Context& ctx, std::string_view flow_id, const AcquireOptions& options);

/// Loads the flow plugin and runs it. For an issuer profile (credentials.issuer set) the
/// request's endpoints come first from the provider's discovery document (discovery.h); when the
/// flow then fails with an HTTP 404 (code not_found) and the document came from the cache, it is
/// fetched again and, if an endpoint changed, the flow runs once more with the new endpoints. The request's deadline is
/// enforced: a flow still running shortly after it ends the process with exit 5 and `timeout_message` (an unset
/// deadline, time_point{}, is not enforced). Plugin exceptions become errors. `credentials` is the current acquisition
/// while the flow runs, and its secrets are cleared after.
sdk::Result<sdk::TokenResponse> run_flow(Context& ctx, std::string_view flow_id, Acquisition& credentials,
                                         sdk::FlowRequest request, const std::string& timeout_message);

/// "2s", "1m30s"-style text for messages ("60s", "2m", "500ms").
std::string describe_duration(std::chrono::milliseconds d);

struct Acquired {
  sdk::TokenResponse token;
  std::string profile;  ///< the profile used (kEnvironmentProfileName for the implicit one)
  bool from_cache = false;
};

/// The whole pipeline: plan, cache, lock, secrets, flow, cache. Status lines go to the console.
sdk::Result<Acquired> acquire_token(Context& ctx, const AcquireOptions& options);

}  // namespace entratool::host
