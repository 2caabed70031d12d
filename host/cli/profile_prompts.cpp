// The questions a terminal user is asked beyond the tutorial's list: where the authority is, and,
// for `create-profile` with some flags, whatever the flags leave out (spec 004's certificate
// example gives no tenant or client id). Without a terminal the flags' own errors stand.
#include <cstdlib>
#include <filesystem>

#include "cli/cli.h"
#include "cli/profile_flags.h"
#include "core/authority.h"
#include "core/context.h"
#include "core/profiles.h"

namespace entratool::host {

namespace {

bool looks_like_url(const std::string& v) {
  return v.find("://") != std::string::npos || v.find('.') != std::string::npos;
}

// A cloud's name or an authority URL, as profile.authority_host stores it.
sdk::Result<std::string> authority_answer(const std::string& v) {
  if (!looks_like_url(v)) {
    auto host = cloud_authority_host(v);
    if (!host) return sdk::Status::general("answer public, usgov, china, or the authority's https:// URL");
    return *host == kDefaultAuthorityHost ? std::string() : *host;
  }
  auto host = normalise_authority_host(v, "the authority host");
  if (!host) return host.status();
  return *host == kDefaultAuthorityHost ? std::string() : *host;
}

std::string absolute(const std::string& path) {
  std::error_code ec;
  auto abs = std::filesystem::absolute(path, ec);
  return ec ? path : abs.lexically_normal().string();
}

bool env_set(const char* name) {
  const char* v = std::getenv(name);
  return v && *v;
}

}  // namespace

sdk::Status prompt_authority(Context& ctx, Profile& profile) {
  auto answer = prompt_field(ctx, "Authority host or cloud (public, usgov, china, or a URL)", false,
                             profile.authority_host.empty() ? std::string("public") : profile.authority_host,
                             [](const std::string& v) { return authority_answer(v).status(); });
  if (!answer) return answer.status();
  auto host = authority_answer(*answer);
  if (!host) return host.status();
  profile.authority_host = *host;
  return sdk::Status::ok();
}

sdk::Status prompt_missing_profile_flags(Context& ctx, const ArgParser& p, std::vector<std::string>& extra,
                                         SecretUpdate& secrets) {
  const std::string method = p.value("auth-method") ? canonical_auth_method(*p.value("auth-method")) : "";
  const bool managed = p.has("managed-identity") || method == kManagedIdentity;
  if (!p.has("name")) {
    ProfileStore store(ctx.config_dir());
    const bool force = p.has("force");
    auto name = prompt_field(ctx, "Profile name", false, "", [&](const std::string& v) {
      if (auto s = validate_profile_name(v); !s) return s;
      if (force) return sdk::Status::ok();
      auto existing = store.find(v);
      if (existing)
        return sdk::Status::general("profile '" + v + "' already exists; pick another name (or pass --force)");
      if (existing.status().category() != sdk::ErrorCategory::profile_not_found) return existing.status();
      return sdk::Status::ok();
    });
    if (!name) return name.status();
    extra.push_back("--name=" + *name);
  }
  if (!p.has("tenant-id") && !managed) {
    auto tenant = prompt_field(ctx, "Tenant ID", false, "", [](const std::string& v) { return validate_tenant(v); });
    if (!tenant) return tenant.status();
    extra.push_back("--tenant-id=" + *tenant);
  }
  if (!p.has("client-id") && !managed) {
    auto client = prompt_field(ctx, "Client ID", false, "", [](const std::string& v) { return validate_client_id(v); });
    if (!client) return client.status();
    extra.push_back("--client-id=" + *client);
  }

  if (method == "secret" && !p.has("client-secret") && !p.has("client-secret-stdin") &&
      !env_set("AZURE_CLIENT_SECRET")) {
    auto secret = prompt_field(ctx, "Client secret", true, "", [](const std::string& v) {
      return v.empty() ? sdk::Status::general("the client secret is empty; paste its value") : sdk::Status::ok();
    });
    if (!secret) return secret.status();
    secrets.client_secret = *secret;
  }

  const bool certificate = p.has("use-certificate") || method == "certificate" || p.has("certificate-path") ||
                           p.has("private-key-path") || p.has("certificate-password-stdin");
  if (!certificate) return sdk::Status::ok();
  std::string cert = p.value("certificate-path") ? absolute(*p.value("certificate-path")) : "";
  if (cert.empty()) {
    auto answer = prompt_field(ctx, "Certificate path (PEM, or .pfx/.p12)", false, "",
                               [](const std::string& v) { return check_certificate_file(absolute(v)); });
    if (!answer) return answer.status();
    cert = absolute(*answer);
    extra.push_back("--certificate-path=" + cert);
  }
  if (!check_certificate_file(cert)) return sdk::Status::ok();  // the flags' own error says what is wrong
  if (is_pfx_path(cert)) {
    if (p.has("certificate-password-stdin") || env_set("AZURE_CLIENT_CERTIFICATE_PASSWORD") ||
        check_certificate_password(cert, "", false))
      return sdk::Status::ok();
    auto password = prompt_field(ctx, "Certificate password", true, "",
                                 [&](const std::string& v) { return check_certificate_password(cert, v, true); });
    if (!password) return password.status();
    secrets.certificate_password = *password;
    return sdk::Status::ok();
  }
  Profile candidate;
  candidate.auth_method = "certificate";
  candidate.certificate_path = cert;
  if (p.has("private-key-path") || validate_certificate_files(candidate)) return sdk::Status::ok();
  auto key = prompt_field(ctx, "Private key path (PEM)", false, "", [&](const std::string& v) {
    Profile with_key = candidate;
    with_key.private_key_path = absolute(v);
    return validate_certificate_files(with_key);
  });
  if (!key) return key.status();
  extra.push_back("--private-key-path=" + absolute(*key));
  return sdk::Status::ok();
}

}  // namespace entratool::host
