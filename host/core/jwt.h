#pragma once
// Decoding of JSON Web Tokens for `inspect` and `discover`. Pure functions on untrusted text: no
// I/O, no clock (the caller passes "now"), bounded input, and signatures are never verified (a
// decoder that cannot verify must not pretend to).

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "entratool/sdk/status.h"
#include "entratool/support/json.h"

namespace entratool::host::jwt {

/// Inputs longer than this are refused, not decoded (real tokens are a few KiB).
inline constexpr std::size_t kMaxTokenBytes = std::size_t{1024} * 1024;
/// The refusal for a larger input, the same whichever source it came from.
inline constexpr const char* kTooLargeMessage =
    "the input is larger than 1 MiB; that is no token, so it was not decoded";

/// A JWS-compact token split into its parts; header and payload are JSON objects.
struct DecodedToken {
  support::json::Value header;   ///< the JOSE header, member order and number text as sent
  support::json::Value payload;  ///< the claims, member order and number text as sent
  std::string signature;         ///< the third part as sent (base64url text), not checked
};

/// The token without surrounding whitespace, a UTF-8 byte order mark or a "Bearer " prefix.
std::string_view strip_token_text(std::string_view input);

/// Decodes a token (after strip_token_text). Every failure is a general error with one line
/// naming the part: a JWE, an opaque token, bad base64url, JSON that is not an object.
sdk::Result<DecodedToken> decode(std::string_view input);

/// {"header": {...}, "payload": {...}, "signature": "..."}, the document `inspect` prints.
support::json::Value to_document(const DecodedToken& token);

/// What `discover` shows and decides for a token's claims at `now`.
struct Summary {
  std::string text;     ///< "Token Information:\n  Audience: ...\n" (ends in a newline)
  sdk::Status verdict;  ///< ok, or why the token is not usable now (expired, not yet valid)
};

/// Summarises the claims of a decoded token. A time claim (exp, nbf, iat) that is not a number
/// is an error (malformed), not a summary.
sdk::Result<Summary> summarize(const support::json::Value& payload, std::chrono::system_clock::time_point now);

/// "12 seconds", "45 minutes", "2 hours 5 minutes", "3 days 1 hour", "15 years 243 days",
/// "more than 1000 years"; negative counts as 0.
std::string describe_duration(long long seconds);

/// "2024-12-01 10:00:00 UTC" for a NumericDate (seconds since the epoch, years 1..9999).
std::string format_numeric_date(long long seconds);

}  // namespace entratool::host::jwt
