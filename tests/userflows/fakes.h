#pragma once
// Test doubles for the user-flow unit tests: scripted HTTP, a clock that moves only when a flow
// sleeps (or real time, for socket tests), a console that records what the user would see, and
// a browser that follows the authorize URL's redirect itself.

#include <atomic>
#include <chrono>
#include <deque>
#include <functional>
#include <string>
#include <vector>

#include "entratool/sdk/host_services.h"

namespace userflows_test {

namespace sdk = entratool::sdk;

class ScriptedHttp final : public sdk::HttpClient {
 public:
  std::vector<sdk::HttpRequest> requests;
  std::deque<sdk::Result<sdk::HttpResponse>> script;

  void reply(int status, std::string body) {
    sdk::HttpResponse r;
    r.status = status;
    r.body = std::move(body);
    script.emplace_back(std::move(r));
  }
  sdk::Result<sdk::HttpResponse> send(const sdk::HttpRequest& request) override {
    requests.push_back(request);
    if (script.empty()) return sdk::Status::network("test script exhausted");
    auto r = std::move(script.front());
    script.pop_front();
    return r;
  }
};

/// Fake time: monotonic() moves only in sleep_for (unless `real` is set). Cancels after
/// `cancel_after` sleeps when that is non-negative.
class FakeClock final : public sdk::Clock {
 public:
  bool real = false;
  std::chrono::system_clock::time_point wall = std::chrono::system_clock::time_point(std::chrono::seconds(1795000000));
  std::chrono::steady_clock::time_point mono = std::chrono::steady_clock::time_point(std::chrono::hours(1000));
  std::chrono::milliseconds slept{0};
  int cancel_after = -1;
  int sleeps = 0;

  std::chrono::system_clock::time_point now() const override { return real ? std::chrono::system_clock::now() : wall; }
  std::chrono::steady_clock::time_point monotonic() const override {
    return real ? std::chrono::steady_clock::now() : mono;
  }
  void sleep_for(std::chrono::milliseconds d) override {
    ++sleeps;
    slept += d;
    wall += d;
    mono += d;
  }
  bool cancelled() const override { return cancel_after >= 0 && sleeps >= cancel_after; }
};

class RecordingConsole final : public sdk::Console {
 public:
  std::vector<std::string> statuses, notices;
  void status(std::string_view l) override { statuses.emplace_back(l); }
  void notice(std::string_view l) override { notices.emplace_back(l); }
  sdk::Result<std::string> prompt(std::string_view) override { return sdk::Status::general("cannot prompt: test"); }
  sdk::Result<std::string> prompt_secret(std::string_view) override {
    return sdk::Status::general("cannot prompt: test");
  }
  bool interactive() const override { return false; }
  std::string all_notices() const {
    std::string out;
    for (const auto& n : notices) out += n + "\n";
    return out;
  }
};

/// Calls `on_open` with the URL (e.g. to play the browser's redirect from another thread).
class ScriptedBrowser final : public sdk::BrowserLauncher {
 public:
  std::vector<std::string> opened;
  std::function<sdk::Status(const std::string&)> on_open;
  sdk::Status open(std::string_view url) override {
    opened.emplace_back(url);
    return on_open ? on_open(std::string(url)) : sdk::Status::ok();
  }
};

class NullLogger final : public sdk::Logger {
 public:
  void log(sdk::LogLevel, std::string_view) override {}
};

class FakeServices final : public sdk::HostServices {
 public:
  ScriptedHttp http_;
  RecordingConsole console_;
  ScriptedBrowser browser_;
  FakeClock clock_;
  NullLogger logger_;
  sdk::HttpClient& http() override { return http_; }
  sdk::Console& console() override { return console_; }
  sdk::BrowserLauncher& browser() override { return browser_; }
  sdk::Clock& clock() override { return clock_; }
  sdk::Logger& logger() override { return logger_; }
};

/// The value of a form field of a recorded request, or empty.
inline std::string form_value(const sdk::HttpRequest& r, std::string_view name) {
  for (const auto& [k, v] : r.form)
    if (k == name) return v;
  return {};
}

}  // namespace userflows_test
