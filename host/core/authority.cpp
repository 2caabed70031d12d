#include "core/authority.h"

#include <unistd.h>

#include <cctype>
#include <cstdlib>

namespace entratool::host {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

}  // namespace

sdk::Result<std::string> cloud_authority_host(std::string_view cloud) {
  std::string c = lower(cloud);
  if (c == "public" || c == "azurecloud" || c == "azurepubliccloud" || c == "global")
    return std::string("https://login.microsoftonline.com");
  if (c == "usgov" || c == "usgovernment" || c == "azureusgovernment" || c == "azureusgovernmentcloud")
    return std::string("https://login.microsoftonline.us");
  if (c == "china" || c == "azurechinacloud" || c == "chinacloud") return std::string("https://login.chinacloudapi.cn");
  return sdk::Status::general("unknown cloud '" + std::string(cloud) + "': use public, usgov or china");
}

bool is_loopback_host(std::string_view host) {
  std::string h = lower(host);
  if (h.size() >= 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  if (h == "localhost" || h == "::1" || h == "0:0:0:0:0:0:0:1") return true;
  // 127.0.0.0/8 written as a dotted quad.
  if (h.rfind("127.", 0) != 0) return false;
  int parts = 0;
  size_t start = 0;
  while (start <= h.size()) {
    size_t dot = h.find('.', start);
    std::string_view part =
        std::string_view(h).substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (!all_digits(part) || part.size() > 3) return false;
    int value = 0;
    for (char c : part) value = value * 10 + (c - '0');
    if (value > 255) return false;
    ++parts;
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return parts == 4;
}

sdk::Result<std::string> normalise_authority_host(std::string_view url_in, std::string_view what) {
  std::string_view url = url_in;
  while (!url.empty() && std::isspace(static_cast<unsigned char>(url.back()))) url.remove_suffix(1);
  while (!url.empty() && std::isspace(static_cast<unsigned char>(url.front()))) url.remove_prefix(1);
  // Messages are built only on failure: every get-token, the cached one included, comes here.
  auto fail = [&](std::string_view why) {
    return sdk::Status::general(std::string(what).append(" '").append(url).append("' ").append(why));
  };
  if (url.empty()) return sdk::Status::general(std::string(what) + " is empty");
  std::string scheme = "https";
  std::string_view rest = url;
  if (auto sep = url.find("://"); sep != std::string_view::npos) {
    scheme = lower(url.substr(0, sep));
    rest = url.substr(sep + 3);
  }
  if (scheme != "https" && scheme != "http") return fail("must start with https://");
  if (rest.find_first_of("?#") != std::string_view::npos) return fail("must not contain a query or fragment");
  size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  if (authority.empty()) return fail("has no host name");
  if (authority.find('@') != std::string_view::npos) return fail("must not contain a user name or password");
  for (std::string_view part : {authority, path})
    for (char c : part)
      if (std::isspace(static_cast<unsigned char>(c)) || std::iscntrl(static_cast<unsigned char>(c)))
        return fail("contains a space or control character");
  // Split host and port; an IPv6 literal keeps its brackets.
  std::string_view host = authority, port;
  if (authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos) return fail("has an unterminated IPv6 address");
    host = authority.substr(0, close + 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':' || !all_digits(after.substr(1))) return fail("has an invalid port");
      port = after.substr(1);
    }
  } else if (auto colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
    if (!all_digits(port)) return fail("has an invalid port");
  }
  if (!port.empty()) {
    long value = 0;
    for (char c : port.substr(0, 6)) value = value * 10 + (c - '0');
    if (port.size() > 5 || value == 0 || value > 65535) return fail("has an invalid port");
  }
  std::string lowered_host = lower(host);
  if (scheme == "http" && !is_loopback_host(lowered_host))
    return fail(
        "uses plain http://, which is only allowed for loopback test providers "
        "(localhost, 127.0.0.1, ::1); use https://");
  std::string out = std::move(scheme);
  out.append("://").append(lowered_host);
  if (!port.empty()) out.append(":").append(port);
  out.append(path);
  return out;
}

sdk::Result<std::string> resolve_authority_host(const AuthoritySources& sources) {
  if (!sources.flag_host.empty() && !sources.flag_cloud.empty())
    return sdk::Status::general("--authority-host and --cloud both name the authority; give only one");
  if (!sources.flag_host.empty()) return normalise_authority_host(sources.flag_host, "--authority-host");
  if (!sources.flag_cloud.empty()) return cloud_authority_host(sources.flag_cloud);
  if (!sources.profile_host.empty())
    return normalise_authority_host(sources.profile_host, "the profile's authority host");
  if (!sources.env_host.empty()) return normalise_authority_host(sources.env_host, "AZURE_AUTHORITY_HOST");
  return std::string(kDefaultAuthorityHost);
}

sdk::Status check_tenant_for_url(std::string_view tenant) {
  if (tenant.empty()) return sdk::Status::general("the tenant id is empty");
  for (char c : tenant)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-' && c != '_')
      return sdk::Status::general("invalid tenant id '" + std::string(tenant) +
                                  "': use a GUID, a domain such as contoso.onmicrosoft.com, or common, "
                                  "organizations or consumers");
  if (tenant == "." || tenant == "..") return sdk::Status::general("invalid tenant id '" + std::string(tenant) + "'");
  return sdk::Status::ok();
}

sdk::Result<std::string> check_issuer(std::string_view issuer_in, std::string_view what) {
  std::string issuer(issuer_in);
  while (!issuer.empty() && std::isspace(static_cast<unsigned char>(issuer.back()))) issuer.pop_back();
  while (!issuer.empty() && std::isspace(static_cast<unsigned char>(issuer.front()))) issuer.erase(0, 1);
  if (issuer.empty()) return sdk::Status::general(std::string(what) + " is empty");
  const std::string label = std::string(what) + " '" + issuer + "'";
  const std::string scheme = lower(issuer.substr(0, issuer.find("://")));
  if (issuer.find("://") == std::string::npos || (scheme != "https" && scheme != "http"))
    return sdk::Status::general(label + " must be an https:// URL, e.g. https://idp.example.com/realms/main");
  // Checks the rest with the authority-host rules (query, fragment, user info, port, loopback for
  // http://), but returns the issuer unchanged: the discovery document must repeat it exactly.
  if (auto normalised = normalise_authority_host(issuer, what); !normalised) return normalised.status();
  return issuer;
}

std::string discovery_url(std::string_view issuer) {
  std::string base(issuer);
  if (!base.empty() && base.back() == '/') base.pop_back();
  return base + "/.well-known/openid-configuration";
}

Endpoints entra_endpoints(std::string_view authority_host, std::string_view tenant) {
  std::string base = std::string(authority_host) + "/" + std::string(tenant) + "/oauth2/v2.0/";
  return {base + "token", base + "devicecode", base + "authorize"};
}

sdk::Result<std::string> resolve_ca_bundle(std::string_view flag_value, std::string_view profile_value) {
  struct Source {
    std::string value;
    const char* what;
  };
  const Source sources[] = {{std::string(flag_value), "--ca-bundle"},
                            {std::string(profile_value), "the profile's CA bundle"},
                            {env("ENTRATOOL_CA_BUNDLE"), "ENTRATOOL_CA_BUNDLE"},
                            {env("SSL_CERT_FILE"), "SSL_CERT_FILE"}};
  for (const auto& s : sources) {
    if (s.value.empty()) continue;
    if (::access(s.value.c_str(), R_OK) != 0)
      return sdk::Status::general(std::string("cannot read the CA bundle '") + s.value + "' (from " + s.what + ")");
    return s.value;
  }
  return std::string();
}

}  // namespace entratool::host
