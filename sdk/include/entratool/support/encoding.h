#pragma once
/// \file encoding.h
/// Encodings every flow and the host need: base64 (standard and url-safe), form-urlencoding,
/// hex, and UTC ISO 8601 times. Part of the support library.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace entratool::support {

std::string base64_encode(std::string_view bytes);
/// URL-safe alphabet, no padding (RFC 7515 "Base64url").
std::string base64url_encode(std::string_view bytes);
/// Standard or URL-safe alphabet, padding optional; nullopt on any invalid character or length.
std::optional<std::string> base64_decode(std::string_view text);

/// application/x-www-form-urlencoded encoding of one component (space as '+').
std::string form_urlencode(std::string_view s);
/// Encodes name=value pairs joined by '&'.
std::string form_urlencode(const std::vector<std::pair<std::string, std::string>>& fields);
/// Decodes %XX and '+'; nullopt on a malformed escape.
std::optional<std::string> form_urldecode(std::string_view s);

std::string hex_encode(std::string_view bytes);

/// "2026-11-21T05:00:00Z".
std::string format_utc_iso8601(std::chrono::system_clock::time_point t);
/// Parses "YYYY-MM-DDTHH:MM:SSZ" (fraction ignored); nullopt otherwise.
std::optional<std::chrono::system_clock::time_point> parse_utc_iso8601(std::string_view s);

/// Parses "30s", "2m", "1h", "500ms", decimals ("1.5s") and combinations largest unit first
/// ("2m30s", "1h15m"), or a bare number of seconds; nullopt otherwise (or beyond ~3 years).
std::optional<std::chrono::milliseconds> parse_duration(std::string_view s);

}  // namespace entratool::support
