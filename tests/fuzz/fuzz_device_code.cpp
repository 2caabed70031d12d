// libFuzzer target for the device authorization response (flows/device-code/device_authorization.cpp).
// Properties: an accepted response has its three required fields, a lifetime and a polling
// interval within the bounds the flow's deadline arithmetic relies on (and that arithmetic,
// done here as the flow does it, does not overflow: UBSan); a refusal is a network error.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "device_authorization.h"

namespace flows = entratool::flows;

namespace {

void require(bool condition, const char* what) {
  if (!condition) {
    std::fprintf(stderr, "fuzz_device_code: property violated: %s\n", what);
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string body(reinterpret_cast<const char*>(data), size);
  auto d = flows::parse_device_authorization(body);
  if (!d) {
    require(d.status().category() == entratool::sdk::ErrorCategory::network, "an unusable answer is a network error");
    return 0;
  }
  require(!d->device_code.empty() && !d->user_code.empty() && !d->verification_uri.empty(), "required fields");
  require(d->expires_in >= 1 && d->expires_in <= flows::kMaxExpiresIn, "the lifetime is bounded");
  require(d->interval >= 1 && d->interval <= flows::kMaxInterval, "the interval is bounded");
  // The flow's arithmetic on a monotonic clock that has run for a year.
  const auto began = std::chrono::steady_clock::time_point(std::chrono::hours(24 * 365));
  const auto expires = began + std::chrono::seconds(d->expires_in);
  const auto next = began + std::chrono::seconds(d->interval);
  require(expires > began && next > began, "deadlines lie ahead");
  return 0;
}
