#include "core/acquire.h"

#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <cstdlib>
#include <limits>
#include <mutex>
#include <thread>

#include "core/authority.h"
#include "core/context.h"
#include "core/discovery.h"
#include "core/token_refresh.h"
#include "entratool/sdk/secret_store.h"
#include "entratool/support/files.h"
#include "plugins/plugin_registry.h"
#include "services/services.h"

namespace entratool::host {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

// How long a flow may overrun its deadline before the process is stopped: enough for a flow
// that honours the deadline to return its own (better) timeout message.
constexpr milliseconds kDeadlineGrace{1500};

// Ends the process with exit 5 if the guarded work is still running after deadline + grace. A
// flow plugin that ignores FlowRequest::deadline (or an HTTP exchange stuck in a kernel call)
// must not make --timeout a lie. The mutex makes "finished" and "timed out" mutually exclusive,
// so nothing is half-printed.
class DeadlineGuard {
 public:
  DeadlineGuard(steady_clock::time_point deadline, std::string message)
      : message_("entratool: " + std::move(message) + "\n"), thread_([this, deadline] { watch(deadline); }) {}
  ~DeadlineGuard() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      finished_ = true;
    }
    wake_.notify_all();
    thread_.join();
  }
  DeadlineGuard(const DeadlineGuard&) = delete;
  DeadlineGuard& operator=(const DeadlineGuard&) = delete;

 private:
  void watch(steady_clock::time_point deadline) {
    std::unique_lock<std::mutex> lock(mutex_);
    if (deadline == steady_clock::time_point{}) {  // no deadline set: nothing to enforce
      wake_.wait(lock, [this] { return finished_; });
      return;
    }
    if (wake_.wait_until(lock, deadline + kDeadlineGrace, [this] { return finished_; })) return;
    (void)!::write(2, message_.data(), message_.size());
    std::_Exit(sdk::exit_code_for(sdk::ErrorCategory::timeout));
  }

  std::string message_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool finished_ = false;
  std::thread thread_;  // last: starts after the members it uses exist
};

milliseconds remaining(steady_clock::time_point deadline) {
  auto left = std::chrono::duration_cast<milliseconds>(deadline - steady_clock::now());
  return left < milliseconds(0) ? milliseconds(0) : left;
}

std::string how_to_create_a_profile() {
  return "create one with 'entratool config create' (interactive) or 'entratool create-profile --name NAME "
         "--tenant-id TENANT --client-id CLIENT --client-secret SECRET', then pass -p NAME or make it the default "
         "with 'entratool config set-default NAME'; or set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET "
         "(or AZURE_CLIENT_CERTIFICATE_PATH)";
}

// The profile's own default, else the flow whose manifest declares itself the default for the
// profile's auth method ("default_for").
std::string default_flow_for(Context& ctx, const Profile& p) {
  if (!p.default_flow.empty()) return ctx.plugins().resolve_flow_name(p.default_flow);
  return ctx.plugins().default_flow_for(p.auth_method.empty() ? "none" : p.auth_method);
}

std::string flow_list(Context& ctx) {
  std::string list;
  for (const auto& id : ctx.plugins().ids_of_kind("flow")) list += (list.empty() ? "" : ", ") + id;
  return list.empty() ? std::string("none is installed; see 'entratool plugins list'") : list;
}

// The secret a flow declared, for a stored profile: profile/<name>/<secret>.
std::string declared_secret_name(const std::string& profile, std::string_view secret) {
  return "profile/" + profile + "/" + std::string(secret);
}

}  // namespace

std::string describe_duration(milliseconds d) {
  auto ms = d.count();
  if (ms % 3600000 == 0 && ms > 0) return std::to_string(ms / 3600000) + "h";
  if (ms % 60000 == 0 && ms > 0) return std::to_string(ms / 60000) + "m";
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
  return std::to_string(ms) + "ms";
}

sdk::Result<std::optional<ResolvedProfile>> profile_from_environment(Context& ctx, bool tenant_optional) {
  const std::string tenant = env("AZURE_TENANT_ID"), client = env("AZURE_CLIENT_ID");
  const std::string secret = env("AZURE_CLIENT_SECRET"), cert = env("AZURE_CLIENT_CERTIFICATE_PATH");
  // Flows declare the variables that select them; the AZURE_* ones among them also count as
  // "the user meant the environment" (ACTIONS_* and SYSTEM_* are set in every CI job).
  std::vector<std::pair<std::string, std::vector<std::string>>> declared;
  bool declared_azure_set = false;
  for (const auto& id : ctx.plugins().ids_of_kind("flow")) {
    const FlowDeclaration* d = ctx.plugins().flow_declaration(id);
    if (!d || d->environment.empty()) continue;
    declared.emplace_back(id, d->environment);
    for (const auto& name : d->environment)
      if (name.rfind("AZURE_", 0) == 0 && !env(name.c_str()).empty()) declared_azure_set = true;
  }
  if (tenant.empty() && client.empty() && secret.empty() && cert.empty() && !declared_azure_set)
    return std::optional<ResolvedProfile>();
  ResolvedProfile r;
  r.from_environment = true;
  r.profile.name = std::string(kEnvironmentProfileName);
  r.profile.tenant_id = tenant;
  r.profile.client_id = client;
  if (secret.empty() && cert.empty()) {
    std::string flow =
        ctx.plugins().environment_flow([](const std::string& name) { return !env(name.c_str()).empty(); });
    if (!flow.empty()) {
      r.profile.auth_method = "none";
      r.profile.default_flow = flow;
      return std::optional<ResolvedProfile>(std::move(r));
    }
  }
  std::vector<std::string> missing;
  if (tenant.empty() && !tenant_optional) missing.push_back("AZURE_TENANT_ID");
  if (client.empty()) missing.push_back("AZURE_CLIENT_ID");
  if (secret.empty() && cert.empty()) {
    std::string alternatives = "AZURE_CLIENT_SECRET or AZURE_CLIENT_CERTIFICATE_PATH";
    for (const auto& [id, names] : declared) {
      std::string unset;
      for (const auto& name : names)
        if (name != "AZURE_TENANT_ID" && name != "AZURE_CLIENT_ID" && env(name.c_str()).empty())
          unset += (unset.empty() ? "" : " and ") + name;
      if (!unset.empty()) alternatives += " or " + unset + " (" + std::string(id) + ")";
    }
    missing.push_back(alternatives);
  }
  if (!missing.empty()) {
    std::string list;
    for (const auto& m : missing) list += (list.empty() ? "" : ", ") + m;
    return sdk::Status::error(sdk::ErrorCategory::profile_not_found,
                              "no profile given and the AZURE_* environment is incomplete (missing " + list + ")");
  }
  if (!secret.empty()) {
    r.profile.auth_method = "secret";
  } else {
    // azure-identity's convention: one PEM file holding certificate and key, or a PFX.
    r.profile.auth_method = "certificate";
    r.profile.certificate_path = cert;
  }
  return std::optional<ResolvedProfile>(std::move(r));
}

sdk::Result<ResolvedProfile> resolve_profile(Context& ctx, std::string_view name, bool tenant_optional) {
  ProfileStore profiles(ctx.config_dir());
  if (!name.empty()) {
    auto p = profiles.find(name);
    if (!p) return p.status();
    return ResolvedProfile{std::move(*p), false};
  }
  auto default_name = profiles.default_name();
  if (!default_name) return default_name.status();
  if (!default_name->empty()) {
    auto p = profiles.find(*default_name);
    if (!p) return p.status();
    return ResolvedProfile{std::move(*p), false};
  }
  // The reference page's documented default name, for users who named a profile "default".
  if (auto p = profiles.find("default"); p) return ResolvedProfile{std::move(*p), false};
  auto from_env = profile_from_environment(ctx, tenant_optional);
  if (!from_env) return from_env.status();
  if (from_env->has_value()) return std::move(**from_env);
  return sdk::Status::error(sdk::ErrorCategory::profile_not_found,
                            "no profile given and no default profile set; " + how_to_create_a_profile());
}

sdk::Result<AcquisitionPlan> plan_acquisition(Context& ctx, const AcquireOptions& options) {
  auto resolved = resolve_profile(ctx, options.profile, !options.issuer.empty());
  if (!resolved) return resolved.status();
  AcquisitionPlan plan;
  plan.profile = std::move(*resolved);
  const Profile& p = plan.profile.profile;

  plan.flow_id = options.flow.empty() ? default_flow_for(ctx, p) : ctx.plugins().resolve_flow_name(options.flow);
  if (plan.flow_id.empty())
    return sdk::Status::general("profile '" + p.name +
                                "' names no flow and no flow plugin is the default for its "
                                "auth method '" +
                                p.auth_method + "'; pass -f FLOW (installed: " + flow_list(ctx) + ")");
  // What the flow needs comes from its manifest; an unknown flow is reported when it is loaded.
  const FlowDeclaration* declared = ctx.plugins().flow_declaration(plan.flow_id);
  const FlowDeclaration defaults;
  const FlowDeclaration& d = declared ? *declared : defaults;

  // An OpenID provider (--issuer, else the profile's): endpoints from its discovery document
  // once a token is really needed (run_flow), no tenant, no Entra defaults.
  std::string issuer;
  if (!options.issuer.empty() || !p.issuer.empty()) {
    if (!options.issuer.empty() && (!options.authority_host.empty() || !options.cloud.empty()))
      return sdk::Status::general(
          "--issuer names any OpenID provider, --authority-host and --cloud name Entra's; give only one");
    if (p.auth_method == kManagedIdentity)
      return sdk::Status::general("profile '" + p.name +
                                  "' is a managed identity, whose tokens come from Azure, not from an issuer; "
                                  "leave out --issuer");
    auto checked = check_issuer(options.issuer.empty() ? p.issuer : options.issuer,
                                options.issuer.empty() ? "the profile's issuer" : "--issuer");
    if (!checked) return checked.status();
    issuer = std::move(*checked);
  }

  std::vector<std::string> scopes = options.scopes.empty() ? p.scopes : options.scopes;
  if (scopes.empty()) {
    if (!issuer.empty())
      return sdk::Status::general("no scope to ask " + issuer + " for; pass -s SCOPE (only Entra has a default)");
    scopes.emplace_back(kDefaultScope);
  }

  if (issuer.empty() && (d.requires_tenant || !p.tenant_id.empty()))
    if (auto s = check_tenant_for_url(p.tenant_id); !s) return s;
  if (d.requires_client_id && p.client_id.empty())
    return sdk::Status::general("profile '" + p.name + "' has no client id");
  for (const auto& field : d.fields)
    if (p.settings.find(field) == p.settings.end())
      return sdk::Status::general("profile '" + p.name + "' has no '" + field + "', which the " + plan.flow_id +
                                  " flow needs; set it in the profile's settings");

  AuthoritySources sources;
  sources.flag_host = options.authority_host;
  sources.flag_cloud = options.cloud;
  sources.profile_host = p.authority_host;
  sources.env_host = env("AZURE_AUTHORITY_HOST");
  auto authority = issuer.empty() ? resolve_authority_host(sources) : sdk::Result<std::string>(issuer);
  if (!authority) return authority.status();
  auto ca_bundle = resolve_ca_bundle(options.ca_bundle, p.ca_bundle);
  if (!ca_bundle) return ca_bundle.status();

  plan.key.authority = *authority;
  plan.key.tenant = issuer.empty() ? p.tenant_id : std::string();
  plan.key.client_id = p.client_id;
  plan.key.flow = plan.flow_id;
  plan.key.scopes = scopes;
  plan.key.profile = p.name;

  sdk::FlowRequest& r = plan.request;
  r.profile_name = p.name;
  r.client_id = p.client_id;
  r.tenant = issuer.empty() ? p.tenant_id : std::string();
  r.scopes = std::move(scopes);
  if (issuer.empty()) {
    Endpoints endpoints = entra_endpoints(*authority, p.tenant_id);
    r.token_endpoint = std::move(endpoints.token);
    r.device_code_endpoint = std::move(endpoints.device_code);
    r.authorize_endpoint = std::move(endpoints.authorize);
  }
  r.redirect_uri = p.redirect_uri;
  r.ca_bundle = *ca_bundle;
  r.client_auth = p.auth_method == "secret"        ? sdk::ClientAuthMethod::secret
                  : p.auth_method == "certificate" ? sdk::ClientAuthMethod::certificate
                                                   : sdk::ClientAuthMethod::none;
  if (d.client_auth == FlowDeclaration::ClientAuthUse::none) r.client_auth = sdk::ClientAuthMethod::none;
  r.open_browser = !options.no_browser;
  r.settings = p.settings;
  // Profile fields a flow reads by name (its own business which): never secrets.
  for (const auto& [key, value] :
       {std::pair<const char*, const std::string*>{"federated_token_file", &p.federated_token_file},
        {"service_connection_id", &p.service_connection_id},
        {"object_id", &p.object_id},
        {"resource_id", &p.resource_id}})
    if (!value->empty()) r.settings[key] = *value;

  Acquisition& a = plan.credentials;
  a.profile_name = p.name;
  a.client_auth = r.client_auth;
  a.client_id = p.client_id;
  a.certificate_path = p.certificate_path;
  a.private_key_path = p.private_key_path;
  a.settings = p.settings;
  a.declared_secrets = d.secrets;
  a.claims = options.claims;
  a.issuer = issuer;
  const bool from_environment = plan.profile.from_environment;
  const std::string profile_name = p.name;
  a.read_secret = [&ctx, from_environment,
                   profile_name](std::string_view name) -> sdk::Result<std::optional<std::string>> {
    if (from_environment) return std::optional<std::string>();  // the AZURE_* profile has no stored secrets
    auto store = ctx.secret_store();
    if (!store) return store.status();
    return (*store)->get(declared_secret_name(profile_name, name));
  };
  return plan;
}

sdk::Status load_secrets(Context& ctx, AcquisitionPlan& plan) {
  Acquisition& r = plan.credentials;
  const std::string& name = plan.profile.profile.name;
  if (plan.profile.from_environment) {
    if (r.client_auth == sdk::ClientAuthMethod::secret) r.client_secret = env("AZURE_CLIENT_SECRET");
    if (r.client_auth == sdk::ClientAuthMethod::certificate)
      r.certificate_password = env("AZURE_CLIENT_CERTIFICATE_PASSWORD");
    return sdk::Status::ok();
  }
  if (r.client_auth == sdk::ClientAuthMethod::none) return sdk::Status::ok();
  auto store = ctx.secret_store();
  if (!store) return store.status();
  if (r.client_auth == sdk::ClientAuthMethod::secret) {
    auto secret = (*store)->get(client_secret_name(name));
    if (!secret) return secret.status();
    if (!secret->has_value() || (*secret)->empty())
      return sdk::Status::general("profile '" + name +
                                  "' uses a client secret but none is in the secret store; set it with "
                                  "'entratool config edit " +
                                  name + "' or recreate the profile with --client-secret");
    r.client_secret = std::move(**secret);
  } else {
    // A PEM key without a password has no entry: absent is fine.
    auto password = (*store)->get(certificate_password_name(name));
    if (!password) return password.status();
    if (password->has_value()) r.certificate_password = std::move(**password);
  }
  return sdk::Status::ok();
}

milliseconds sign_in_time(Context& ctx, std::string_view flow_id, const AcquireOptions& options) {
  if (options.timeout_given) return options.timeout;
  const FlowDeclaration* d = ctx.plugins().flow_declaration(flow_id);
  if (!d || !d->interactive) return options.timeout;
  return d->browser ? kBrowserSignInTime : kCodeSignInCeiling;
}

sdk::Result<sdk::TokenResponse> run_flow(Context& ctx, std::string_view flow_id, Acquisition& credentials,
                                         sdk::FlowRequest request, const std::string& timeout_message) {
  auto flow = ctx.plugins().flow(flow_id);
  if (!flow) return flow.status();
  // For "use --flow X" advice when a browser cannot be opened: asks about every flow, so only here.
  credentials.browserless_flow = ctx.plugins().browserless_sign_in_flow();
  ScopedAcquisition current(credentials, request);
  struct ClearAfter {
    Acquisition& a;
    ~ClearAfter() { a.clear_secrets(); }
  } clear_after{credentials};
  auto use = [&request](const ProviderEndpoints& e) {
    request.token_endpoint = e.token;
    request.device_code_endpoint = e.device_authorization;
    request.authorize_endpoint = e.authorization;
  };
  std::optional<Discovered> discovered;
  if (!credentials.issuer.empty()) {
    auto found = discover_endpoints(ctx.config_dir(), ctx.services(), credentials.issuer, request.ca_bundle,
                                    request.deadline, false);
    if (!found) return found.status();
    discovered = std::move(*found);
    use(discovered->endpoints);
  }
  auto attempt = [&]() -> sdk::Result<sdk::TokenResponse> {
    sdk::Result<sdk::TokenResponse> result =
        sdk::Status::general("flow plugin '" + std::string(flow_id) + "' did not run");
    DeadlineGuard guard(request.deadline, timeout_message);
    try {
      result = (*flow)->acquire(request, ctx.services());
    } catch (const std::exception& e) {
      result = sdk::Status::general("flow plugin '" + std::string(flow_id) + "' failed: " + e.what());
    } catch (...) {
      result = sdk::Status::general("flow plugin '" + std::string(flow_id) + "' failed with an unknown exception");
    }
    return result;
  };
  sdk::Result<sdk::TokenResponse> result = attempt();
  // An endpoint that is gone (404) may have moved since the cached document was fetched: read it
  // again, and try once more only if it names other endpoints now.
  if (!result && discovered && discovered->from_cache && result.status().code() == sdk::codes::kNotFound) {
    auto fresh = discover_endpoints(ctx.config_dir(), ctx.services(), credentials.issuer, request.ca_bundle,
                                    request.deadline, true);
    if (fresh && fresh->endpoints != discovered->endpoints) {
      ctx.services().logger().log(sdk::LogLevel::info,
                                  "the provider's endpoints changed; trying again with its new discovery document");
      use(fresh->endpoints);
      result = attempt();
    }
  }
  if (result && result->access_token.empty())
    return sdk::Status::general("flow plugin '" + std::string(flow_id) + "' returned no access token");
  return result;
}

sdk::Result<Acquired> acquire_token(Context& ctx, const AcquireOptions& options) {
  const steady_clock::time_point deadline = steady_clock::now() + options.timeout;
  auto plan = plan_acquisition(ctx, options);
  if (!plan) return plan.status();
  Services& services = ctx.services();
  const std::string& profile_name = plan->profile.profile.name;
  const std::string shown_profile =
      plan->profile.from_environment ? std::string("the AZURE_* environment") : "profile '" + profile_name + "'";

  // The cache is a convenience: a store that cannot be opened costs a network call, not the token.
  sdk::SecretStore* store = nullptr;
  if (!options.no_cache) {
    auto s = ctx.secret_store();
    if (s)
      store = *s;
    else
      services.logger().log(sdk::LogLevel::warning, "token cache unavailable: " + s.status().message());
  }
  std::optional<TokenCache> cache;
  if (store) cache.emplace(*store);

  auto try_cache = [&]() -> std::optional<Acquired> {
    if (!cache || options.force || !options.claims.empty()) return std::nullopt;
    auto hit = cache->find(plan->key, services.clock().now(), options.min_validity);
    if (!hit) {
      // A damaged entry is a miss; the new token replaces it. A store that is broken for good
      // shows up as a warning when the new token cannot be written either.
      services.logger().log(sdk::LogLevel::debug,
                            "cached token unreadable, treated as a miss: " + hit.status().message());
      return std::nullopt;
    }
    if (!hit->has_value()) return std::nullopt;
    Acquired a{std::move(**hit), profile_name, true};
    auto left = sdk::seconds_left(a.token, services.clock().now());
    services.console().status("Using the cached token for " + shown_profile + " (valid for " +
                              std::to_string(left / 60) + " more minutes)");
    return a;
  };
  if (auto hit = try_cache()) return std::move(*hit);

  // Cold key: one process at a time per key, so parallel jobs make one provider call, and the
  // others find its token when they get the lock.
  support::files::FileLock lock;
  if (cache) {
    const std::string locks = ctx.config_dir() + "/locks";
    if (auto s = support::files::ensure_private_directory(ctx.config_dir()); !s) return s;
    if (auto s = support::files::ensure_private_directory(locks); !s) return s;
    const auto wait_ms = std::min<long long>(remaining(deadline).count(), std::numeric_limits<int>::max());
    auto held = support::files::FileLock::acquire(locks + "/" + TokenCache::key_hash(plan->key) + ".lock",
                                                  static_cast<int>(wait_ms));
    if (!held) {
      if (held.status().category() == sdk::ErrorCategory::timeout)
        return sdk::Status::timeout("timed out after " + describe_duration(options.timeout) +
                                    " waiting for another entratool getting the same token (--timeout)");
      return held.status();
    }
    lock = std::move(*held);
    if (auto hit = try_cache()) return std::move(*hit);
  }

  // A user token that no longer satisfies --min-validity but came with a refresh token is renewed
  // silently; only a refused refresh token (invalid_grant) sends the user through sign-in again.
  // Scopes never signed in for are first asked for with the refresh token of another scope set.
  if (cache && !options.force && options.claims.empty() && is_user_flow(ctx, plan->flow_id)) {
    auto stored = find_refreshable(ctx, *store, *plan, false);
    if (!stored) return stored.status();
    if (!stored->has_value()) {
      // No sign-in for these scopes yet, but maybe for another resource of the same profile: its
      // refresh token may mint this one too (Entra allows it); a sign-in only if the provider says no.
      auto other = lock_refresh_token_for_other_scopes(ctx, *store, *plan, deadline);
      if (!other) {
        if (other.status().category() == sdk::ErrorCategory::timeout)
          return sdk::Status::timeout("timed out after " + describe_duration(options.timeout) +
                                      " waiting for another entratool using the same sign-in (--timeout)");
        return other.status();
      }
      if (other->has_value()) {
        services.console().status("Using the saved sign-in of " + shown_profile + " for these scopes...");
        auto minted = redeem_refresh_token(ctx, *plan, *store, (*other)->stored, deadline, options.timeout);
        if (minted) {
          services.console().status("\u2713 Token acquired with the saved sign-in");
          return Acquired{std::move(*minted), profile_name, false};
        }
        if (!needs_sign_in_for_other_scopes(minted.status())) return minted.status();
        services.console().status("The saved sign-in does not cover these scopes (" + minted.status().message() +
                                  "); signing in");
      }
    } else {
      services.console().status("Refreshing the token for " + shown_profile + "...");
      auto refreshed = redeem_refresh_token(ctx, *plan, *store, **stored, deadline, options.timeout);
      if (refreshed) {
        services.console().status("\u2713 Token refreshed successfully");
        return Acquired{std::move(*refreshed), profile_name, false};
      }
      if (!is_refused_refresh_token(refreshed.status())) return refreshed.status();
      services.console().status("The saved sign-in is no longer valid (" + refreshed.status().message() +
                                "); signing in again");
    }
  }

  if (const FlowDeclaration* d = ctx.plugins().flow_declaration(plan->flow_id);
      !options.allow_sign_in && d && d->interactive)
    return sdk::Status::auth_failed("a sign-in is needed for " + shown_profile +
                                    ", but the caller forbids prompting (KUBERNETES_EXEC_INFO interactive: false); "
                                    "sign in once with 'entratool get-token" +
                                    (plan->profile.from_environment ? std::string() : " -p " + profile_name) +
                                    "' in a terminal, or set interactiveMode: IfAvailable in the kubeconfig");
  if (auto s = load_secrets(ctx, *plan); !s) return s;
  const milliseconds flow_time = sign_in_time(ctx, plan->flow_id, options);
  plan->request.deadline = options.timeout_given ? deadline : steady_clock::now() + flow_time;
  plan->credentials.timeout_text = describe_duration(flow_time);
  services.console().status("Authenticating with " + shown_profile + " (" + plan->flow_id + ")...");
  auto token =
      run_flow(ctx, plan->flow_id, plan->credentials, plan->request,
               "timed out after " + describe_duration(flow_time) + " getting a token from " +
                   (plan->credentials.issuer.empty() ? plan->request.token_endpoint : plan->credentials.issuer) +
                   " (--timeout)");
  if (!token) return token.status();
  if (cache) {
    if (auto s = cache->store(plan->key, *token, services.clock().now()); !s)
      services.logger().log(sdk::LogLevel::warning, "the token was not cached: " + s.message());
  }
  services.console().status("\u2713 Token acquired successfully");
  return Acquired{std::move(*token), profile_name, false};
}

}  // namespace entratool::host
