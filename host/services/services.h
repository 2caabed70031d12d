#pragma once
// The host's implementation of the services lent to plugins (sdk/host_services.h).

#include <memory>

#include "entratool/sdk/host_services.h"

namespace entratool::host {

class Services final : public sdk::HostServices {
 public:
  Services();
  ~Services() override;

  /// Loads the network module (lib/entratool/entratool-http.so, Poco Net/NetSSL) on first use,
  /// so commands that never touch the network never load it. Defined in http_module.cpp.
  sdk::HttpClient& http() override;
  sdk::Console& console() override;
  sdk::BrowserLauncher& browser() override;
  sdk::Clock& clock() override;
  sdk::Logger& logger() override;

  /// --silent: status lines are dropped (notices and errors still show).
  void set_silent(bool silent);
  /// --verbose: debug log lines go to stderr.
  void set_verbose(bool verbose);
  /// Replaces a service (tests).
  void set_http_for_testing(std::unique_ptr<sdk::HttpClient> http);
  void set_clock_for_testing(std::unique_ptr<sdk::Clock> clock);

 private:
  std::unique_ptr<sdk::HttpClient> http_;
  std::unique_ptr<sdk::Console> console_;
  std::unique_ptr<sdk::BrowserLauncher> browser_;
  std::unique_ptr<sdk::Clock> clock_;
  std::unique_ptr<sdk::Logger> logger_;
};

}  // namespace entratool::host
