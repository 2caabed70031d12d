#include "cli/time_text.h"

#include <ctime>

namespace entratool::host {

std::string utc_time_text(std::chrono::system_clock::time_point t) {
  const std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  if (!::gmtime_r(&secs, &tm)) return "?";
  char buf[32];
  if (std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0) return "?";
  return buf;
}

std::string minutes_left_text(long long seconds_left) {
  if (seconds_left <= 0) return "expired";
  const long long minutes = seconds_left / 60;
  if (minutes == 0) return "less than a minute";
  return std::to_string(minutes) + (minutes == 1 ? " minute" : " minutes");
}

}  // namespace entratool::host
