#pragma once
// The device authorization response (RFC 8628 §3.2) as the device-code flow reads it; a header
// of its own so the parser can be fuzzed (tests/fuzz/fuzz_device_code.cpp) without the plugin.

#include <string>

#include "entratool/sdk/status.h"

namespace entratool::flows {

inline constexpr long long kDefaultInterval = 5;  // RFC 8628 §3.2
/// Bounds on what the provider may ask for, so the flow's deadline arithmetic cannot overflow:
/// a code lives at most a day (Entra: 15 min) and polling waits at most 5 min between requests.
inline constexpr long long kMaxExpiresIn = 24LL * 60 * 60;
inline constexpr long long kMaxInterval = 5LL * 60;

struct DeviceAuthorization {
  std::string device_code;  // secret
  std::string user_code;
  std::string verification_uri;
  long long expires_in = 900;             ///< seconds, in [1, kMaxExpiresIn]
  long long interval = kDefaultInterval;  ///< seconds, in [1, kMaxInterval]
};

/// Parses the device code endpoint's answer. device_code, user_code and verification_uri (or
/// Entra v1's verification_url) are required; expires_in and interval may be numbers or numeric
/// strings, are capped at the bounds above, and take their defaults when absent or not positive.
sdk::Result<DeviceAuthorization> parse_device_authorization(const std::string& body);

}  // namespace entratool::flows
