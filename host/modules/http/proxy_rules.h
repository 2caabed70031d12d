#pragma once
// Which hosts the network module talks to directly (host-internal, compiled into the module and
// its unit test).

#include <string>

namespace entratool::http {

/// True for names and addresses that never leave the machine: localhost (and *.localhost),
/// 127.0.0.0/8, ::1. Only these may use plain http://, and they are never proxied.
bool is_loopback(std::string host);

/// NO_PROXY as curl reads it: comma- or space-separated entries; "*" matches every host;
/// "example.com" and ".example.com" match that domain and its subdomains; a ":port" suffix is
/// ignored; case-insensitive.
bool bypasses_proxy(const std::string& host, const std::string& no_proxy);

}  // namespace entratool::http
