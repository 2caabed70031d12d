#pragma once
// Loading the network module (host/http/, Poco) on demand.

#include <memory>
#include <string>

#include "entratool/sdk/host_services.h"

namespace entratool::host {

/// <exe>/../lib/entratool/entratool-http.so.
std::string default_http_module_path();

/// Loads the module at `path` (kept loaded until exit), checks its interface version, and creates
/// a client. Errors are ErrorCategory::network with what is wrong and how to fix it.
sdk::Result<std::unique_ptr<sdk::HttpClient>> load_http_module(const std::string& path);

}  // namespace entratool::host
