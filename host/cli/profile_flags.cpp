#include "cli/profile_flags.h"

#include <fcntl.h>
#include <unistd.h>

#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <functional>

#include "cli/cli.h"
#include "cli/export_crypto.h"
#include "core/context.h"
#include "core/token_cache.h"
#include "entratool/sdk/host_services.h"
#include "entratool/sdk/secret_store.h"
#include "entratool/support/files.h"
#include "plugins/plugin_registry.h"
#include "services/services.h"

namespace entratool::host {

namespace {

constexpr int kMaxAttempts = 3;
// The flows a profile may name as its default: every flow plugin except the one that only
// redeems refresh tokens, as the manifests declare them (no flow is known here by name).
std::string default_flow_choices(Context& ctx) {
  std::string list;
  for (const auto& id : ctx.plugins().ids_of_kind("flow")) {
    const FlowDeclaration* d = ctx.plugins().flow_declaration(id);
    if (d && d->refresh_tokens == FlowDeclaration::RefreshTokens::redeems) continue;
    list += (list.empty() ? "" : ", ") + id;
  }
  return list;
}

std::string lower(std::string_view s) {
  std::string out;
  for (char c : s) out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return {};
  size_t e = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(b, e - b + 1));
}

std::string absolute_path(const std::string& path) {
  if (path.empty()) return path;
  std::error_code ec;
  auto abs = std::filesystem::absolute(path, ec);
  return ec ? path : abs.lexically_normal().string();
}

std::string join(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) out += (i ? std::string(sep) : std::string()) + items[i];
  return out;
}

const char* env(const char* name) {
  const char* v = std::getenv(name);
  return v && *v ? v : nullptr;
}

// A secret from standard input: all of it, without the final line break. On a terminal the
// user is asked without echo instead, so a typed secret never shows.
sdk::Result<std::string> read_secret_from_stdin(Context& ctx, std::string_view what, std::string_view flag) {
  if (::isatty(0)) return ctx.services().console().prompt_secret(std::string(what) + ": ");
  std::string data = read_standard_input();
  while (!data.empty() && (data.back() == '\n' || data.back() == '\r')) data.pop_back();
  if (data.empty())
    return sdk::Status::general(std::string(flag) + " was given but standard input was empty; pipe the " +
                                std::string(what) + " into entratool");
  return data;
}

bool pem_certificate_file(const std::string& path) {
  auto text = support::files::read_file(path);
  return text && text->find("-----BEGIN CERTIFICATE-----") != std::string::npos;
}

sdk::Status check_certificate_path(const std::string& path) {
  if (path.empty()) return sdk::Status::general("give the certificate's path");
  if (!support::files::exists(path))
    return sdk::Status::general("certificate file '" + path + "' does not exist; check the path");
  if (is_pfx_path(path)) {
    auto data = support::files::read_file(path);
    return data ? sdk::Status::ok() : data.status();
  }
  if (!pem_certificate_file(path))
    return sdk::Status::general(
        "'" + path + "' is not a PEM certificate (no BEGIN CERTIFICATE block); give a PEM or .pfx/.p12 file");
  return sdk::Status::ok();
}

sdk::Status check_pfx_password(const std::string& path, const std::string& password, bool password_given) {
  auto data = support::files::read_file(path);
  if (!data) return data.status();
  auto s = export_crypto::check_pfx(*data, password);
  if (s) return s;
  std::string msg = "certificate '" + path + "' does not open: " + s.message();
  if (!password_given) msg += " (no password was given; pass it with --certificate-password-stdin)";
  return sdk::Status::general(msg);
}

using Check = std::function<sdk::Status(const std::string&)>;

// One question, asked again after a bad answer, at most kMaxAttempts times in all.
sdk::Result<std::string> ask(Context& ctx, const std::string& question, bool secret, const std::string& fallback,
                             const Check& check) {
  auto& console = ctx.services().console();
  sdk::Status last;
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    std::string q = question;
    if (!fallback.empty() && !secret) q += " [" + fallback + "]";
    q += ": ";
    auto answer = secret ? console.prompt_secret(q) : console.prompt(q);
    if (!answer)
      return sdk::Status::general(answer.status().message() + "; give the values as flags instead (see --help)");
    std::string value = secret ? *answer : trim(*answer);
    if (value.empty()) value = fallback;
    last = check ? check(value) : sdk::Status::ok();
    if (last) return value;
    ctx.err << "  " << last.message() << "\n";
  }
  return sdk::Status::general(last.message() + " (gave up after " + std::to_string(kMaxAttempts) + " attempts)");
}

sdk::Result<bool> ask_yes_no(Context& ctx, const std::string& question, bool default_yes) {
  std::string answer_text;
  auto answer = ask(ctx, question + (default_yes ? " [Y/n]" : " [y/N]"), false, "", [&](const std::string& v) {
    std::string l = lower(v);
    if (l.empty() || l == "y" || l == "yes" || l == "n" || l == "no") return sdk::Status::ok();
    return sdk::Status::general("answer y or n");
  });
  if (!answer) return answer.status();
  std::string l = lower(*answer);
  if (l.empty()) return default_yes;
  return l == "y" || l == "yes";
}

}  // namespace

sdk::Result<std::string> prompt_field(Context& ctx, const std::string& question, bool secret,
                                      const std::string& fallback, const Check& check) {
  return ask(ctx, question, secret, fallback, check);
}
sdk::Status check_certificate_file(const std::string& path) { return check_certificate_path(path); }
sdk::Status check_certificate_password(const std::string& path, const std::string& password, bool given) {
  return check_pfx_password(path, password, given);
}

bool can_prompt(Context& ctx) {
  if (ctx.services().console().interactive()) return true;
  int fd = ::open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return false;
  ::close(fd);
  return true;
}

void warn_about_argv_secret(Context& ctx, const SecretUpdate& secrets) {
  if (secrets.client_secret_from_argv)
    ctx.err << "entratool: warning: --client-secret is visible to other users in the process list; prefer "
               "--client-secret-stdin or the AZURE_CLIENT_SECRET variable\n";
}

std::string canonical_auth_method(std::string_view text) {
  std::string folded;
  for (char c : lower(text))
    if (c != '-' && c != '_' && c != ' ') folded += c;
  if (folded == "secret" || folded == "clientsecret") return "secret";
  if (folded == "certificate" || folded == "cert" || folded == "clientcertificate") return "certificate";
  if (folded == "none" || folded == "public" || folded == "publicclient") return "none";
  if (folded == "managedidentity" || folded == "msi") return std::string(kManagedIdentity);
  return {};
}

void declare_profile_flags(ArgParser& p, bool creating) {
  if (creating) p.option("name", 'n', "NAME", "Profile name: letters, digits, '.', '_', '-' (required)");
  p.option("tenant-id", 0, "TENANT", "Directory (tenant) id: a GUID, a domain, common, organizations or consumers")
      .option("client-id", 0, "ID", "Application (client) id")
      .option("scope", 's', "SCOPES", "Scopes, space- or comma-separated (repeatable)")
      .option("auth-method", 0, "METHOD",
              "secret, certificate, none (public client) or managed-identity; usually implied")
      .option("client-secret", 0, "SECRET", "Client secret (visible in the process list: prefer --client-secret-stdin)")
      .flag("client-secret-stdin", 0, "Read the client secret from standard input")
      .flag("use-certificate", 0, "Authenticate with a certificate instead of a secret")
      .option("certificate-path", 0, "FILE", "PEM certificate, or a .pfx/.p12 file holding certificate and key")
      .option("private-key-path", 0, "FILE", "PEM private key for a PEM certificate")
      .flag("certificate-password-stdin", 0, "Read the .pfx/.p12 password from standard input")
      .option("default-flow", 0, "FLOW", "A flow plugin's id or alias (see 'entratool plugins list')")
      .option("redirect-uri", 0, "URI", "Redirect URI for browser sign-in (default http://127.0.0.1 with a free port)")
      .option("authority-host", 0, "URL", "Authority host (default https://login.microsoftonline.com)")
      .option("issuer", 0, "URL",
              "Any OpenID provider's issuer URL instead of Entra (endpoints from its discovery document; no tenant)")
      .option("ca-bundle", 0, "FILE", "Extra PEM CA certificates to trust for this profile")
      .option("client-auth", 0, "HOW", "How a client secret is sent: basic (header) or body")
      .option("assertion-alg", 0, "ALG", "Certificate assertion algorithm: PS256 or RS256")
      .flag("send-x5c", 0, "Send the certificate chain (x5c) for subject-name/issuer authentication")
      .flag("managed-identity", 0,
            "The application is an Azure managed identity (no secret; --client-id, "
            "--object-id or --resource-id picks a user-assigned one)")
      .option("object-id", 0, "ID", "Managed identity: the user-assigned identity's object (principal) id")
      .option("resource-id", 0, "ID", "Managed identity: the user-assigned identity's ARM resource id")
      .option("federated-token-file", 0, "FILE",
              "Workload identity: the federated token file (default AZURE_FEDERATED_TOKEN_FILE)")
      .option("service-connection-id", 0, "ID",
              "Azure Pipelines: the service connection (default AZURESUBSCRIPTION_SERVICE_CONNECTION_ID)");
  if (!creating) p.flag("no-send-x5c", 0, "Stop sending the certificate chain");
  if (creating) p.flag("force", 0, "Replace an existing profile of the same name");
  p.flag("set-default", 0, "Make this the default profile");
}

bool any_profile_flag(const ArgParser& p, std::string_view except) {
  for (const char* name : {"name",
                           "tenant-id",
                           "client-id",
                           "scope",
                           "auth-method",
                           "client-secret",
                           "client-secret-stdin",
                           "use-certificate",
                           "certificate-path",
                           "private-key-path",
                           "certificate-password-stdin",
                           "default-flow",
                           "redirect-uri",
                           "authority-host",
                           "issuer",
                           "ca-bundle",
                           "client-auth",
                           "assertion-alg",
                           "send-x5c",
                           "no-send-x5c",
                           "managed-identity",
                           "object-id",
                           "resource-id",
                           "federated-token-file",
                           "service-connection-id",
                           "force"})
    if (name != except && p.has(name)) return true;
  return false;
}

sdk::Status apply_profile_flags(const ArgParser& p, Context& ctx, bool creating, Profile& profile,
                                SecretUpdate& secrets) {
  if (creating) {
    auto name = p.value("name");
    if (!name) return sdk::Status::general("missing --name: give the profile a name, e.g. --name ci");
    profile.name = *name;
    if (auto s = validate_profile_name(profile.name); !s) return s;
    const bool managed = p.has("managed-identity") ||
                         (p.value("auth-method") && canonical_auth_method(*p.value("auth-method")) == kManagedIdentity);
    if (!p.has("tenant-id") && !managed && !p.has("issuer"))
      return sdk::Status::general(
          "missing --tenant-id: give the directory (tenant) id from the app registration's overview (or --issuer "
          "URL for another OpenID provider)");
    if (p.has("issuer") && !p.has("scope"))
      return sdk::Status::general(
          "missing --scope: a profile for an OpenID provider (--issuer) has no default scope; give the scopes "
          "its API needs");
    if (!p.has("client-id") && !managed)
      return sdk::Status::general(
          "missing --client-id: give the application (client) id from the app registration's overview");
  }
  if (auto v = p.value("tenant-id")) profile.tenant_id = trim(*v);
  if (auto v = p.value("client-id")) profile.client_id = trim(*v);
  if (p.has("scope")) {
    profile.scopes = split_scopes(join(p.values("scope"), " "));
    if (auto s = validate_scopes(profile.scopes); !s) return s;
  }
  if (auto v = p.value("default-flow"))
    profile.default_flow = v->empty() ? "" : ctx.plugins().resolve_flow_name(trim(*v));
  if (auto v = p.value("redirect-uri")) profile.redirect_uri = trim(*v);
  if (auto v = p.value("authority-host")) {
    profile.authority_host = trim(*v);
    while (!profile.authority_host.empty() && profile.authority_host.back() == '/') profile.authority_host.pop_back();
  }
  if (auto v = p.value("issuer")) profile.issuer = trim(*v);
  if (auto v = p.value("ca-bundle")) {
    profile.ca_bundle = absolute_path(trim(*v));
    if (!profile.ca_bundle.empty() && !support::files::read_file(profile.ca_bundle))
      return sdk::Status::general("CA bundle '" + profile.ca_bundle +
                                  "' cannot be read; give a PEM file of CA certificates");
  }
  if (auto v = p.value("client-auth")) profile.settings["client_auth"] = lower(trim(*v));
  if (auto v = p.value("assertion-alg")) {
    std::string alg;
    for (char c : trim(*v)) alg += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    profile.settings["assertion_alg"] = alg;
  }
  if (p.has("send-x5c")) profile.settings["send_x5c"] = "true";
  if (p.has("no-send-x5c")) profile.settings.erase("send_x5c");
  if (auto v = p.value("federated-token-file")) profile.federated_token_file = absolute_path(trim(*v));
  if (auto v = p.value("service-connection-id")) profile.service_connection_id = trim(*v);
  if (auto v = p.value("object-id")) profile.object_id = trim(*v);
  if (auto v = p.value("resource-id")) profile.resource_id = trim(*v);

  // Secrets: at most one source each, and standard input can carry only one of them.
  if (p.has("client-secret") && p.has("client-secret-stdin"))
    return sdk::Status::general("give the client secret once: --client-secret or --client-secret-stdin, not both");
  if (p.has("client-secret-stdin") && p.has("certificate-password-stdin"))
    return sdk::Status::general(
        "standard input can carry only one secret: use --client-secret-stdin or --certificate-password-stdin");
  if (auto v = p.value("client-secret")) {
    if (v->empty()) return sdk::Status::general("--client-secret is empty; give the secret's value (not its id)");
    secrets.client_secret = *v;
    secrets.client_secret_from_argv = true;
  } else if (p.has("client-secret-stdin")) {
    auto secret = read_secret_from_stdin(ctx, "Client secret", "--client-secret-stdin");
    if (!secret) return secret.status();
    if (secret->empty()) return sdk::Status::general("the client secret is empty");
    secrets.client_secret = *secret;
  }

  std::string method;
  if (auto v = p.value("auth-method")) {
    method = canonical_auth_method(*v);
    if (method.empty())
      return sdk::Status::general("unknown authentication method '" + *v +
                                  "': use secret, certificate, none or managed-identity");
  }
  if (p.has("managed-identity")) {
    if (!method.empty() && method != kManagedIdentity)
      return sdk::Status::general("--managed-identity contradicts --auth-method " + method);
    method = std::string(kManagedIdentity);
  }
  bool certificate_flags =
      p.has("certificate-path") || p.has("private-key-path") || p.has("certificate-password-stdin");
  if (p.has("use-certificate")) {
    if (method == kManagedIdentity) return sdk::Status::general("--use-certificate contradicts --managed-identity");
    if (!method.empty() && method != "certificate")
      return sdk::Status::general("--use-certificate contradicts --auth-method " + method);
    method = "certificate";
  }
  if (secrets.client_secret) {
    if (method == kManagedIdentity)
      return sdk::Status::general(
          "a managed identity has no client secret; leave out the secret or --managed-identity");
    if (!method.empty() && method != "secret")
      return sdk::Status::general("a client secret was given but the authentication method is '" + method +
                                  "'; leave out one of the two");
    method = "secret";
  }
  if (method.empty()) {
    if (certificate_flags)
      method = "certificate";
    else if (creating)
      method = env("AZURE_CLIENT_SECRET") ? "secret" : "none";
    else
      method = profile.auth_method;
  }
  if (method == "secret" && !secrets.client_secret && (creating || profile.auth_method != "secret")) {
    const char* from_env = env("AZURE_CLIENT_SECRET");
    if (!from_env)
      return sdk::Status::general(
          "secret authentication needs the client secret: pass --client-secret-stdin (or set "
          "AZURE_CLIENT_SECRET)");
    secrets.client_secret = std::string(from_env);
  }
  if (method != "certificate" && certificate_flags)
    return sdk::Status::general("certificate flags were given but the authentication method is '" + method +
                                "'; add --use-certificate");

  if (method == "certificate") {
    if (auto v = p.value("certificate-path")) {
      profile.certificate_path = absolute_path(trim(*v));
      // A PFX carries its own key; a key path left over from a PEM setup no longer applies.
      if (is_pfx_path(profile.certificate_path) && !p.has("private-key-path")) profile.private_key_path.clear();
    }
    if (auto v = p.value("private-key-path")) profile.private_key_path = absolute_path(trim(*v));
    if (profile.certificate_path.empty())
      return sdk::Status::general(
          "certificate authentication needs --certificate-path (a PEM certificate with "
          "--private-key-path, or a .pfx/.p12 file)");
    if (p.has("certificate-password-stdin")) {
      auto password = read_secret_from_stdin(ctx, "Certificate password", "--certificate-password-stdin");
      if (!password) return password.status();
      secrets.certificate_password = *password;
    } else if (const char* from_env = env("AZURE_CLIENT_CERTIFICATE_PASSWORD");
               from_env && (creating || p.has("certificate-path"))) {
      secrets.certificate_password = std::string(from_env);
    }
  } else {
    profile.certificate_path.clear();
    profile.private_key_path.clear();
  }
  profile.auth_method = method;
  return sdk::Status::ok();
}

sdk::Status prompt_profile(Context& ctx, bool editing, Profile& profile, SecretUpdate& secrets) {
  if (!can_prompt(ctx))
    return sdk::Status::general(std::string("no terminal to ask questions on; ") +
                                (editing ? "pass the fields to change as flags (see 'entratool config edit --help')"
                                         : "use 'entratool create-profile' with flags instead"));
  ProfileStore store(ctx.config_dir());
  const Profile before = profile;
  if (!editing) {
    auto name = ask(ctx, "Profile name", false, "", [&](const std::string& v) {
      if (auto s = validate_profile_name(v); !s) return s;
      auto existing = store.find(v);
      if (existing)
        return sdk::Status::general("profile '" + v +
                                    "' already exists; pick another name, or change it with "
                                    "'entratool config edit -p " +
                                    v + "'");
      if (existing.status().category() != sdk::ErrorCategory::profile_not_found) return existing.status();
      return sdk::Status::ok();
    });
    if (!name) return name.status();
    profile.name = *name;
  }
  auto tenant =
      ask(ctx, "Tenant ID", false, profile.tenant_id, [](const std::string& v) { return validate_tenant(v); });
  if (!tenant) return tenant.status();
  profile.tenant_id = *tenant;
  auto client =
      ask(ctx, "Client ID", false, profile.client_id, [](const std::string& v) { return validate_client_id(v); });
  if (!client) return client.status();
  profile.client_id = *client;
  auto scopes = ask(ctx, "Scopes (comma-separated)", false, join(profile.scopes, ","),
                    [](const std::string& v) { return validate_scopes(split_scopes(v)); });
  if (!scopes) return scopes.status();
  profile.scopes = split_scopes(*scopes);

  auto method = ask(ctx, "Authentication method (secret, certificate, none)", false,
                    editing || profile.auth_method == "certificate" ? profile.auth_method : std::string("secret"),
                    [](const std::string& v) {
                      if (canonical_auth_method(v).empty())
                        return sdk::Status::general(
                            "answer secret, certificate or none (none: a public client "
                            "signing in users in a browser or with a device code)");
                      return sdk::Status::ok();
                    });
  if (!method) return method.status();
  profile.auth_method = canonical_auth_method(*method);

  if (profile.auth_method == "secret") {
    bool can_keep = editing && before.auth_method == "secret";
    auto secret = ask(ctx, can_keep ? "Client secret (Enter keeps the stored one)" : "Client secret", true, "",
                      [&](const std::string& v) {
                        if (v.empty() && !can_keep)
                          return sdk::Status::general("the client secret is empty; paste its value");
                        return sdk::Status::ok();
                      });
    if (!secret) return secret.status();
    if (!secret->empty()) secrets.client_secret = *secret;
  }
  if (profile.auth_method == "certificate") {
    auto cert = ask(ctx, "Certificate path (PEM, or .pfx/.p12)", false, profile.certificate_path,
                    [](const std::string& v) { return check_certificate_path(absolute_path(v)); });
    if (!cert) return cert.status();
    profile.certificate_path = absolute_path(*cert);
    if (is_pfx_path(profile.certificate_path)) {
      profile.private_key_path.clear();
      bool can_keep = editing && before.certificate_path == profile.certificate_path;
      auto password = ask(
          ctx, can_keep ? "Certificate password (Enter keeps the stored one)" : "Certificate password (Enter if none)",
          true, "", [&](const std::string& v) {
            if (v.empty() && can_keep) return sdk::Status::ok();
            return check_pfx_password(profile.certificate_path, v, true);
          });
      if (!password) return password.status();
      if (!password->empty() || !can_keep) secrets.certificate_password = *password;
    } else {
      std::string current_key = profile.private_key_path.empty() ? "" : profile.private_key_path;
      auto key = ask(ctx, "Private key path (PEM; Enter if it is in the certificate file)", false, current_key,
                     [&](const std::string& v) {
                       Profile candidate = profile;
                       candidate.private_key_path = absolute_path(v);
                       return validate_certificate_files(candidate);
                     });
      if (!key) return key.status();
      profile.private_key_path = absolute_path(*key);
    }
  } else {
    profile.certificate_path.clear();
    profile.private_key_path.clear();
  }

  auto want_flow = ask_yes_no(ctx, "Set default OAuth2 flow?", !profile.default_flow.empty());
  if (!want_flow) return want_flow.status();
  if (*want_flow) {
    const std::string choices = default_flow_choices(ctx);
    auto flow = ask(ctx, "Default flow (" + choices + ")", false, profile.default_flow, [&](const std::string& v) {
      std::string id = ctx.plugins().resolve_flow_name(v);
      const FlowDeclaration* d = ctx.plugins().flow_declaration(id);
      if (!d || d->refresh_tokens == FlowDeclaration::RefreshTokens::redeems)
        return sdk::Status::general("answer one of " + choices);
      return sdk::Status::ok();
    });
    if (!flow) return flow.status();
    profile.default_flow = ctx.plugins().resolve_flow_name(*flow);
  } else {
    profile.default_flow.clear();
  }
  auto want_redirect = ask_yes_no(ctx, "Configure custom redirect URI?", !profile.redirect_uri.empty());
  if (!want_redirect) return want_redirect.status();
  if (*want_redirect) {
    auto uri = ask(ctx, "Redirect URI", false, profile.redirect_uri,
                   [](const std::string& v) { return validate_url(v, "redirect URI"); });
    if (!uri) return uri.status();
    profile.redirect_uri = *uri;
  } else {
    profile.redirect_uri.clear();
  }
  return prompt_authority(ctx, profile);
}

sdk::Status save_profile_with_secrets(Context& ctx, const Profile& profile, const SecretUpdate& secrets,
                                      const Profile* previous, bool set_default) {
  if (auto s = validate_profile(profile); !s) return s;
  bool drop_secret = previous && previous->auth_method == "secret" && profile.auth_method != "secret";
  bool drop_password = previous && previous->auth_method == "certificate" &&
                       (profile.auth_method != "certificate" || !is_pfx_path(profile.certificate_path)) &&
                       !secrets.certificate_password;
  bool certificate_changed = !previous || previous->auth_method != "certificate" ||
                             previous->certificate_path != profile.certificate_path ||
                             previous->private_key_path != profile.private_key_path || secrets.certificate_password;
  bool need_store = secrets.client_secret || secrets.certificate_password || drop_secret || drop_password ||
                    (profile.auth_method == "certificate" && is_pfx_path(profile.certificate_path) &&
                     certificate_changed && previous && !secrets.certificate_password);

  sdk::SecretStore* store = nullptr;
  if (need_store) {
    auto opened = ctx.secret_store();
    if (!opened) return opened.status();
    store = *opened;
  }
  if (profile.auth_method == "certificate" && certificate_changed) {
    if (auto s = validate_certificate_files(profile); !s) return s;
    if (is_pfx_path(profile.certificate_path)) {
      std::string password;
      bool given = secrets.certificate_password.has_value();
      if (given) {
        password = *secrets.certificate_password;
      } else if (previous) {
        auto stored = store->get(certificate_password_name(profile.name));
        if (!stored) return stored.status();
        if (stored->has_value()) {
          password = **stored;
          given = true;
        }
      }
      if (auto s = check_pfx_password(profile.certificate_path, password, given); !s) return s;
    }
  }

  if (!previous) {
    // A new profile never inherits what a deleted one of the same name left behind (a delete
    // killed half-way): a stale cached token would be served without asking the provider.
    if (!store) {
      auto opened = ctx.secret_store();
      if (!opened) return opened.status();
      store = *opened;
    }
    if (auto s = TokenCache(*store).erase_profile(profile.name); !s) return s;
  }
  // Secrets first: a profile that is saved must find its secret.
  if (secrets.client_secret) {
    if (auto s = store->put(client_secret_name(profile.name), *secrets.client_secret); !s) return s;
  }
  if (secrets.certificate_password) {
    if (auto s = store->put(certificate_password_name(profile.name), *secrets.certificate_password); !s) return s;
  }
  ProfileStore profiles(ctx.config_dir());
  if (auto s = profiles.save(profile, previous != nullptr); !s) return s;
  if (drop_secret) {
    if (auto s = store->erase(client_secret_name(profile.name)); !s) return s;
  }
  if (drop_password) {
    if (auto s = store->erase(certificate_password_name(profile.name)); !s) return s;
  }
  if (set_default) return profiles.set_default(profile.name);
  return sdk::Status::ok();
}

}  // namespace entratool::host
