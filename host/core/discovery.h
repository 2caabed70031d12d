#pragma once
// Where an issuer profile's requests go: the provider's discovery document
// ({issuer}/.well-known/openid-configuration), fetched through the host's HTTP service and kept
// in <config>/discovery/<sha256 of the issuer>.json for 24 hours (written atomically, 0600 in a
// 0700 folder; it holds no secret). Only a cache miss needs it: a cached get-token never reads it.

#include <chrono>
#include <string>

#include "core/discovery_document.h"
#include "entratool/sdk/host_services.h"
#include "entratool/sdk/status.h"

namespace entratool::host {

/// How long a fetched discovery document is used before it is fetched again.
inline constexpr std::chrono::hours kDiscoveryLifetime{24};

struct Discovered {
  ProviderEndpoints endpoints;
  bool from_cache = false;  ///< read from the config folder, not fetched now
};

/// The endpoints of `issuer` (already checked with check_issuer): from the cached document when it
/// was fetched less than kDiscoveryLifetime ago and `refresh` is false; else fetched (one GET, at
/// most until `deadline` on services.clock().monotonic(), trusting `ca_bundle` too), checked with
/// parse_discovery_document and cached. A damaged or foreign cache file is a miss. Failures:
/// HTTP 404 and other non-2xx answers, and unusable documents → network; a document for another
/// issuer → general; transport errors and the deadline as the HTTP service reports them.
sdk::Result<Discovered> discover_endpoints(const std::string& config_dir, sdk::HostServices& services,
                                           const std::string& issuer, const std::string& ca_bundle,
                                           std::chrono::steady_clock::time_point deadline, bool refresh);

/// The cache file of `issuer`: <config_dir>/discovery/<sha256 hex of the issuer>.json.
std::string discovery_cache_path(const std::string& config_dir, const std::string& issuer);

}  // namespace entratool::host
