#pragma once
// Test doubles for HostServices, shared by the flow, user-flow and keystore tests: scripted HTTP,
// a clock that moves only when a flow sleeps (or real time, for socket and file tests), a console
// that records what the user would see and answers a scripted secret, a browser that records the
// URLs it is asked to open, and a logger that keeps every line.
//
// The token endpoint, client authentication, sign-in and secrets services are the REAL host
// services (host/services/) over these fakes when the test links the host library (its include
// folder host/ is then on the path); otherwise (e.g. the keystore tests) they answer every call
// with an "unsupported" error. With the host services, bind() makes a request the current
// acquisition, whose credentials the test sets in `acquisition_`.

#include <chrono>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "entratool/sdk/flow.h"
#include "entratool/sdk/host_services.h"

#if __has_include("services/token_endpoint.h")
#define ENTRATOOL_FAKES_HOST_SERVICES 1
#include <memory>

#include "core/acquisition.h"
#include "services/client_auth.h"
#include "services/secrets.h"
#include "services/sign_in.h"
#include "services/token_endpoint.h"
#endif

namespace fakes {

namespace sdk = entratool::sdk;

/// The first request header with this name (case-insensitive), or empty.
inline std::string header(const sdk::HttpRequest& r, std::string_view name) {
  sdk::HttpResponse view;
  view.headers = r.headers;
  return view.header(name);
}

/// The value of a form field of a recorded request, or empty.
inline std::string form_value(const sdk::HttpRequest& r, std::string_view name) {
  for (const auto& [k, v] : r.form)
    if (k == name) return v;
  return {};
}

/// Answers requests from a script, in order, and records them; fails once the script runs out.
class ScriptedHttp final : public sdk::HttpClient {
 public:
  std::vector<sdk::HttpRequest> requests;
  std::deque<sdk::Result<sdk::HttpResponse>> script;
  std::function<void(const sdk::HttpRequest&)> on_send;  ///< runs first in each send (e.g. to let time pass)

  void reply(int status, std::string body, sdk::Headers headers = {}) {
    sdk::HttpResponse r;
    r.status = status;
    r.body = std::move(body);
    r.headers = std::move(headers);
    script.emplace_back(std::move(r));
  }
  void fail(sdk::Status status) { script.emplace_back(std::move(status)); }

  sdk::Result<sdk::HttpResponse> send(const sdk::HttpRequest& request) override {
    if (on_send) on_send(request);
    requests.push_back(request);
    if (script.empty()) return sdk::Status::network("test script exhausted");
    auto r = std::move(script.front());
    script.pop_front();
    return r;
  }
};

/// Time stands still except in sleep_for, which records the wait and moves both clocks (unless
/// `real` is set: then now() and monotonic() read the system clocks). sleep_for never blocks.
/// Cancels after `cancel_after` sleeps when that is non-negative.
class FakeClock final : public sdk::Clock {
 public:
  bool real = false;
  std::chrono::system_clock::time_point wall = std::chrono::system_clock::time_point(std::chrono::seconds(1795000000));
  std::chrono::steady_clock::time_point mono = std::chrono::steady_clock::time_point(std::chrono::hours(1000));
  std::vector<std::chrono::milliseconds> sleeps;  ///< every wait, in order
  std::chrono::milliseconds slept{0};             ///< their sum
  int cancel_after = -1;

  std::chrono::system_clock::time_point now() const override { return real ? std::chrono::system_clock::now() : wall; }
  std::chrono::steady_clock::time_point monotonic() const override {
    return real ? std::chrono::steady_clock::now() : mono;
  }
  void sleep_for(std::chrono::milliseconds d) override {
    sleeps.push_back(d);
    slept += d;
    wall += d;
    mono += d;
  }
  bool cancelled() const override {
    return cancel_after >= 0 && sleeps.size() >= static_cast<std::size_t>(cancel_after);
  }
};

/// Records status and notice lines; never prompts, except prompt_secret when `answer` is set.
class FakeConsole final : public sdk::Console {
 public:
  std::vector<std::string> statuses, notices;
  std::optional<std::string> answer;  ///< nullopt: prompt_secret fails like a non-interactive console
  int prompts = 0;                    ///< prompt_secret calls

  void status(std::string_view l) override { statuses.emplace_back(l); }
  void notice(std::string_view l) override { notices.emplace_back(l); }
  sdk::Result<std::string> prompt(std::string_view) override { return sdk::Status::general("cannot prompt: test"); }
  sdk::Result<std::string> prompt_secret(std::string_view) override {
    ++prompts;
    if (!answer) return sdk::Status::general("cannot prompt: standard input is not a terminal");
    return *answer;
  }
  bool interactive() const override { return answer.has_value(); }
  /// Every notice, one a line.
  std::string all_notices() const {
    std::string out;
    for (const auto& n : notices) out += n + "\n";
    return out;
  }
};

/// Records the URLs it is asked to open and calls `on_open` with each (e.g. to play the
/// browser's redirect from another thread); succeeds when `on_open` is unset.
class FakeBrowser final : public sdk::BrowserLauncher {
 public:
  std::vector<std::string> opened;
  std::function<sdk::Status(const std::string&)> on_open;
  sdk::Status open(std::string_view url) override {
    opened.emplace_back(url);
    return on_open ? on_open(std::string(url)) : sdk::Status::ok();
  }
};

/// Keeps every line, and the warnings apart.
class FakeLogger final : public sdk::Logger {
 public:
  std::vector<std::string> lines, warnings;
  void log(sdk::LogLevel level, std::string_view m) override {
    lines.emplace_back(m);
    if (level == sdk::LogLevel::warning) warnings.emplace_back(m);
  }
};

/// Answers every call with an "unsupported" error (host services a test does not link).
class UnsupportedServices final : public sdk::TokenEndpoint,
                                  public sdk::ClientAuthenticator,
                                  public sdk::SignIn,
                                  public sdk::Secrets {
 public:
  static sdk::Status no() {
    return sdk::Status::error(sdk::ErrorCategory::general, "not available in this test", sdk::codes::kUnsupported);
  }
  sdk::Result<std::string> post(const sdk::FlowRequest&, std::string_view, const sdk::Form&,
                                const sdk::Headers&) override {
    return no();
  }
  sdk::Result<sdk::TokenResponse> request_token(const sdk::FlowRequest&, const sdk::Form&,
                                                const sdk::Headers&) override {
    return no();
  }
  sdk::Status apply(const sdk::FlowRequest&, std::string_view, sdk::Form&, sdk::Headers&) override { return no(); }
  sdk::Result<sdk::SignInResult> sign_in(const sdk::FlowRequest&, const std::vector<std::string>&,
                                         const sdk::Form&) override {
    return no();
  }
  sdk::Result<std::optional<std::string>> get(const sdk::FlowRequest&, std::string_view) override { return no(); }
};

/// HostServices made of the fakes above, each reachable for scripting and checks.
class Services : public sdk::HostServices {
 public:
  ScriptedHttp http_;
  FakeClock clock_;
  FakeConsole console_;
  FakeBrowser browser_;
  FakeLogger logger_;
  sdk::HttpClient& http() override { return http_; }
  sdk::Console& console() override { return console_; }
  sdk::BrowserLauncher& browser() override { return browser_; }
  sdk::Clock& clock() override { return clock_; }
  sdk::Logger& logger() override { return logger_; }

#ifdef ENTRATOOL_FAKES_HOST_SERVICES
  /// What the host knows about the acquisition (secret, certificate files, declared secrets).
  entratool::host::Acquisition acquisition_;
  entratool::host::TokenEndpointService token_endpoint_{*this};
  entratool::host::ClientAuthService client_auth_{*this};
  entratool::host::SignInService sign_in_{*this};
  entratool::host::SecretsService secrets_;

  sdk::TokenEndpoint& token_endpoint() override { return token_endpoint_; }
  sdk::ClientAuthenticator& client_auth() override { return client_auth_; }
  sdk::SignIn& sign_in() override { return sign_in_; }
  sdk::Secrets& secrets() override { return secrets_; }

  /// Makes `r` the current acquisition's request until these services are destroyed (or the
  /// next bind): acquisition_ takes r's profile, client id, method and settings (credentials set
  /// in acquisition_ stay). Returns `r`.
  sdk::FlowRequest& bind(sdk::FlowRequest& r) {
    acquisition_.profile_name = r.profile_name;
    acquisition_.client_id = r.client_id;
    acquisition_.client_auth = r.client_auth;
    for (const auto& [k, v] : r.settings) acquisition_.settings[k] = v;
    scope_.reset();
    scope_ = std::make_unique<entratool::host::ScopedAcquisition>(acquisition_, r);
    return r;
  }

 private:
  std::unique_ptr<entratool::host::ScopedAcquisition> scope_;

 public:
#else
  UnsupportedServices unsupported_;
  sdk::TokenEndpoint& token_endpoint() override { return unsupported_; }
  sdk::ClientAuthenticator& client_auth() override { return unsupported_; }
  sdk::SignIn& sign_in() override { return unsupported_; }
  sdk::Secrets& secrets() override { return unsupported_; }
#endif
};

}  // namespace fakes
