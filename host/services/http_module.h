#pragma once
// Loading the network module (host/modules/http/, OpenSSL) on demand.
//
// What the module decides and what it leaves to its callers: it trusts the system CAs plus
// HttpRequest::ca_bundle, which flows copy from FlowRequest::ca_bundle; the host resolves that
// (acquire.cpp: --ca-bundle, the profile, ENTRATOOL_CA_BUNDLE, SSL_CERT_FILE). The module itself
// reads HTTPS_PROXY/https_proxy and NO_PROXY/no_proxy (HttpRequest::proxy overrides them),
// never proxies loopback hosts, and refuses http:// to anything but loopback.

#include <memory>
#include <string>

#include "entratool/sdk/host_services.h"

namespace entratool::host {

/// <exe>/../lib/entratool/entratool-http.so.
std::string default_http_module_path();

/// Loads the module at `path` (kept loaded until exit), checks its interface version
/// (ENTRATOOL_HTTP_ABI_VERSION, modules/http/http_api.h), and wraps its C service
/// (et_http_service) in a client. Errors are ErrorCategory::network with what is wrong and how to
/// fix it. The client calls into the module only through C: no exception or C++ object crosses.
sdk::Result<std::unique_ptr<sdk::HttpClient>> load_http_module(const std::string& path);

}  // namespace entratool::host
