#include "entratool/support/encoding.h"

#include <cstdio>
#include <ctime>

namespace entratool::support {

namespace {
constexpr char kStd[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr char kUrl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string encode(std::string_view in, const char* alphabet, bool pad) {
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t n = (uint32_t(uint8_t(in[i])) << 16) | (uint32_t(uint8_t(in[i + 1])) << 8) | uint8_t(in[i + 2]);
    out += alphabet[(n >> 18) & 63];
    out += alphabet[(n >> 12) & 63];
    out += alphabet[(n >> 6) & 63];
    out += alphabet[n & 63];
  }
  size_t rest = in.size() - i;
  if (rest == 1) {
    uint32_t n = uint32_t(uint8_t(in[i])) << 16;
    out += alphabet[(n >> 18) & 63];
    out += alphabet[(n >> 12) & 63];
    if (pad) out += "==";
  } else if (rest == 2) {
    uint32_t n = (uint32_t(uint8_t(in[i])) << 16) | (uint32_t(uint8_t(in[i + 1])) << 8);
    out += alphabet[(n >> 18) & 63];
    out += alphabet[(n >> 12) & 63];
    out += alphabet[(n >> 6) & 63];
    if (pad) out += '=';
  }
  return out;
}

int decode_char(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+' || c == '-') return 62;
  if (c == '/' || c == '_') return 63;
  return -1;
}
}  // namespace

std::string base64_encode(std::string_view bytes) { return encode(bytes, kStd, true); }
std::string base64url_encode(std::string_view bytes) { return encode(bytes, kUrl, false); }

std::optional<std::string> base64_decode(std::string_view text) {
  size_t len = text.size();
  size_t padding = 0;
  while (len > 0 && text[len - 1] == '=' && padding < 2) {
    --len;
    ++padding;
  }
  if (padding > 0 && (len + padding) % 4 != 0) return std::nullopt;
  if (len % 4 == 1) return std::nullopt;
  std::string out;
  out.reserve(len * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (size_t i = 0; i < len; ++i) {
    int v = decode_char(text[i]);
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | uint32_t(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  // Leftover bits must be zero (canonical encoding).
  if (bits > 0 && (acc & ((1u << bits) - 1)) != 0) return std::nullopt;
  return out;
}

std::string form_urlencode(std::string_view s) {
  static const char hex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
        c == '_' || c == '*') {
      out += ch;
    } else if (c == ' ') {
      out += '+';
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::string form_urlencode(const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string out;
  for (const auto& [k, v] : fields) {
    if (!out.empty()) out += '&';
    out += form_urlencode(k);
    out += '=';
    out += form_urlencode(v);
  }
  return out;
}

std::optional<std::string> form_urldecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '+') {
      out += ' ';
    } else if (c == '%') {
      if (i + 2 >= s.size()) return std::nullopt;
      auto hexval = [](char h) -> int {
        if (h >= '0' && h <= '9') return h - '0';
        if (h >= 'a' && h <= 'f') return h - 'a' + 10;
        if (h >= 'A' && h <= 'F') return h - 'A' + 10;
        return -1;
      };
      int hi = hexval(s[i + 1]), lo = hexval(s[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

std::string hex_encode(std::string_view bytes) {
  static const char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (char ch : bytes) {
    auto c = static_cast<unsigned char>(ch);
    out += hex[c >> 4];
    out += hex[c & 15];
  }
  return out;
}

std::string format_utc_iso8601(std::chrono::system_clock::time_point t) {
  std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::optional<std::chrono::system_clock::time_point> parse_utc_iso8601(std::string_view s) {
  int y, mo, d, h, mi, sec;
  std::string str(s.substr(0, 40));
  int consumed = 0;
  if (std::sscanf(str.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &consumed) != 6)
    return std::nullopt;
  size_t pos = static_cast<size_t>(consumed);
  if (pos < str.size() && str[pos] == '.') {
    ++pos;
    while (pos < str.size() && str[pos] >= '0' && str[pos] <= '9') ++pos;
  }
  if (pos + 1 != str.size() || str[pos] != 'Z') return std::nullopt;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) return std::nullopt;
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = sec;
  // system_clock counts nanoseconds in 64 bits (years 1677..2262): a time outside is refused,
  // never wrapped into another century.
  const std::time_t t = timegm(&tm);
  using limits = std::chrono::system_clock::duration;
  const auto max_seconds = std::chrono::duration_cast<std::chrono::seconds>(limits::max()).count() - 1;
  const auto min_seconds = std::chrono::duration_cast<std::chrono::seconds>(limits::min()).count() + 1;
  if (t == static_cast<std::time_t>(-1) && y != 1969) return std::nullopt;
  if (static_cast<long long>(t) > max_seconds || static_cast<long long>(t) < min_seconds) return std::nullopt;
  return std::chrono::system_clock::time_point(std::chrono::seconds(t));
}

std::optional<std::chrono::milliseconds> parse_duration(std::string_view s) {
  // One or more <number>[.<fraction>]<unit> parts, largest unit first, each unit once ("2m30s",
  // "1.5s", "1h15m"); a bare number alone means seconds. Longer than ~3 years is refused, so
  // nothing below can overflow.
  constexpr long long kMaxMs = 100000000LL * 1000;
  struct Unit {
    std::string_view name;
    long long ms;
  };
  constexpr Unit kUnits[] = {{"h", 3600000}, {"m", 60000}, {"s", 1000}, {"ms", 1}};
  if (s.empty()) return std::nullopt;
  long long total = 0;
  std::size_t i = 0, next_unit = 0;
  while (i < s.size()) {
    long long whole = 0;
    std::size_t digits = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      whole = whole * 10 + (s[i] - '0');
      if (whole > kMaxMs) return std::nullopt;
      ++i, ++digits;
    }
    long long fraction = 0, scale = 1;
    std::size_t fraction_digits = 0;
    if (i < s.size() && s[i] == '.') {
      ++i;
      while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
        if (fraction_digits < 9) fraction = fraction * 10 + (s[i] - '0'), scale *= 10;
        ++i, ++fraction_digits;
      }
      if (fraction_digits == 0) return std::nullopt;
    }
    if (digits == 0 && fraction_digits == 0) return std::nullopt;
    std::size_t unit_end = i;
    while (unit_end < s.size() && ((s[unit_end] >= 'a' && s[unit_end] <= 'z'))) ++unit_end;
    std::string_view unit = s.substr(i, unit_end - i);
    long long unit_ms = 0;
    if (unit.empty()) {
      if (total != 0 || next_unit != 0 || unit_end != s.size()) return std::nullopt;  // "45" only alone
      unit_ms = 1000;
      next_unit = 4;
    } else {
      std::size_t u = next_unit;
      while (u < 4 && kUnits[u].name != unit) ++u;
      if (u == 4) return std::nullopt;  // unknown, repeated or out of order
      unit_ms = kUnits[u].ms;
      next_unit = u + 1;
    }
    if (whole > kMaxMs / unit_ms) return std::nullopt;
    total += whole * unit_ms + fraction * unit_ms / scale;
    if (total > kMaxMs) return std::nullopt;
    i = unit_end;
  }
  return std::chrono::milliseconds(total);
}

}  // namespace entratool::support
