#pragma once
// Test doubles for HostServices: a scripted HttpClient and a clock that only moves when asked.

#include <chrono>
#include <deque>
#include <string>
#include <vector>

#include "entratool/sdk/host_services.h"

namespace fakes {

namespace sdk = entratool::sdk;

/// The first request header with this name (case-insensitive), or empty.
inline std::string header(const sdk::HttpRequest& r, std::string_view name) {
  sdk::HttpResponse view;
  view.headers = r.headers;
  return view.header(name);
}

/// Answers requests from a script, in order, and records them.
class ScriptedHttp final : public sdk::HttpClient {
 public:
  std::vector<sdk::HttpRequest> requests;
  std::deque<sdk::Result<sdk::HttpResponse>> script;

  void reply(int status, std::string body, sdk::Headers headers = {}) {
    sdk::HttpResponse r;
    r.status = status;
    r.body = std::move(body);
    r.headers = std::move(headers);
    script.emplace_back(std::move(r));
  }
  void fail(sdk::Status status) { script.emplace_back(std::move(status)); }

  sdk::Result<sdk::HttpResponse> send(const sdk::HttpRequest& request) override {
    requests.push_back(request);
    if (script.empty()) return sdk::Status::network("test script exhausted");
    auto r = std::move(script.front());
    script.pop_front();
    return r;
  }
};

/// Time stands still except in sleep_for, which records the wait and moves both clocks.
class ManualClock final : public sdk::Clock {
 public:
  std::chrono::system_clock::time_point wall = std::chrono::system_clock::time_point(std::chrono::seconds(1795000000));
  std::chrono::steady_clock::time_point mono = std::chrono::steady_clock::time_point(std::chrono::hours(1000));
  std::vector<std::chrono::milliseconds> sleeps;

  std::chrono::system_clock::time_point now() const override { return wall; }
  std::chrono::steady_clock::time_point monotonic() const override { return mono; }
  void sleep_for(std::chrono::milliseconds d) override {
    sleeps.push_back(d);
    wall += d;
    mono += d;
  }
  bool cancelled() const override { return false; }
};

class QuietConsole final : public sdk::Console {
 public:
  void status(std::string_view) override {}
  void notice(std::string_view) override {}
  sdk::Result<std::string> prompt(std::string_view) override { return sdk::Status::general("cannot prompt: test"); }
  sdk::Result<std::string> prompt_secret(std::string_view) override {
    return sdk::Status::general("cannot prompt: test");
  }
  bool interactive() const override { return false; }
};

class NoBrowser final : public sdk::BrowserLauncher {
 public:
  sdk::Status open(std::string_view) override { return sdk::Status::general("no browser in tests"); }
};

class CapturingLogger final : public sdk::Logger {
 public:
  std::vector<std::string> lines;
  void log(sdk::LogLevel, std::string_view m) override { lines.emplace_back(m); }
};

class Services final : public sdk::HostServices {
 public:
  ScriptedHttp http_;
  ManualClock clock_;
  QuietConsole console_;
  NoBrowser browser_;
  CapturingLogger logger_;
  sdk::HttpClient& http() override { return http_; }
  sdk::Console& console() override { return console_; }
  sdk::BrowserLauncher& browser() override { return browser_; }
  sdk::Clock& clock() override { return clock_; }
  sdk::Logger& logger() override { return logger_; }
};

}  // namespace fakes
