#include "url.h"

#include <algorithm>
#include <cctype>
#include <cstring>

namespace entratool::http {

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// Bytes a request line cannot carry as they are: controls, space, DEL and non-ASCII.
std::string encode_target(const std::string& s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    if (c <= 0x20 || c >= 0x7F) {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

}  // namespace

std::optional<Url> parse_url(const std::string& text, std::string& error) {
  Url url;
  size_t pos = 0;
  // scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":"
  if (!text.empty() && std::isalpha(static_cast<unsigned char>(text[0]))) {
    size_t i = 1;
    while (i < text.size() &&
           (std::isalnum(static_cast<unsigned char>(text[i])) || text[i] == '+' || text[i] == '-' || text[i] == '.'))
      ++i;
    if (i < text.size() && text[i] == ':') {
      url.scheme = lower(text.substr(0, i));
      pos = i + 1;
    }
  }
  if (text.compare(pos, 2, "//") == 0) {
    pos += 2;
    const size_t end = std::min(text.find_first_of("/?#", pos), text.size());
    std::string authority = text.substr(pos, end - pos);
    pos = end;
    if (auto at = authority.find('@'); at != std::string::npos) {
      url.userinfo = authority.substr(0, at);
      authority.erase(0, at + 1);
    }
    size_t i = 0;
    if (!authority.empty() && authority[0] == '[') {
      const size_t close = authority.find(']');
      if (close == std::string::npos) {
        error = "Bad URI syntax: unterminated IPv6 address";
        return std::nullopt;
      }
      url.host = authority.substr(1, close - 1);
      i = close + 1;
      if (i < authority.size() && authority[i] != ':') {
        error = "Bad URI syntax: unexpected characters after the IPv6 address: " + authority.substr(i);
        return std::nullopt;
      }
    } else {
      i = std::min(authority.find(':'), authority.size());
      url.host = authority.substr(0, i);
    }
    url.host = lower(url.host);
    for (unsigned char c : url.host)
      if (c <= 0x20 || c >= 0x7F || std::strchr("/?#@[]\\\"<>^`{|}", c)) {
        error = "Bad URI syntax: invalid character in host name";
        return std::nullopt;
      }
    if (i < authority.size()) {  // ':' port
      const std::string port = authority.substr(i + 1);
      if (!port.empty()) {
        unsigned long n = 0;
        bool ok =
            port.size() <= 5 && std::all_of(port.begin(), port.end(), [](unsigned char c) { return std::isdigit(c); });
        if (ok) n = std::stoul(port);
        if (!ok || n == 0 || n > 65535) {
          error = "Bad URI syntax: bad or invalid port number: " + port;
          return std::nullopt;
        }
        url.port = static_cast<uint16_t>(n);
      }
    }
  }
  if (url.port == 0) url.port = url.scheme == "https" ? 443 : url.scheme == "http" ? 80 : 0;
  const size_t fragment = std::min(text.find('#', pos), text.size());
  url.target = encode_target(text.substr(pos, fragment - pos));
  if (url.target.empty() || url.target[0] == '?') url.target.insert(0, "/");
  return url;
}

std::string host_port(const Url& url) { return url.host + ":" + std::to_string(url.port); }

std::string authority_host(const std::string& host) {
  return host.find(':') != std::string::npos ? "[" + host + "]" : host;
}

}  // namespace entratool::http
