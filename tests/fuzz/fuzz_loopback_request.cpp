// libFuzzer target for the loopback redirect listener's parsers (host/services/loopback_listener.cpp):
// the redirect URI a profile configures (parse_loopback_redirect) and the request a browser, or
// anyone else on the machine, sends to the listener (parse_request_head, parse_query). Input:
// "<redirect URI>\n<request bytes>". Properties: an accepted redirect URI is http on a loopback
// host with a port in range and a path starting with '/', and its recorded offsets lie inside
// it; a request's method and target hold no space and come from the first line, the path is the target up to
// '?', and the query survives form-encoding and parsing again unchanged.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "entratool/support/encoding.h"
#include "services/loopback_listener.h"

namespace host = entratool::host;

namespace {

void require(bool condition, const char* what) {
  if (!condition) {
    std::fprintf(stderr, "fuzz_loopback_request: property violated: %s\n", what);
    std::abort();
  }
}

bool has_any(const std::string& s, const char* chars) { return s.find_first_of(chars) != std::string::npos; }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto nl = in.find('\n');
  std::string_view uri = in.substr(0, nl);
  std::string_view request = nl == std::string_view::npos ? std::string_view{} : in.substr(nl + 1);

  if (auto t = host::parse_loopback_redirect(uri)) {
    require(t->host == "127.0.0.1" || t->host == "localhost" || t->host == "[::1]", "a loopback host");
    require(t->port >= 0 && t->port <= 65535, "a port in range");
    require(!t->path.empty() && t->path.front() == '/', "the path starts with '/'");
    require(t->path.find_first_of("?#") == std::string::npos, "the path has no query or fragment");
    require(t->original == uri, "the URI is kept as written");
    require(t->port_at <= t->authority_end && t->authority_end <= uri.size(), "offsets lie inside the URI");
  } else {
    const std::string& m = t.status().message();
    require(!m.empty(), "a refusal says why");
  }

  const host::RequestHead head = host::parse_request_head(request);
  require(!has_any(head.method, " "), "the method holds no space");
  require(!has_any(head.target, " "), "the target holds no space");
  require(head.method.find("\r\n") == std::string::npos && head.target.find("\r\n") == std::string::npos,
          "only the request line is read");
  require(head.target.compare(0, head.path.size(), head.path) == 0, "the path starts the target");
  require(head.path.find('?') == std::string::npos, "the path ends before the query");
  const std::string again = "/cb?" + entratool::support::form_urlencode(head.query);
  require(host::parse_query(again) == head.query, "the query survives encoding and parsing");
  return 0;
}
