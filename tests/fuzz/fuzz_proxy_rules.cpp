// libFuzzer target for the network module's proxy rules (host/modules/http/proxy_rules.cpp):
// NO_PROXY matching and the loopback test. Input: "<host>\n<NO_PROXY>". Properties: "*" and an
// exact entry always bypass; an empty NO_PROXY never does; matching ignores case; a loopback
// host stays loopback whatever its case.
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "modules/http/proxy_rules.h"

namespace http = entratool::http;

namespace {

void require(bool condition, const char* what) {
  if (!condition) {
    std::fprintf(stderr, "fuzz_proxy_rules: property violated: %s\n", what);
    std::abort();
  }
}

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

bool plain_host(const std::string& h) {
  if (h.empty() || h.size() > 253 || h.front() == '.' || h.back() == '.') return false;
  for (char c : h)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-') return false;
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto nl = in.find('\n');
  std::string host(in.substr(0, nl));
  std::string no_proxy(nl == std::string_view::npos ? std::string_view{} : in.substr(nl + 1));

  const bool bypass = http::bypasses_proxy(host, no_proxy);
  require(http::bypasses_proxy(upper(host), no_proxy) == bypass, "the host's case does not matter");
  require(http::bypasses_proxy(host, upper(no_proxy)) == bypass, "NO_PROXY's case does not matter");
  require(!http::bypasses_proxy(host, ""), "an empty NO_PROXY bypasses nothing");
  require(http::bypasses_proxy(host, "*"), "\"*\" bypasses every host");
  if (plain_host(host)) {
    require(http::bypasses_proxy(host, host), "a host listed exactly bypasses");
    require(http::bypasses_proxy(host, "x.invalid, " + host + ":8080"), "an entry with a port bypasses");
    require(http::bypasses_proxy("sub." + host, "." + host), "a subdomain of a listed domain bypasses");
    require(!http::bypasses_proxy("not" + host, host), "a longer name that only ends the same does not");
  }
  const bool loop = http::is_loopback(host);
  require(http::is_loopback(upper(host)) == loop, "loopback does not depend on case");
  if (loop && host.find_first_not_of("0123456789.") == std::string::npos) {
    // A dotted 127.x address is loopback only when it is one: every octet 0..255 (anything else
    // is a name the resolver may send anywhere).
    unsigned octet = 0;
    for (char c : host + ".") {
      if (c == '.') {
        require(octet <= 255, "a loopback address has octets of at most 255");
        octet = 0;
      } else {
        octet = octet * 10 + static_cast<unsigned>(c - '0');
      }
    }
  }
  return 0;
}
