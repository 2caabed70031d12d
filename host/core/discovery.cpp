#include "core/discovery.h"

#include <optional>

#include "core/authority.h"
#include "entratool/support/files.h"
#include "entratool/support/json.h"
#include "entratool/support/sha256.h"

namespace entratool::host {

namespace json = support::json;
using std::chrono::milliseconds;
using std::chrono::system_clock;

namespace {

constexpr long long kCacheVersion = 1;

long long epoch_ms(system_clock::time_point t) {
  return std::chrono::duration_cast<milliseconds>(t.time_since_epoch()).count();
}

// The cached document, when it is ours, for this issuer, and young enough; else nullopt.
std::optional<ProviderEndpoints> read_cached(const std::string& path, const std::string& issuer,
                                             system_clock::time_point now, sdk::Logger& log) {
  if (!support::files::exists(path)) return std::nullopt;
  auto text = support::files::read_file(path, support::files::trusted_file_rules("the discovery cache"));
  if (!text) {
    log.log(sdk::LogLevel::debug, "discovery cache unreadable, fetching again: " + text.status().message());
    return std::nullopt;
  }
  auto doc = json::parse(*text);
  if (!doc || !doc->is_object()) return std::nullopt;
  const json::Value* version = doc->find("version");
  const json::Value* fetched = doc->find("fetched_at_ms");
  if (!version || version->as_int() != kCacheVersion || doc->get_string("issuer") != issuer || !fetched ||
      !fetched->as_int())
    return std::nullopt;
  const long long age_ms = epoch_ms(now) - *fetched->as_int();
  // A document "fetched" in the future (a clock set back) is as untrustworthy as an old one.
  if (age_ms < 0 || age_ms >= std::chrono::duration_cast<milliseconds>(kDiscoveryLifetime).count()) return std::nullopt;
  auto endpoints = parse_discovery_document(doc->get_string("document"), issuer, doc->get_string("url"));
  if (!endpoints) return std::nullopt;
  return std::move(*endpoints);
}

void write_cached(const std::string& config_dir, const std::string& path, const std::string& issuer,
                  const std::string& url, const std::string& body, system_clock::time_point now, sdk::Logger& log) {
  json::Value doc = json::Value::object();
  doc.set("version", json::Value::number(kCacheVersion));
  doc.set("issuer", json::Value::string(issuer));
  doc.set("url", json::Value::string(url));
  doc.set("fetched_at_ms", json::Value::number(epoch_ms(now)));
  doc.set("document", json::Value::string(body));
  sdk::Status s = support::files::ensure_private_directory(config_dir);
  if (s) s = support::files::ensure_private_directory(config_dir + "/discovery");
  if (s) s = support::files::atomic_write(path, json::serialize(doc), 0600);
  // Not fatal: the next acquisition fetches the document again.
  if (!s) log.log(sdk::LogLevel::warning, "the discovery document was not cached: " + s.message());
}

}  // namespace

std::string discovery_cache_path(const std::string& config_dir, const std::string& issuer) {
  return config_dir + "/discovery/" + support::sha256_hex(issuer) + ".json";
}

sdk::Result<Discovered> discover_endpoints(const std::string& config_dir, sdk::HostServices& services,
                                           const std::string& issuer, const std::string& ca_bundle,
                                           std::chrono::steady_clock::time_point deadline, bool refresh) {
  const std::string path = discovery_cache_path(config_dir, issuer);
  sdk::Clock& clock = services.clock();
  if (!refresh)
    if (auto cached = read_cached(path, issuer, clock.now(), services.logger()))
      return Discovered{std::move(*cached), true};

  const std::string url = discovery_url(issuer);
  sdk::HttpRequest request;
  request.method = "GET";
  request.url = url;
  request.headers.emplace_back("Accept", "application/json");
  request.ca_bundle = ca_bundle;
  const auto left = std::chrono::duration_cast<milliseconds>(deadline - clock.monotonic());
  if (left.count() <= 0)
    return sdk::Status::timeout("timed out before the discovery document at " + url + " could be read (--timeout)");
  request.timeout = left;
  services.logger().log(sdk::LogLevel::debug, "reading the discovery document " + url);
  auto response = services.http().send(request);
  if (!response) return response.status();
  if (response->status == 404)
    return sdk::Status::error(sdk::ErrorCategory::network,
                              "the discovery document " + url +
                                  " was not found (HTTP 404); check the issuer URL (it must be the provider's "
                                  "issuer, without /.well-known/...)",
                              sdk::codes::kNotFound);
  if (response->status < 200 || response->status > 299)
    return sdk::Status::network("the discovery document " + url + " could not be read (HTTP " +
                                std::to_string(response->status) +
                                "); check the issuer URL and that the provider is up");
  auto endpoints = parse_discovery_document(response->body, issuer, url);
  if (!endpoints) return endpoints.status();
  write_cached(config_dir, path, issuer, url, response->body, clock.now(), services.logger());
  return Discovered{std::move(*endpoints), false};
}

}  // namespace entratool::host
