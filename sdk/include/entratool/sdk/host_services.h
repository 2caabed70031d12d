#pragma once
/// \file host_services.h
/// What the host lends a plugin instead of the plugin linking its own stacks. All references
/// handed out by HostServices are owned by the host and stay valid until the process exits; a
/// plugin may keep them. None of these objects is thread-safe unless its comment says so.

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "entratool/sdk/status.h"

namespace entratool::sdk {

using Headers = std::vector<std::pair<std::string, std::string>>;

/// One HTTP exchange. `form` (urlencoded by the host) wins over `body` when non-empty.
struct HttpRequest {
  std::string method = "POST";
  std::string url;                                    ///< http:// is refused unless the host is loopback
  Headers headers;                                    ///< e.g. {"Authorization", "Basic ..."}
  std::vector<std::pair<std::string, std::string>> form;  ///< application/x-www-form-urlencoded fields
  std::string body;                                   ///< raw body when `form` is empty
  std::string content_type;                           ///< for `body`; defaults to application/json
  std::chrono::milliseconds timeout{60000};           ///< for this one exchange, connect to last byte
  std::string ca_bundle;                              ///< extra PEM CA file, empty for system CAs only
  std::string proxy;                                  ///< "http://host:port"; empty: HTTPS_PROXY/NO_PROXY
};

/// What came back. A non-2xx status is a response, not an error.
struct HttpResponse {
  int status = 0;
  Headers headers;
  std::string body;
  /// First header with this name (case-insensitive), or empty.
  std::string header(std::string_view name) const {
    for (const auto& [k, v] : headers) {
      if (k.size() != name.size()) continue;
      bool same = true;
      for (size_t i = 0; i < k.size() && same; ++i)
        same = (k[i] | 0x20) == (name[i] | 0x20);
      if (same) return v;
    }
    return {};
  }
};

/// Errors: ErrorCategory::network for refused/DNS/TLS/reset, ErrorCategory::timeout when
/// request.timeout passed. Never retries by itself.
class HttpClient {
 public:
  virtual ~HttpClient() = default;
  /// Performs one request. Secrets in headers or form are never logged.
  virtual Result<HttpResponse> send(const HttpRequest& request) = 0;
};

/// The terminal. Status lines go to stderr (and are dropped under --silent); stdout is the host's.
class Console {
 public:
  virtual ~Console() = default;
  /// One progress/status line on stderr; nothing under --silent.
  virtual void status(std::string_view line) = 0;
  /// A line the user must see even under --silent (e.g. a device code), on stderr.
  virtual void notice(std::string_view line) = 0;
  /// Asks a question on stderr and reads one line from the terminal (or stdin). Fails when there
  /// is no one to ask (ErrorCategory::general, "cannot prompt: ...").
  virtual Result<std::string> prompt(std::string_view question) = 0;
  /// As prompt(), without echo. The answer is a secret: never log it.
  virtual Result<std::string> prompt_secret(std::string_view question) = 0;
  /// True when a person can answer prompts and see progress: stdin and stderr are terminals and
  /// --silent was not given. Progress output (spinners, elapsed time) should be shown only then.
  virtual bool interactive() const = 0;
};

/// Opens a URL for the user: $BROWSER when set, else the platform opener.
class BrowserLauncher {
 public:
  virtual ~BrowserLauncher() = default;
  virtual Status open(std::string_view url) = 0;
};

/// Time, so flows and caches can be tested with a fake clock.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual std::chrono::system_clock::time_point now() const = 0;
  virtual std::chrono::steady_clock::time_point monotonic() const = 0;
  virtual void sleep_for(std::chrono::milliseconds d) = 0;
  /// True once the user asked to stop (Ctrl-C); long waits should poll it.
  virtual bool cancelled() const = 0;
};

enum class LogLevel { debug, info, warning, error };

/// Diagnostic log (stderr with --verbose). Never pass a secret.
class Logger {
 public:
  virtual ~Logger() = default;
  virtual void log(LogLevel level, std::string_view message) = 0;
};

/// Everything above, owned by the host. The HTTP client is created on first use so that commands
/// that never touch the network never load the network stack.
class HostServices {
 public:
  virtual ~HostServices() = default;
  virtual HttpClient& http() = 0;
  virtual Console& console() = 0;
  virtual BrowserLauncher& browser() = 0;
  virtual Clock& clock() = 0;
  virtual Logger& logger() = 0;
};

}  // namespace entratool::sdk
