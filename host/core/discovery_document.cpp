#include "core/discovery_document.h"

#include <cctype>

#include "core/authority.h"
#include "entratool/support/json.h"

namespace entratool::host {

namespace {

// A value from the document shown in a one-line message: bounded, control characters replaced.
std::string shown(std::string_view text) {
  std::string out;
  for (char c : text.substr(0, 200)) out += std::iscntrl(static_cast<unsigned char>(c)) ? '?' : c;
  if (text.size() > 200) out += "...";
  return out;
}

sdk::Status check_endpoint(const std::string& url, const char* member, std::string_view where) {
  // The authority-host rules: https://, or http:// to a loopback host; no user info or spaces.
  // A query is allowed in an endpoint (RFC 6749 §3.1), so it is checked without one.
  std::string without_query = url.substr(0, url.find_first_of("?#"));
  const bool has_scheme = without_query.rfind("https://", 0) == 0 || without_query.rfind("http://", 0) == 0;
  if (!has_scheme || !normalise_authority_host(without_query, member))
    return sdk::Status::general(std::string("the discovery document at ") + std::string(where) + " names " + member +
                                " '" + shown(url) +
                                "', which is not an https:// URL (http:// is allowed only on loopback); check the "
                                "provider's configuration");
  return sdk::Status::ok();
}

}  // namespace

sdk::Result<ProviderEndpoints> parse_discovery_document(std::string_view body, std::string_view expected_issuer,
                                                        std::string_view url) {
  const std::string where(url);
  auto doc = support::json::parse(body);
  if (!doc || !doc->is_object()) {
    const bool html = body.find('<') != std::string_view::npos && body.find('{') == std::string_view::npos;
    return sdk::Status::network("the discovery document at " + where + " is not a JSON object (" +
                                (body.empty() ? std::string("empty")
                                 : html       ? "an HTML page"
                                              : "not JSON") +
                                "); check the issuer URL");
  }
  const support::json::Value* issuer = doc->find("issuer");
  if (!issuer || !issuer->is_string())
    return sdk::Status::network("the discovery document at " + where +
                                " has no \"issuer\"; check the issuer URL, it may not be an OpenID provider");
  if (issuer->text() != expected_issuer)
    return sdk::Status::general("the discovery document at " + where + " is for the issuer '" + shown(issuer->text()) +
                                "', not the configured '" + std::string(expected_issuer) +
                                "'; set the profile's issuer to exactly the provider's (--issuer)");
  ProviderEndpoints out;
  out.issuer = issuer->text();
  const support::json::Value* token = doc->find("token_endpoint");
  if (!token || !token->is_string() || token->text().empty())
    return sdk::Status::network("the discovery document at " + where +
                                " has no token_endpoint; check that the issuer is an OAuth 2.0 provider");
  out.token = token->text();
  if (auto s = check_endpoint(out.token, "token_endpoint", where); !s) return s;
  struct Optional {
    const char* member;
    std::string* into;
  };
  for (const Optional& o : {Optional{"device_authorization_endpoint", &out.device_authorization},
                            Optional{"authorization_endpoint", &out.authorization}}) {
    const support::json::Value* v = doc->find(o.member);
    if (!v || !v->is_string() || v->text().empty()) continue;
    *o.into = v->text();
    if (auto s = check_endpoint(*o.into, o.member, where); !s) return s;
  }
  return out;
}

}  // namespace entratool::host
