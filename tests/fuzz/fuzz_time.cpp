// libFuzzer target for the time parsers: Retry-After (seconds or IMF-fixdate), ISO 8601 UTC
// times and --timeout durations. Properties: no overflow (UBSan), Retry-After waits are within
// [0, 24 h], an ISO 8601 time that parses formats back to a time that parses to the same point.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "entratool/support/encoding.h"
#include "services/token_endpoint.h"

namespace {

void require(bool condition, const char* what) {
  if (!condition) {
    std::fprintf(stderr, "fuzz_time: property violated: %s\n", what);
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto now = std::chrono::system_clock::time_point(std::chrono::seconds(1700000000));
  if (auto wait = entratool::host::parse_retry_after(text, now)) {
    require(wait->count() >= 0, "a Retry-After wait is not negative");
    require(*wait <= std::chrono::hours(24), "a Retry-After wait is bounded");
  }
  if (auto t = entratool::support::parse_utc_iso8601(text)) {
    std::string again = entratool::support::format_utc_iso8601(*t);
    auto back = entratool::support::parse_utc_iso8601(again);
    require(back.has_value(), "a formatted time parses");
    require(std::chrono::duration_cast<std::chrono::seconds>(back->time_since_epoch()) ==
                std::chrono::duration_cast<std::chrono::seconds>(t->time_since_epoch()),
            "format and parse agree");
  }
  if (auto d = entratool::support::parse_duration(text)) require(d->count() >= 0, "a duration is not negative");
  return 0;
}
