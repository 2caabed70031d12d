#pragma once
// The TLS client contexts of the network module (host-internal): one per CA bundle per process.

#include <openssl/ssl.h>

#include <string>

namespace entratool::http {

/// The context for requests trusting the system's CAs plus `ca_bundle` (a PEM file or a folder;
/// empty for the system's only), made on first use and kept for the life of the process. TLS 1.2
/// or later, strict verification (depth 9). NULL when it cannot be made; `error` says why.
/// Thread-safe.
SSL_CTX* tls_context(const std::string& ca_bundle, std::string& error);

}  // namespace entratool::http
