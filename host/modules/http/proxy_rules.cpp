#include "proxy_rules.h"

#include <algorithm>
#include <cctype>

namespace entratool::http {

namespace {
std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}
}  // namespace

bool is_loopback(std::string host) {
  host = lower(host);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host == "localhost" || host == "::1" || host == "0:0:0:0:0:0:0:1") return true;
  if (host.size() > 10 && host.compare(host.size() - 10, 10, ".localhost") == 0) return true;
  if (host.rfind("127.", 0) != 0) return false;
  // Four decimal octets of at most 255: "127.0.0.256" is a name the resolver may send anywhere.
  int dots = 0;
  size_t digits = 0;
  unsigned octet = 0;
  for (char c : host) {
    if (c == '.') {
      if (digits == 0 || digits > 3 || octet > 255) return false;
      ++dots;
      digits = 0;
      octet = 0;
    } else if (std::isdigit(static_cast<unsigned char>(c))) {
      ++digits;
      octet = octet * 10 + static_cast<unsigned>(c - '0');
      if (digits > 3) return false;
    } else {
      return false;
    }
  }
  return dots == 3 && digits > 0 && digits <= 3 && octet <= 255;
}

bool bypasses_proxy(const std::string& host, const std::string& no_proxy) {
  const std::string h = lower(host);
  auto matches = [&](std::string entry) {
    if (entry.empty()) return false;
    if (entry == "*") return true;
    // "host:port" (but not a bare IPv6 address, which has several colons)
    if (auto colon = entry.rfind(':'); colon != std::string::npos && entry.find(':') == colon) entry.resize(colon);
    if (!entry.empty() && entry.front() == '.') entry.erase(0, 1);
    entry = lower(entry);
    if (entry.empty()) return false;
    if (h == entry) return true;
    return h.size() > entry.size() && h.compare(h.size() - entry.size(), entry.size(), entry) == 0 &&
           h[h.size() - entry.size() - 1] == '.';
  };
  std::string item;
  for (char c : no_proxy + ",") {
    if (c == ',' || c == ' ' || c == '\t') {
      if (matches(item)) return true;
      item.clear();
    } else {
      item += c;
    }
  }
  return false;
}

}  // namespace entratool::http
