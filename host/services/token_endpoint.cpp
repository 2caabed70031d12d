#include "services/token_endpoint.h"

#include "core/acquisition.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>

#include "core/acquisition.h"
#include "entratool/support/encoding.h"
#include "entratool/support/json.h"
#include "modules/http/http_api.h"

namespace entratool::host {

namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// Longer than any --timeout makes sense for; a Retry-After beyond it is treated as this long.
constexpr milliseconds kMaxRetryAfter = std::chrono::hours(24);
// A cached token is served until it expires: a provider's lifetime past this is cut to it, which
// also keeps every expiry far inside system_clock's range (years 1677..2262).
constexpr seconds kMaxTokenLifetime = std::chrono::hours(24 * 366);

// RFC 6749 A.12: a token is 1*VSCHAR (%x20-7E). Anything else (newline, ESC, NUL, non-ASCII)
// would reach terminals, shell variables and YAML unescaped.
bool is_vschar_text(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x20 && c <= 0x7e; });
}

bool retryable(int status) { return status == 429 || (status >= 500 && status <= 599); }

std::string trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

// Provider texts end up on the user's terminal: one line, no control characters, bounded.
std::string one_line(std::string_view s, size_t max = 400) {
  std::string out;
  for (char c : s) {
    if (c == '\r' || c == '\n') break;  // Entra appends "Trace ID: …" lines after the first
    out += (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? ' ' : c;
  }
  out = trim(out);
  if (out.size() > max) out = out.substr(0, max) + "…";
  return out;
}

std::string describe_unusable(std::string_view /*body: may hold a token, never shown*/, std::string_view why) {
  return "the token endpoint returned an unusable response: " + std::string(why);
}

long long seconds_between(std::chrono::steady_clock::time_point a, std::chrono::steady_clock::time_point b) {
  return std::chrono::duration_cast<seconds>(b - a).count();
}

// `exp` of a JWT access token, for a response without expires_in.
std::optional<long long> jwt_exp(const std::string& token) {
  auto first = token.find('.');
  if (first == std::string::npos) return std::nullopt;
  auto second = token.find('.', first + 1);
  if (second == std::string::npos) return std::nullopt;
  auto payload = support::base64_decode(std::string_view(token).substr(first + 1, second - first - 1));
  if (!payload) return std::nullopt;
  auto v = support::json::parse(*payload);
  if (!v || !v->is_object()) return std::nullopt;
  const support::json::Value* exp = v->find("exp");
  if (!exp) return std::nullopt;
  return exp->as_int();
}

}  // namespace

std::optional<long long> parse_http_date(std::string_view value) {
  // IMF-fixdate (RFC 9110): "Sun, 06 Nov 1994 08:49:37 GMT".
  const std::string v(value);
  char wday[4] = {}, mon[4] = {}, zone[4] = {};
  int day = 0, year = 0, hh = 0, mm = 0, ss = 0;
  if (std::sscanf(v.c_str(), "%3s, %d %3s %d %d:%d:%d %3s", wday, &day, mon, &year, &hh, &mm, &ss, zone) != 8 ||
      std::strcmp(zone, "GMT") != 0)
    return std::nullopt;
  static const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  int month = -1;
  for (int i = 0; i < 12; ++i)
    if (std::strcmp(mon, kMonths[i]) == 0) month = i;
  if (month < 0 || day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 60) return std::nullopt;
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month;
  tm.tm_mday = day;
  tm.tm_hour = hh;
  tm.tm_min = mm;
  tm.tm_sec = ss;
  return static_cast<long long>(timegm(&tm));
}

std::optional<milliseconds> parse_retry_after(std::string_view value, std::chrono::system_clock::time_point now) {
  std::string v = trim(value);
  if (v.empty()) return std::nullopt;
  if (std::all_of(v.begin(), v.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
    // Any number of digits: a huge delay saturates (and then overruns the deadline, said so).
    if (v.size() > 9) return kMaxRetryAfter;
    return std::min(milliseconds(std::stoll(v) * 1000), kMaxRetryAfter);
  }
  // In seconds as integers: a date in year 9999 is past system_clock's range (2262), and
  // converting it would wrap to a wait of 0. The wait saturates at kMaxRetryAfter instead.
  const auto date = parse_http_date(v);
  if (!date) return std::nullopt;
  const long long when = *date;
  const long long now_s = std::chrono::duration_cast<seconds>(now.time_since_epoch()).count();
  if (when <= now_s) return milliseconds(0);
  const long long max_s = std::chrono::duration_cast<seconds>(kMaxRetryAfter).count();
  return milliseconds(std::min(when - now_s, max_s) * 1000);
}

sdk::Result<sdk::HttpResponse> post_with_retries(sdk::HostServices& services, sdk::HttpRequest request,
                                                 std::chrono::steady_clock::time_point deadline,
                                                 const RetryPolicy& policy, const std::string& timeout_text) {
  sdk::Clock& clock = services.clock();
  const auto started = clock.monotonic();
  auto timed_out = [&] {
    // Name the budget the user set (--timeout), not the part of it left when this call began.
    if (!timeout_text.empty())
      return sdk::Status::timeout("timed out after " + timeout_text + " waiting for the token endpoint (--timeout)");
    return sdk::Status::timeout("timed out after " + std::to_string(seconds_between(started, clock.monotonic())) +
                                " s waiting for the token endpoint (raise --timeout?)");
  };
  milliseconds backoff = policy.first_backoff;
  for (int attempt = 1;; ++attempt) {
    auto now = clock.monotonic();
    if (now >= deadline) return timed_out();
    request.timeout = std::chrono::duration_cast<milliseconds>(deadline - now);
    if (request.timeout.count() < 1) request.timeout = milliseconds(1);

    auto response = services.http().send(request);
    if (!response) {
      // A resolver that did not answer is named as such (what to check differs: DNS, not the provider).
      if (response.status().code() == ENTRATOOL_HTTP_RESOLVER_TIMEOUT) return response.status();
      if (response.status().category() == sdk::ErrorCategory::timeout) return timed_out();
      return response.status();
    }
    if (!retryable(response->status) || attempt >= policy.max_attempts) return response;

    milliseconds wait = std::min(backoff, policy.max_backoff);
    backoff *= 2;
    std::string retry_after = response->header("Retry-After");
    if (!retry_after.empty()) {
      if (auto ra = parse_retry_after(retry_after, clock.now())) wait = *ra;
    }
    if (clock.monotonic() + wait >= deadline) {
      // Waiting would overrun the deadline: say so rather than sleep into a certain timeout.
      return sdk::Status::timeout("the token endpoint answered HTTP " + std::to_string(response->status) +
                                  " and asked to retry after " + std::to_string((wait.count() + 999) / 1000) +
                                  " s, past the time left (raise --timeout?)");
    }
    services.console().status("The identity provider answered HTTP " + std::to_string(response->status) +
                              "; retrying in " + std::to_string((wait.count() + 999) / 1000) + " s...");
    clock.sleep_for(wait);
    if (clock.cancelled()) return sdk::Status::error(sdk::ErrorCategory::general, "cancelled", sdk::codes::kCancelled);
  }
}

sdk::Result<sdk::TokenResponse> parse_token_response(std::string_view body,
                                                     const std::vector<std::string>& requested_scopes,
                                                     std::chrono::system_clock::time_point now) {
  std::string head = trim(body.substr(0, std::min<size_t>(body.size(), 64)));
  if (head.empty()) return sdk::Status::network(describe_unusable(body, "an empty body"));
  if (head[0] == '<')
    return sdk::Status::network(
        describe_unusable(body, "an HTML page instead of JSON (a proxy or sign-in page in the way?)"));
  auto parsed = support::json::parse(body);
  if (!parsed) {
    const std::string& why = parsed.status().message();
    bool truncated = why.find("end of input") != std::string::npos || why.find("unterminated") != std::string::npos ||
                     why.find("incomplete") != std::string::npos;
    return sdk::Status::network(
        describe_unusable(body, truncated ? "truncated JSON (" + why + ")" : "not JSON (" + why + ")"));
  }
  const support::json::Value& v = *parsed;
  if (!v.is_object()) return sdk::Status::network(describe_unusable(body, "JSON that is not an object"));

  sdk::TokenResponse t;
  const support::json::Value* at = v.find("access_token");
  if (!at || !at->is_string() || at->text().empty())
    return sdk::Status::network(describe_unusable(body, "no access_token in it"));
  t.access_token = at->text();
  for (const char* field : {"access_token", "token_type", "refresh_token", "id_token", "scope"}) {
    const support::json::Value* f = v.find(field);
    if (f && f->is_string() && !is_vschar_text(f->text()))
      return sdk::Status::network(describe_unusable(
          body, std::string(field) +
                    " holds a control or non-ASCII character (a token is printable ASCII); the provider or something "
                    "between is broken"));
  }

  if (const support::json::Value* tt = v.find("token_type"); tt && tt->is_string() && !tt->text().empty())
    t.token_type = tt->text();

  std::optional<long long> expires_in;
  if (const support::json::Value* e = v.find("expires_in")) {
    if (e->is_number()) {
      if (auto d = e->as_double(); d && std::isfinite(*d) && *d >= 0 && *d < 1e9)
        expires_in = static_cast<long long>(*d);
    } else if (e->is_string()) {
      const std::string& s = e->text();
      if (!s.empty() && s.size() <= 9 &&
          std::all_of(s.begin(), s.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }))
        expires_in = std::stoll(s);
    }
    if (!expires_in) return sdk::Status::network(describe_unusable(body, "expires_in is not a number of seconds"));
    if (*expires_in <= 0)
      return sdk::Status::network(describe_unusable(body, "expires_in is 0: the token is expired when it arrives"));
    t.expires_at = now + std::min(seconds(*expires_in), kMaxTokenLifetime);
  } else if (auto exp = jwt_exp(t.access_token)) {
    // exp is any 64-bit number: compare in seconds before building a time point.
    const long long now_s = std::chrono::duration_cast<seconds>(now.time_since_epoch()).count();
    if (*exp <= now_s)
      return sdk::Status::network(
          describe_unusable(body, "the access token's exp claim is in the past (" + std::to_string(*exp) +
                                      "): it is expired when it arrives (is this machine's clock right?)"));
    t.expires_at = now + std::min(seconds(*exp - now_s), kMaxTokenLifetime);
  } else {
    t.expires_at = now + seconds(3600);
  }

  if (const support::json::Value* s = v.find("scope"); s && s->is_string() && !trim(s->text()).empty()) {
    std::string word;
    for (char c : s->text() + " ") {
      if (c == ' ') {
        if (!word.empty()) t.scopes.push_back(word);
        word.clear();
      } else {
        word += c;
      }
    }
  } else {
    t.scopes = requested_scopes;
  }
  if (const support::json::Value* r = v.find("refresh_token"); r && r->is_string()) t.refresh_token = r->text();
  if (const support::json::Value* i = v.find("id_token"); i && i->is_string()) t.id_token = i->text();

  for (const auto& [name, value] : v.members()) {
    if (name == "access_token" || name == "token_type" || name == "expires_in" || name == "scope" ||
        name == "refresh_token" || name == "id_token")
      continue;
    t.extra.emplace_back(name, support::json::serialize(value));
  }
  return t;
}

std::optional<ProviderError> parse_error(std::string_view body) {
  auto parsed = support::json::parse(body);
  if (!parsed || !parsed->is_object()) return std::nullopt;
  const support::json::Value* e = parsed->find("error");
  if (!e || !e->is_string() || e->text().empty()) return std::nullopt;
  ProviderError out;
  out.error = one_line(e->text(), 80);
  if (out.error.empty())
    return std::nullopt;  // e.g. "\r\nTrace ID": no code left to show (found by fuzz.token_response)
  out.description = one_line(parsed->get_string("error_description"));
  auto pos = out.description.find("AADSTS");
  if (pos != std::string::npos) {
    size_t end = pos + 6;
    while (end < out.description.size() && std::isdigit(static_cast<unsigned char>(out.description[end]))) ++end;
    if (end > pos + 6) out.aadsts = out.description.substr(pos, end - pos);
  }
  return out;
}

std::string hint_for(const ProviderError& e) {
  const std::string& c = e.aadsts;
  if (c == "AADSTS7000215") return "check the client secret (expired or wrong?); use the secret's value, not its ID";
  if (c == "AADSTS7000222") return "the client secret has expired: create a new one in the app registration";
  if (c == "AADSTS7000218") return "the application needs a client secret or a certificate";
  if (c == "AADSTS70011" || c == "AADSTS1002012")
    return "check the scope: client credentials need '<resource>/.default', e.g. https://graph.microsoft.com/.default";
  if (c == "AADSTS90002") return "check the tenant ID or domain, and the cloud (--cloud / --authority-host)";
  if (c == "AADSTS65001") return "consent is missing: an administrator must grant the application's permissions";
  if (c == "AADSTS700016") return "check the client ID, and that the application is registered in this tenant";
  if (c == "AADSTS700027")
    return "check the certificate: it must be the one uploaded to the app registration, and the assertion "
           "algorithm (assertion_alg PS256 or RS256) must be one the tenant accepts";
  if (c == "AADSTS700024")
    return "the client assertion is outside its validity: check this machine's clock, and that the federated "
           "token (file or CI OIDC request) is fresh";
  if (c == "AADSTS700211")
    return "no federated credential of the application trusts the assertion's issuer: check the issuer of its "
           "federated credential in the app registration";
  if (c == "AADSTS70021" || c == "AADSTS700213")
    return "no federated credential of the application matches the assertion's subject and audience: check the "
           "federated credential's subject (e.g. repo:ORG/REPO:ref:refs/heads/main) and audience";
  if (c == "AADSTS50126") return "check the user name and password";
  if (c == "AADSTS50076" || c == "AADSTS50079")
    return "multi-factor authentication is required: use an interactive flow";
  if (c == "AADSTS70008" || c == "AADSTS700082") return "the refresh token has expired: sign in again";
  if (e.error == "invalid_client") return "check the client ID and its secret or certificate";
  if (e.error == "invalid_scope") return "check the scope";
  if (e.error == "invalid_grant") return "the code or refresh token is expired or revoked: sign in again";
  if (e.error == "unauthorized_client")
    return "the application is not allowed to use this flow, or is unknown in this tenant";
  if (e.error == "consent_required" || e.error == "interaction_required")
    return "sign in interactively to give consent";
  return {};
}

sdk::Status error_status(const sdk::HttpResponse& response, bool entra) {
  const std::string http = "HTTP " + std::to_string(response.status);
  auto err = parse_error(response.body);
  // No such endpoint, whatever the body says (oidc-provider answers an unknown route with an
  // OAuth error): the URL is wrong, or moved since the discovery document was read.
  if (response.status == 404) {
    std::string said;  // what the server said, when it said it as an OAuth error
    if (err) said = ": " + err->error + (err->description.empty() ? std::string() : ": " + err->description);
    return sdk::Status::error(sdk::ErrorCategory::network,
                              "the token endpoint returned an unusable response: " + http + " (not found" +
                                  (entra ? "; wrong authority host or tenant?)"
                                         : "; check the issuer: its discovery document names this endpoint)") +
                                  said,
                              sdk::codes::kNotFound);
  }
  if (!err) {
    if (retryable(response.status)) return sdk::Status::network("the token endpoint is unavailable (" + http + ")");
    std::string head = trim(std::string_view(response.body).substr(0, std::min<size_t>(response.body.size(), 64)));
    std::string what = !head.empty() && head[0] == '<' ? "an HTML page"
                       : head.empty()                  ? "an empty body"
                                                       : "no OAuth error in it";
    return sdk::Status::network("the token endpoint returned an unusable response: " + http + " with " + what);
  }
  std::string message = err->error;
  if (!err->description.empty()) message += ": " + err->description;
  if (retryable(response.status))
    return sdk::Status::error(sdk::ErrorCategory::network,
                              "the token endpoint is unavailable (" + http + "): " + message, err->error);
  ProviderError shown = *err;
  if (!entra) shown.aadsts.clear();  // another provider's codes are not Entra's
  std::string hint = hint_for(shown);
  if (!hint.empty()) message += " Hint: " + hint;
  return sdk::Status::error(sdk::ErrorCategory::auth_failed, message, err->error);
}

TokenEndpointService::TokenEndpointService(sdk::HostServices& services, RetryPolicy policy)
    : services_(services), policy_(policy) {}

sdk::Result<std::string> TokenEndpointService::post(const sdk::FlowRequest& flow, std::string_view url,
                                                    const sdk::Form& form, const sdk::Headers& headers) {
  sdk::HttpRequest request;
  request.method = "POST";
  request.url = url.empty() ? flow.token_endpoint : std::string(url);
  if (request.url.empty()) return sdk::Status::general("no token endpoint for this profile");
  request.form = form;
  request.headers = headers;
  request.headers.emplace_back("Accept", "application/json");
  request.ca_bundle = flow.ca_bundle;
  // The host always sets a deadline; a request built without one still gets a bounded wait.
  auto deadline = flow.deadline == std::chrono::steady_clock::time_point{}
                      ? services_.clock().monotonic() + std::chrono::seconds(60)
                      : flow.deadline;
  const Acquisition* acquisition = current_acquisition(flow);
  auto response = post_with_retries(services_, std::move(request), deadline, policy_,
                                    acquisition ? acquisition->timeout_text : std::string());
  if (!response) return response.status();
  if (response->status < 200 || response->status > 299)
    return error_status(*response, !acquisition || acquisition->issuer.empty());
  return std::move(response->body);
}

sdk::Result<sdk::TokenResponse> TokenEndpointService::request_token(const sdk::FlowRequest& request,
                                                                    const sdk::Form& form,
                                                                    const sdk::Headers& headers) {
  // A claims challenge (get-token --claims) goes with every token request of the acquisition,
  // whichever flow makes it; a flow that already sent one is left alone.
  const Acquisition* acquisition = current_acquisition(request);
  bool has_claims = std::any_of(form.begin(), form.end(), [](const auto& f) { return f.first == "claims"; });
  sdk::Form with_claims;
  if (acquisition && !acquisition->claims.empty() && !has_claims) {
    with_claims = form;
    with_claims.emplace_back("claims", acquisition->claims);
  }
  auto body = post(request, {}, with_claims.empty() ? form : with_claims, headers);
  if (!body) return body.status();
  return parse_token_response(*body, request.scopes, services_.clock().now());
}

}  // namespace entratool::host
