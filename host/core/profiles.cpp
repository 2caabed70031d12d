#include "core/profiles.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>

#include "entratool/support/encoding.h"
#include "entratool/support/files.h"
#include "entratool/support/json.h"

namespace entratool::host {

namespace json = support::json;

namespace {

constexpr int kFormatVersion = 1;
// Long enough for a slow disk under 20 parallel writers, short enough that a stuck process is noticed.
constexpr int kLockTimeoutMs = 30000;

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string lower(std::string_view s) {
  std::string out;
  for (char c : s) out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool is_hex(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }

bool is_guid(std::string_view s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !is_hex(s[i])) return false;
  }
  return true;
}

// A DNS name with at least two labels: letters, digits and inner hyphens, a non-numeric last label.
bool is_domain(std::string_view s) {
  if (s.empty() || s.size() > 253 || s.find('.') == std::string_view::npos) return false;
  size_t start = 0;
  std::string_view last;
  while (start <= s.size()) {
    size_t dot = s.find('.', start);
    std::string_view label = s.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
    for (char c : label)
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') return false;
    last = label;
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return std::any_of(last.begin(), last.end(), [](char c) { return std::isalpha(static_cast<unsigned char>(c)); });
}

bool is_loopback_host(std::string_view host) {
  return host == "127.0.0.1" || host == "localhost" || host == "[::1]" || host.rfind("127.", 0) == 0;
}

std::string now_iso() { return support::format_utc_iso8601(std::chrono::system_clock::now()); }

std::string file_head(const std::string& path, size_t limit) {
  std::string data;
  std::FILE* in = std::fopen(path.c_str(), "rbe");
  if (!in) return data;
  data.resize(limit);
  data.resize(std::fread(data.data(), 1, limit, in));
  std::fclose(in);
  return data;
}

bool readable_file(const std::string& path) {
  std::FILE* in = std::fopen(path.c_str(), "rbe");
  if (!in) return false;
  std::fclose(in);
  return true;
}

// A file holding a private key that group or others can read is refused (as ssh does).
sdk::Status check_key_file_private(const std::string& path) {
  support::files::ReadRules rules;
  rules.private_to_user = true;
  rules.max_bytes = std::size_t{1} << 20;
  rules.what = "private key file";
  auto data = support::files::read_file(path, rules);
  return data ? sdk::Status::ok() : data.status();
}

json::Value* profiles_array(json::Value& doc) { return doc.find("profiles"); }

// The config folder (created 0700) and the profiles lock, held for one read-modify-write.
sdk::Result<support::files::FileLock> lock_profiles(const std::string& dir, const std::string& lock_path) {
  if (auto s = support::files::ensure_private_directory(dir); !s) return s;
  auto lock = support::files::FileLock::acquire(lock_path, kLockTimeoutMs);
  if (!lock && lock.status().category() == sdk::ErrorCategory::timeout)
    return sdk::Status::general("another entratool process has held '" + lock_path + "' for " +
                                std::to_string(kLockTimeoutMs / 1000) + " seconds; try again");
  return lock;
}

}  // namespace

std::string client_secret_name(std::string_view profile) {
  return "profile/" + std::string(profile) + "/client-secret";
}
std::string certificate_password_name(std::string_view profile) {
  return "profile/" + std::string(profile) + "/certificate-password";
}

std::vector<std::string> split_scopes(std::string_view text) {
  std::vector<std::string> out;
  std::string current;
  auto flush = [&] {
    if (!current.empty() && std::find(out.begin(), out.end(), current) == out.end()) out.push_back(current);
    current.clear();
  };
  for (char c : text) {
    if (c == ',' || is_space(c))
      flush();
    else
      current += c;
  }
  flush();
  return out;
}

sdk::Status validate_profile_name(std::string_view name) {
  if (name.empty()) return sdk::Status::general("the profile name is empty; use letters, digits, '.', '_' or '-'");
  bool ok = name.size() <= 64 && std::isalnum(static_cast<unsigned char>(name[0]));
  for (char c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-') ok = false;
  if (!ok)
    return sdk::Status::general("invalid profile name '" + printable(name) +
                                "': use 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit");
  return sdk::Status::ok();
}

sdk::Status validate_tenant(std::string_view tenant) {
  std::string t = lower(tenant);
  if (t == "common" || t == "organizations" || t == "consumers" || is_guid(t) || is_domain(t)) return sdk::Status::ok();
  if (tenant.empty())
    return sdk::Status::general(
        "the tenant id is empty; give the directory (tenant) GUID from the app registration's overview page, a "
        "domain such as contoso.onmicrosoft.com, or common, organizations or consumers");
  return sdk::Status::general("invalid tenant id '" + printable(tenant) +
                              "': give a GUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx), a domain such as "
                              "contoso.onmicrosoft.com, or common, organizations or consumers");
}

sdk::Status validate_client_id(std::string_view client_id) {
  if (client_id.empty())
    return sdk::Status::general("the client id is empty; give the application (client) id from the app registration");
  for (char c : client_id)
    if (is_space(c) || static_cast<unsigned char>(c) < 0x20 || c == 0x7f)  // DEL: found by fuzz.profiles
      return sdk::Status::general("invalid client id '" + printable(client_id) +
                                  "': it must not contain spaces; copy the application (client) id exactly");
  return sdk::Status::ok();
}

sdk::Status validate_scopes(const std::vector<std::string>& scopes) {
  if (scopes.empty())
    return sdk::Status::general("no scopes given; give at least one, e.g. https://graph.microsoft.com/.default");
  return sdk::Status::ok();
}

sdk::Status validate_url(std::string_view url, std::string_view what) {
  std::string u = lower(url);
  std::string w(what);
  auto host_of = [&](size_t scheme_len) {
    std::string_view rest = std::string_view(url).substr(scheme_len);
    size_t end = rest.find_first_of("/?#");
    std::string_view authority = rest.substr(0, end);
    if (!authority.empty() && authority.front() == '[') {
      size_t close = authority.find(']');
      return std::string(authority.substr(0, close == std::string_view::npos ? authority.size() : close + 1));
    }
    return std::string(authority.substr(0, authority.find(':')));
  };
  if (u.rfind("https://", 0) == 0) {
    if (host_of(8).empty()) return sdk::Status::general("invalid " + w + " '" + std::string(url) + "': it has no host");
    return sdk::Status::ok();
  }
  if (u.rfind("http://", 0) == 0) {
    std::string host = lower(host_of(7));
    if (is_loopback_host(host)) return sdk::Status::ok();
    return sdk::Status::general("invalid " + w + " '" + std::string(url) +
                                "': use https:// (plain http:// is accepted only for localhost)");
  }
  return sdk::Status::general("invalid " + w + " '" + std::string(url) + "': it must start with https://");
}

sdk::Status validate_issuer(std::string_view issuer) {
  if (auto s = validate_url(issuer, "issuer"); !s) return s;
  for (char c : issuer)
    if (c == '?' || c == '#' || c == '@' || std::isspace(static_cast<unsigned char>(c)) ||
        std::iscntrl(static_cast<unsigned char>(c)))
      return sdk::Status::general("invalid issuer '" + printable(issuer) +
                                  "': an issuer URL has no query, fragment, user name or space (OpenID Connect "
                                  "Discovery 1.0 §2)");
  return sdk::Status::ok();
}

bool is_pfx_path(std::string_view path) {
  std::string l = lower(path);
  auto ends = [&](std::string_view suffix) {
    return l.size() >= suffix.size() && l.compare(l.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  return ends(".pfx") || ends(".p12");
}

sdk::Status validate_certificate_files(const Profile& p) {
  if (p.certificate_path.empty())
    return sdk::Status::general(
        "certificate authentication needs a certificate: give --certificate-path (a PEM "
        "certificate with --private-key-path, or a .pfx/.p12 file)");
  if (!support::files::exists(p.certificate_path))
    return sdk::Status::general("certificate file '" + p.certificate_path + "' does not exist; check the path");
  if (!readable_file(p.certificate_path))
    return sdk::Status::general("certificate file '" + p.certificate_path + "' cannot be read; check its permissions");
  if (is_pfx_path(p.certificate_path)) {
    if (!p.private_key_path.empty())
      return sdk::Status::general("a .pfx/.p12 file holds its own private key; leave out --private-key-path");
    return check_key_file_private(p.certificate_path);
  }
  // PEM files are small; 1 MiB is far more than any certificate chain.
  std::string cert = file_head(p.certificate_path, 1 << 20);
  if (cert.find("-----BEGIN CERTIFICATE-----") == std::string::npos)
    return sdk::Status::general(
        "'" + p.certificate_path +
        "' is not a PEM certificate (no BEGIN CERTIFICATE block); convert it with 'openssl x509 "
        "-in FILE -out cert.pem' or use a .pfx/.p12 file");
  std::string key_path = p.private_key_path.empty() ? p.certificate_path : p.private_key_path;
  if (!p.private_key_path.empty()) {
    if (!support::files::exists(key_path))
      return sdk::Status::general("private key file '" + key_path + "' does not exist; check the path");
    if (!readable_file(key_path))
      return sdk::Status::general("private key file '" + key_path + "' cannot be read; check its permissions");
  }
  std::string key = key_path == p.certificate_path ? cert : file_head(key_path, 1 << 20);
  size_t begin = key.find("-----BEGIN ");
  bool has_key = false;
  while (begin != std::string::npos && !has_key) {
    size_t eol = key.find("-----", begin + 11);
    if (eol == std::string::npos) break;
    std::string label = key.substr(begin + 11, eol - begin - 11);
    has_key = label.size() >= 11 && label.compare(label.size() - 11, 11, "PRIVATE KEY") == 0;
    begin = key.find("-----BEGIN ", eol);
  }
  if (!has_key) {
    if (p.private_key_path.empty())
      return sdk::Status::general("no private key for certificate '" + p.certificate_path +
                                  "': give --private-key-path with the PEM private key file");
    return sdk::Status::general("'" + key_path + "' is not a PEM private key (no BEGIN ... PRIVATE KEY block)");
  }
  return check_key_file_private(key_path);
}

sdk::Status validate_profile(const Profile& p) {
  if (auto s = validate_profile_name(p.name); !s) return s;
  const bool managed = p.auth_method == kManagedIdentity;
  const bool openid = !p.issuer.empty();
  // A managed identity needs no tenant, and a client id only to pick a user-assigned identity; an
  // issuer's endpoints come from its discovery document, so it needs no tenant either.
  if ((!managed && !openid) || !p.tenant_id.empty())
    if (auto s = validate_tenant(p.tenant_id); !s) return s;
  if (!managed || !p.client_id.empty())
    if (auto s = validate_client_id(p.client_id); !s) return s;
  if (auto s = validate_scopes(p.scopes); !s) return s;
  if (p.auth_method != "secret" && p.auth_method != "certificate" && p.auth_method != "none" && !managed)
    return sdk::Status::general("invalid authentication method '" + p.auth_method +
                                "': use secret, certificate, none or managed-identity");
  if (!managed && (!p.object_id.empty() || !p.resource_id.empty()))
    return sdk::Status::general("--object-id and --resource-id pick a managed identity; add --managed-identity");
  if (managed && (!p.client_id.empty() + !p.object_id.empty() + !p.resource_id.empty()) > 1)
    return sdk::Status::general(
        "a managed identity is picked by one of --client-id, --object-id or --resource-id, "
        "not several");
  if (!p.federated_token_file.empty() && p.federated_token_file.front() != '/')
    return sdk::Status::general("the federated token file '" + p.federated_token_file + "' must be an absolute path");
  if (p.auth_method == "certificate" && p.certificate_path.empty())
    return sdk::Status::general("certificate authentication needs --certificate-path");
  if (p.auth_method != "certificate" && (!p.certificate_path.empty() || !p.private_key_path.empty()))
    return sdk::Status::general("certificate paths are set but the authentication method is '" + p.auth_method +
                                "'; pass --use-certificate");
  for (char c : p.default_flow)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.')
      return sdk::Status::general("invalid default flow '" + p.default_flow +
                                  "': use a flow plugin's id (see 'entratool plugins list')");
  if (!p.redirect_uri.empty()) {
    if (auto s = validate_url(p.redirect_uri, "redirect URI"); !s) return s;
  }
  if (!p.authority_host.empty()) {
    if (auto s = validate_url(p.authority_host, "authority host"); !s) return s;
  }
  if (openid) {
    if (auto s = validate_issuer(p.issuer); !s) return s;
    if (!p.authority_host.empty())
      return sdk::Status::general(
          "a profile names an issuer (any OpenID provider) or an authority host (Entra), not both; "
          "remove one");
    if (managed)
      return sdk::Status::general("a managed identity gets its tokens from Azure, not from an issuer; remove --issuer");
  }
  for (const auto& [key, value] : p.settings) {
    if (key == "client_auth") {
      if (value != "basic" && value != "body")
        return sdk::Status::general("invalid client authentication '" + value + "': use basic or body");
    } else if (key == "assertion_alg") {
      if (value != "PS256" && value != "RS256")
        return sdk::Status::general("invalid assertion algorithm '" + value + "': use PS256 or RS256");
    } else if (key == "send_x5c") {
      if (value != "true" && value != "false")
        return sdk::Status::general("invalid send_x5c value '" + value + "': use true or false");
    }
  }
  return sdk::Status::ok();
}

json::Value profile_to_json(const Profile& p) {
  json::Value o = json::Value::object();
  auto put = [&](const char* key, const std::string& value) {
    if (!value.empty()) o.set(key, json::Value::string(value));
  };
  o.set("name", json::Value::string(p.name));
  o.set("tenant_id", json::Value::string(p.tenant_id));
  o.set("client_id", json::Value::string(p.client_id));
  json::Value scopes = json::Value::array();
  for (const auto& s : p.scopes) scopes.push_back(json::Value::string(s));
  o.set("scopes", std::move(scopes));
  o.set("auth_method", json::Value::string(p.auth_method));
  put("certificate_path", p.certificate_path);
  put("private_key_path", p.private_key_path);
  put("default_flow", p.default_flow);
  put("redirect_uri", p.redirect_uri);
  put("authority_host", p.authority_host);
  put("issuer", p.issuer);
  put("ca_bundle", p.ca_bundle);
  put("federated_token_file", p.federated_token_file);
  put("service_connection_id", p.service_connection_id);
  put("object_id", p.object_id);
  put("resource_id", p.resource_id);
  if (!p.settings.empty()) {
    json::Value settings = json::Value::object();
    for (const auto& [k, v] : p.settings) settings.set(k, json::Value::string(v));
    o.set("settings", std::move(settings));
  }
  put("created_at", p.created_at);
  put("updated_at", p.updated_at);
  return o;
}

sdk::Result<Profile> profile_from_json(const json::Value& v) {
  if (!v.is_object()) return sdk::Status::general("a profile entry is not a JSON object");
  Profile p;
  p.name = v.get_string("name");
  p.tenant_id = v.get_string("tenant_id");
  p.client_id = v.get_string("client_id");
  if (const json::Value* scopes = v.find("scopes"); scopes && scopes->is_array()) {
    for (const auto& s : scopes->items())
      if (s.is_string()) p.scopes.push_back(s.text());
  } else if (scopes && scopes->is_string()) {
    p.scopes = split_scopes(scopes->text());
  }
  p.auth_method = v.get_string("auth_method", "none");
  p.certificate_path = v.get_string("certificate_path");
  p.private_key_path = v.get_string("private_key_path");
  p.default_flow = v.get_string("default_flow");
  p.redirect_uri = v.get_string("redirect_uri");
  p.authority_host = v.get_string("authority_host");
  p.issuer = v.get_string("issuer");
  p.ca_bundle = v.get_string("ca_bundle");
  p.federated_token_file = v.get_string("federated_token_file");
  p.service_connection_id = v.get_string("service_connection_id");
  p.object_id = v.get_string("object_id");
  p.resource_id = v.get_string("resource_id");
  if (const json::Value* settings = v.find("settings"); settings && settings->is_object()) {
    for (const auto& [k, val] : settings->members())
      if (val.is_string())
        p.settings[k] = val.text();
      else if (val.is_bool())
        p.settings[k] = val.as_bool() ? "true" : "false";
  }
  p.created_at = v.get_string("created_at");
  p.updated_at = v.get_string("updated_at");
  if (p.name.empty()) return sdk::Status::general("a profile entry has no name");
  return p;
}

sdk::Result<Profile> validate_stored_profile(const json::Value& entry) {
  auto p = profile_from_json(entry);
  if (!p) return p.status();
  // Secrets live in the secret store; a file that carries one in clear text was not written by us.
  for (const char* secret : {"client_secret", "certificate_password", "password", "secret"})
    if (entry.find(secret))
      return sdk::Status::general("profile '" + printable(p->name) + "' has a \"" + secret +
                                  "\" member; secrets never belong in this file - remove it and set the secret with "
                                  "'entratool config edit'");
  if (auto s = validate_profile(*p); !s) return sdk::Status::general(printable(s.message()));
  // Everything here is shown by 'config show'; a control character would reach the terminal.
  std::vector<std::pair<const char*, const std::string*>> fields = {{"certificate_path", &p->certificate_path},
                                                                    {"private_key_path", &p->private_key_path},
                                                                    {"ca_bundle", &p->ca_bundle},
                                                                    {"created_at", &p->created_at},
                                                                    {"updated_at", &p->updated_at}};
  for (const auto& scope : p->scopes) fields.emplace_back("scopes", &scope);
  for (const auto& [key, value] : p->settings) fields.emplace_back("settings", &value);
  for (const auto& [field, value] : fields)
    if (printable(*value) != *value)
      return sdk::Status::general("profile '" + p->name + "' has a control character in \"" + field + "\" ('" +
                                  printable(*value) + "'); fix the value");
  return p;
}

std::string printable(std::string_view text) {
  // Only control characters change, so escaping twice is harmless (messages nest).
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (char ch : text) {
    auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7f) {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += ch;
    }
  }
  return out;
}

ProfileStore::ProfileStore(std::string config_dir)
    : dir_(std::move(config_dir)), path_(dir_ + "/profiles.json"), lock_path_(dir_ + "/profiles.lock") {}

sdk::Result<json::Value> ProfileStore::load() const {
  json::Value empty = json::Value::object();
  empty.set("version", json::Value::number(static_cast<long long>(kFormatVersion)));
  empty.set("default", json::Value::string(""));
  empty.set("profiles", json::Value::array());
  if (!support::files::exists(path_)) return empty;
  // Whoever can change this file chooses where client secrets are sent (authority host, CA
  // bundle), so it gets the key file's rules, and so does its folder.
  if (auto s = support::files::check_trusted_directory(dir_); !s) return s;
  auto text = support::files::read_file(path_, support::files::trusted_file_rules("profiles file"));
  if (!text) return text.status();
  const std::string untouched = "; it was left untouched - fix it or move it away";
  auto doc = json::parse(*text);
  if (!doc)
    return sdk::Status::general("profiles file '" + path_ + "' is not valid JSON (" + doc.status().message() + ")" +
                                untouched);
  if (!doc->is_object())
    return sdk::Status::general("profiles file '" + path_ + "' is not valid (expected a JSON object)" + untouched);
  if (const json::Value* version = doc->find("version")) {
    auto v = version->as_int();
    if (!v)
      return sdk::Status::general("profiles file '" + path_ + "' is not valid (\"version\" is not a number)" +
                                  untouched);
    if (*v > kFormatVersion)
      return sdk::Status::general("profiles file '" + path_ + "' has format version " + std::to_string(*v) +
                                  ", written by a newer entratool; upgrade entratool (the file was left untouched)");
  }
  json::Value* profiles = profiles_array(*doc);
  if (!profiles) {
    doc->set("profiles", json::Value::array());
  } else if (!profiles->is_array()) {
    return sdk::Status::general("profiles file '" + path_ + "' is not valid (\"profiles\" is not an array)" +
                                untouched);
  } else {
    std::vector<std::string> names;
    for (const auto& entry : profiles->items()) {
      auto p = validate_stored_profile(entry);
      if (!p)
        return sdk::Status::general("profiles file '" + path_ + "' is not valid (" + p.status().message() + ")" +
                                    untouched);
      if (std::find(names.begin(), names.end(), p->name) != names.end())
        return sdk::Status::general("profiles file '" + path_ + "' is not valid (profile '" + p->name +
                                    "' appears twice)" + untouched);
      names.push_back(p->name);
    }
  }
  return std::move(doc).value();
}

sdk::Status ProfileStore::write(const json::Value& doc) {
  // Called under the profiles lock: a temporary file still here is a killed writer's.
  support::files::remove_stale_temporaries(path_);
  return support::files::atomic_write(path_, json::serialize(doc, 2) + "\n", 0600);
}

sdk::Status ProfileStore::not_found(std::string_view name, const json::Value& doc) const {
  std::vector<std::string> names;
  if (const json::Value* profiles = doc.find("profiles"))
    for (const auto& entry : profiles->items()) names.push_back(entry.get_string("name"));
  std::sort(names.begin(), names.end());
  std::string msg = "profile '" + std::string(name) + "' not found ";
  if (names.empty()) {
    msg += "(no profiles yet; create one with 'entratool config create')";
  } else {
    msg += "(existing profiles: ";
    for (size_t i = 0; i < names.size(); ++i) msg += (i ? ", " : "") + names[i];
    msg += ")";
  }
  return sdk::Status::error(sdk::ErrorCategory::profile_not_found, msg);
}

sdk::Result<std::vector<Profile>> ProfileStore::list() const {
  auto doc = load();
  if (!doc) return doc.status();
  std::vector<Profile> out;
  for (const auto& entry : doc->find("profiles")->items()) out.push_back(*profile_from_json(entry));
  std::sort(out.begin(), out.end(), [](const Profile& a, const Profile& b) { return a.name < b.name; });
  return out;
}

sdk::Result<Profile> ProfileStore::find(std::string_view name) const {
  auto doc = load();
  if (!doc) return doc.status();
  for (const auto& entry : doc->find("profiles")->items())
    if (entry.get_string("name") == name) return *profile_from_json(entry);
  return not_found(name, *doc);
}

sdk::Result<std::string> ProfileStore::default_name() const {
  auto doc = load();
  if (!doc) return doc.status();
  return doc->get_string("default");
}

sdk::Status ProfileStore::save(Profile profile, bool overwrite) {
  if (auto s = validate_profile(profile); !s) return s;
  auto lock = lock_profiles(dir_, lock_path_);
  if (!lock) return lock.status();
  auto doc = load();
  if (!doc) return doc.status();
  auto& items = doc->find("profiles")->items();
  json::Value* existing = nullptr;
  for (auto& entry : items)
    if (entry.get_string("name") == profile.name) existing = &entry;
  std::string now = now_iso();
  profile.updated_at = now;
  if (existing) {
    if (!overwrite)
      return sdk::Status::general("profile '" + profile.name + "' already exists; pass --force to replace it");
    std::string created = existing->get_string("created_at");
    profile.created_at = created.empty() ? now : created;
    // Keep members a newer entratool may have added; replace every field this one knows.
    json::Value fresh = profile_to_json(profile);
    for (const char* key : {"certificate_path", "private_key_path", "default_flow", "redirect_uri", "authority_host",
                            "issuer", "ca_bundle", "settings"})
      existing->erase(key);
    for (auto& [k, v] : fresh.members()) existing->set(k, v);
  } else {
    profile.created_at = now;
    items.push_back(profile_to_json(profile));
  }
  // The first profile becomes the default, so 'get-token' works without -p right away.
  if (doc->get_string("default").empty()) doc->set("default", json::Value::string(profile.name));
  doc->set("version", json::Value::number(static_cast<long long>(kFormatVersion)));
  return write(*doc);
}

sdk::Status ProfileStore::remove(std::string_view name) {
  auto lock = lock_profiles(dir_, lock_path_);
  if (!lock) return lock.status();
  auto doc = load();
  if (!doc) return doc.status();
  auto& items = doc->find("profiles")->items();
  auto it =
      std::find_if(items.begin(), items.end(), [&](const json::Value& e) { return e.get_string("name") == name; });
  if (it == items.end()) return not_found(name, *doc);
  items.erase(it);
  if (doc->get_string("default") == name) doc->set("default", json::Value::string(""));
  return write(*doc);
}

sdk::Status ProfileStore::set_default(std::string_view name) {
  auto lock = lock_profiles(dir_, lock_path_);
  if (!lock) return lock.status();
  auto doc = load();
  if (!doc) return doc.status();
  const auto& items = doc->find("profiles")->items();
  bool found =
      std::any_of(items.begin(), items.end(), [&](const json::Value& e) { return e.get_string("name") == name; });
  if (!found) return not_found(name, *doc);
  doc->set("default", json::Value::string(std::string(name)));
  return write(*doc);
}

}  // namespace entratool::host
