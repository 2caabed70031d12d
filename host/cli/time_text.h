#pragma once
// Times as people read them in status lines and tables ("2025-12-26 15:30:00 UTC (59 minutes)").

#include <chrono>
#include <string>

namespace entratool::host {

/// "2025-12-26 15:30:00 UTC".
std::string utc_time_text(std::chrono::system_clock::time_point t);
/// Whole minutes left as "59 minutes", "1 minute", "less than a minute"; "expired" at or below 0.
std::string minutes_left_text(long long seconds_left);

}  // namespace entratool::host
