#pragma once
// The URLs the network module accepts (host-internal): scheme://[userinfo@]host[:port][/path][?query][#fragment],
// with the host a name, an IPv4 literal or a bracketed IPv6 literal.

#include <cstdint>
#include <optional>
#include <string>

namespace entratool::http {

struct Url {
  std::string scheme;    ///< lower case
  std::string userinfo;  ///< as written (percent-encoded), without the '@'
  std::string host;      ///< lower case; an IPv6 literal without its brackets
  uint16_t port = 0;     ///< the URL's, or the scheme's well-known port (http 80, https 443), or 0
  std::string target;    ///< path and query as sent in a request line ("/" when empty); no fragment
};

/// Parses `text`; on failure returns nullopt and sets `error` (e.g. "Bad URI syntax: bad or invalid
/// port number: 99999"). A URL without "//" after its scheme has an empty host.
std::optional<Url> parse_url(const std::string& text, std::string& error);

/// "host:port", the way messages name a server (an IPv6 literal without brackets, as before).
std::string host_port(const Url& url);

/// The host as it goes into a Host header or a CONNECT line: an IPv6 literal in brackets.
std::string authority_host(const std::string& host);

}  // namespace entratool::http
