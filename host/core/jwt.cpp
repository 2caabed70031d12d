#include "core/jwt.h"

#include <cstdio>
#include <ctime>
#include <initializer_list>
#include <optional>

#include "entratool/support/encoding.h"

namespace entratool::host::jwt {

namespace json = support::json;
using sdk::Status;

namespace {

constexpr std::string_view kWhitespace = " \t\r\n\v\f";
constexpr std::string_view kByteOrderMark = "\xEF\xBB\xBF";
// NumericDates we can print as a calendar date: 0001-01-01T00:00:00Z .. 9999-12-31T23:59:59Z.
constexpr double kFirstPrintableDate = -62135596800.0;
constexpr double kLastPrintableDate = 253402300799.0;
constexpr long long kYear = 365LL * 86400;  // calendar-free: good enough for "about how long"

// floor() of a finite value well inside long long's range (callers bound it), without libm: the
// executable needs no libm.so for this one function (docs/rss.md).
long long floor_whole(double x) {
  auto t = static_cast<long long>(x);  // towards zero
  return static_cast<double>(t) > x ? t - 1 : t;
}

std::string_view trim(std::string_view s) {
  auto first = s.find_first_not_of(kWhitespace);
  if (first == std::string_view::npos) return {};
  auto last = s.find_last_not_of(kWhitespace);
  return s.substr(first, last - first + 1);
}

// True when `s` begins with "Bearer" in any case.
bool starts_with_bearer_word(std::string_view s) {
  constexpr std::string_view kBearer = "bearer";
  if (s.size() < kBearer.size()) return false;
  for (size_t i = 0; i < kBearer.size(); ++i) {
    char c = s[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != kBearer[i]) return false;
  }
  return true;
}

sdk::Result<json::Value> decode_json_part(std::string_view part, const char* name) {
  if (part.empty()) return Status::general(std::string("the ") + name + " is empty");
  auto bytes = support::base64_decode(part);
  if (!bytes) {
    std::string message = std::string("the ") + name + " is not valid base64url";
    // A token copied from a wrapped terminal line is the usual cause; say so.
    if (part.find_first_of(kWhitespace) != std::string_view::npos) message += " (it contains whitespace)";
    return Status::general(message);
  }
  auto value = json::parse(*bytes);
  if (!value) {
    std::string reason = value.status().message();
    // The parser says "invalid JSON at offset N: ..."; we already say "not valid JSON".
    if (reason.rfind("invalid JSON ", 0) == 0) reason.erase(0, 13);
    return Status::general(std::string("the ") + name + " is not valid JSON: " + reason);
  }
  if (!value->is_object()) return Status::general(std::string("the ") + name + " is not a JSON object");
  return std::move(*value);
}

// Claim values come from an untrusted token and go to a terminal: control characters (C0, DEL
// and the C1 range, which some terminals obey) are shown escaped, never emitted.
std::string printable(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    unsigned code = 0;
    bool control = false;
    if (c < 0x20 || c == 0x7f) {
      code = c;
      control = true;
    } else if (c == 0xC2 && i + 1 < s.size()) {
      auto next = static_cast<unsigned char>(s[i + 1]);
      if (next >= 0x80 && next <= 0x9f) {
        code = next;
        control = true;
        ++i;
      }
    }
    if (control) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", code);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

std::string render(const json::Value& v, const char* separator) {
  switch (v.type()) {
    case json::Value::Type::string:
      return printable(v.text());
    case json::Value::Type::array: {
      std::string out;
      for (const auto& item : v.items()) {
        if (!out.empty()) out += separator;
        out += render(item, separator);
      }
      return out;
    }
    default:
      return printable(json::serialize(v));
  }
}

// A claim worth a line: present and not empty (Entra sends "roles": [] on delegated tokens).
const json::Value* shown_claim(const json::Value& payload, std::string_view name) {
  const json::Value* v = payload.find(name);
  if (!v || v->is_null()) return nullptr;
  if ((v->is_string() && v->text().empty()) || (v->is_array() && v->items().empty())) return nullptr;
  return v;
}

struct NumericDate {
  double seconds = 0;
  std::string text;  ///< as sent, for dates beyond what a calendar line can show
};

sdk::Result<std::optional<NumericDate>> numeric_date(const json::Value& payload, const char* claim) {
  const json::Value* v = payload.find(claim);
  if (!v) return std::optional<NumericDate>();
  if (!v->is_number())
    return Status::general(std::string("the ") + claim +
                           " claim is not a NumericDate (a number of seconds since 1970)");
  double seconds = v->as_double().value_or(0.0);
  return std::optional<NumericDate>(NumericDate{seconds, v->text()});
}

std::string show_date(const NumericDate& d) {
  if (d.seconds >= kFirstPrintableDate && d.seconds <= kLastPrintableDate)
    return format_numeric_date(floor_whole(d.seconds));
  return d.text + " (outside the years 1 to 9999)";
}

// Whole seconds from a difference that may be huge or infinite; clamped before the conversion,
// which would be undefined behaviour otherwise.
long long whole_seconds(double difference) {
  if (!(difference < 1e15)) return static_cast<long long>(1e15);
  if (difference < 0) return 0;
  return floor_whole(difference);
}

std::string plural(long long n, const char* unit) { return std::to_string(n) + " " + unit + (n == 1 ? "" : "s"); }

}  // namespace

std::string_view strip_token_text(std::string_view input) {
  std::string_view s = trim(input);
  if (s.substr(0, kByteOrderMark.size()) == kByteOrderMark) s = trim(s.substr(kByteOrderMark.size()));
  // "Bearer" then whitespace, or "Bearer" alone (an empty token, not a one-part opaque one).
  if (starts_with_bearer_word(s) && (s.size() == 6 || s[6] == ' ' || s[6] == '\t')) s = trim(s.substr(6));
  return s;
}

sdk::Result<DecodedToken> decode(std::string_view input) {
  if (input.size() > kMaxTokenBytes) return Status::general(kTooLargeMessage);
  std::string_view text = strip_token_text(input);
  if (text.empty()) return Status::general("the token is empty");

  std::vector<std::string_view> parts;
  size_t start = 0;
  for (;;) {
    size_t dot = text.find('.', start);
    parts.push_back(text.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  if (parts.size() == 5)
    return Status::general("this is an encrypted token (JWE, 5 parts); it cannot be decoded without the key");
  if (parts.size() != 3)
    return Status::general("not a JWT: expected 3 dot-separated parts, found " + std::to_string(parts.size()));

  auto header = decode_json_part(parts[0], "header");
  if (!header) return header.status();
  auto payload = decode_json_part(parts[1], "payload");
  if (!payload) return payload.status();
  // An empty signature is an unsecured JWT (alg "none"); anything else must at least be base64url.
  if (!parts[2].empty() && !support::base64_decode(parts[2])) {
    std::string message = "the signature is not valid base64url";
    if (parts[2].find_first_of(kWhitespace) != std::string_view::npos) message += " (it contains whitespace)";
    return Status::general(message);
  }
  return DecodedToken{std::move(*header), std::move(*payload), std::string(parts[2])};
}

json::Value to_document(const DecodedToken& token) {
  json::Value doc = json::Value::object();
  doc.set("header", token.header);
  doc.set("payload", token.payload);
  doc.set("signature", json::Value::string(token.signature));
  return doc;
}

std::string describe_duration(long long seconds) {
  if (seconds < 0) seconds = 0;
  if (seconds < 60) return plural(seconds, "second");
  if (seconds < 3600) return plural(seconds / 60, "minute");
  if (seconds < 86400) {
    long long minutes = seconds % 3600 / 60;
    return plural(seconds / 3600, "hour") + (minutes ? " " + plural(minutes, "minute") : "");
  }
  if (seconds < kYear) {
    long long hours = seconds % 86400 / 3600;
    return plural(seconds / 86400, "day") + (hours ? " " + plural(hours, "hour") : "");
  }
  if (seconds < 1000 * kYear) {
    long long days = seconds % kYear / 86400;
    return plural(seconds / kYear, "year") + (days ? " " + plural(days, "day") : "");
  }
  return "more than 1000 years";
}

std::string format_numeric_date(long long seconds) {
  std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  if (!gmtime_r(&t, &tm)) return std::to_string(seconds);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d %02d:%02d:%02d UTC", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

sdk::Result<Summary> summarize(const json::Value& payload, std::chrono::system_clock::time_point now) {
  auto iat = numeric_date(payload, "iat");
  if (!iat) return iat.status();
  auto nbf = numeric_date(payload, "nbf");
  if (!nbf) return nbf.status();
  auto exp = numeric_date(payload, "exp");
  if (!exp) return exp.status();
  const double now_seconds = std::chrono::duration<double>(now.time_since_epoch()).count();

  Summary summary;
  std::string& out = summary.text;
  auto line = [&out](const char* label, const std::string& value) {
    out += "  " + std::string(label) + ": " + value + "\n";
  };
  auto claim_line = [&](const char* label, std::initializer_list<std::string_view> names, const char* separator) {
    for (auto name : names)
      if (const json::Value* v = shown_claim(payload, name)) return line(label, render(*v, separator));
  };

  out = "Token Information:\n";
  claim_line("Audience", {"aud"}, ", ");
  claim_line("Issuer", {"iss"}, ", ");
  if (*iat) line("Issued", show_date(**iat));
  if (*nbf) {
    std::string value = show_date(**nbf);
    if (now_seconds < (*nbf)->seconds)
      value += " (in " + describe_duration(whole_seconds((*nbf)->seconds - now_seconds)) + ")";
    line("Not before", value);
  }
  if (*exp) {
    line("Expires", show_date(**exp));
    double left = (*exp)->seconds - now_seconds;
    if (left > 0) {
      line("Time remaining", describe_duration(whole_seconds(left)));
    } else {
      std::string ago = describe_duration(whole_seconds(-left));
      line("Time remaining", "none, expired " + ago + " ago");
      summary.verdict = Status::general("the token expired " + ago + " ago (at " + show_date(**exp) + ")");
    }
  } else {
    line("Expires", "never (the token has no exp claim)");
  }
  claim_line("Scopes", {"scp"}, " ");
  claim_line("Roles", {"roles"}, " ");
  claim_line("Application ID", {"appid", "azp"}, " ");
  claim_line("Tenant ID", {"tid"}, " ");
  claim_line("User", {"upn", "preferred_username", "unique_name", "email"}, " ");
  claim_line("Name", {"name"}, " ");
  claim_line("Object ID", {"oid"}, " ");

  // Expiry is the more useful reason when both apply.
  if (summary.verdict.is_ok() && *nbf && now_seconds < (*nbf)->seconds)
    summary.verdict = Status::general("the token is not valid yet: its nbf is " + show_date(**nbf) + ", in " +
                                      describe_duration(whole_seconds((*nbf)->seconds - now_seconds)));
  return summary;
}

}  // namespace entratool::host::jwt
