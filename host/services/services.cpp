#include "services/services.h"

#include "core/output.h"
#include "services/child_process.h"
#include "services/client_auth.h"
#include "services/platform_secrets.h"
#include "services/secrets.h"
#include "services/sign_in.h"
#include "services/token_endpoint.h"

#include <fcntl.h>
#include <signal.h>
#include <termios.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

namespace entratool::host {

namespace {

std::atomic<bool> g_interrupted{false};

void on_sigint(int) {
  if (g_interrupted.exchange(true)) {
    ::signal(SIGINT, SIG_DFL);  // a second Ctrl-C stops at once
    ::raise(SIGINT);
  }
}

class TerminalConsole final : public sdk::Console {
 public:
  bool silent = false;

  void status(std::string_view line) override {
    if (!silent) standard_error() << line << "\n";
  }
  void notice(std::string_view line) override { standard_error() << line << "\n"; }

  sdk::Result<std::string> prompt(std::string_view question) override { return ask(question, false); }
  sdk::Result<std::string> prompt_secret(std::string_view question) override { return ask(question, true); }

  // Under --silent nobody is watching: flows then show no progress either.
  bool interactive() const override { return !silent && ::isatty(0) && ::isatty(2); }

 private:
  // Prompts on the terminal when there is one (so piped stdin stays the script's), else stdin.
  sdk::Result<std::string> ask(std::string_view question, bool secret) {
    int fd = ::open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
    bool own_fd = fd >= 0;
    if (!own_fd) fd = 0;
    const bool terminal = ::isatty(fd) != 0;
    // Echo goes off before the question appears, so nothing typed or pasted right after it is
    // echoed; TCSANOW keeps input already typed (TCSAFLUSH would throw it away).
    termios saved{};
    bool echo_off = false;
    if (secret && terminal && ::tcgetattr(fd, &saved) == 0) {
      termios quiet = saved;
      quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
      quiet.c_lflag |= ECHONL;
      echo_off = ::tcsetattr(fd, TCSANOW, &quiet) == 0;
    }
    // Without a terminal the answers come from a pipe: asking would only clutter stderr.
    if (terminal) {
      std::string q(question);
      if (own_fd) {
        (void)!::write(fd, q.data(), q.size());
      } else {
        standard_error() << q;
      }
    }
    std::string line;
    bool got_any = false;
    char c;
    for (;;) {
      ssize_t n = ::read(fd, &c, 1);
      if (n < 0 && errno == EINTR) {
        if (g_interrupted) break;
        continue;
      }
      if (n <= 0) break;
      got_any = true;
      if (c == '\n') break;
      line += c;
    }
    if (echo_off) ::tcsetattr(fd, TCSANOW, &saved);
    if (own_fd) ::close(fd);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!got_any) return sdk::Status::general("cannot prompt: no input (end of file)");
    return line;
  }
};

class SystemClock final : public sdk::Clock {
 public:
  SystemClock() {
    struct sigaction sa {};
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    ::sigaction(SIGINT, &sa, nullptr);
  }
  std::chrono::system_clock::time_point now() const override { return std::chrono::system_clock::now(); }
  std::chrono::steady_clock::time_point monotonic() const override { return std::chrono::steady_clock::now(); }
  void sleep_for(std::chrono::milliseconds d) override {
    auto until = std::chrono::steady_clock::now() + d;
    while (!g_interrupted && std::chrono::steady_clock::now() < until) {
      auto left = until - std::chrono::steady_clock::now();
      std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(left, std::chrono::milliseconds(50)));
    }
  }
  bool cancelled() const override { return g_interrupted; }
};

class StderrLogger final : public sdk::Logger {
 public:
  bool verbose = false;
  void log(sdk::LogLevel level, std::string_view message) override {
    if (level == sdk::LogLevel::debug && !verbose) return;
    if (level == sdk::LogLevel::info && !verbose) return;
    const char* tag = level == sdk::LogLevel::debug     ? "debug"
                      : level == sdk::LogLevel::info    ? "info"
                      : level == sdk::LogLevel::warning ? "warning"
                                                        : "error";
    standard_error() << "entratool: " << tag << ": " << message << "\n";
  }
};

// Under WSL the browser is Windows': /proc/version names Microsoft, or the interop is set up.
bool running_under_wsl() {
  if (std::getenv("WSL_DISTRO_NAME") || std::getenv("WSL_INTEROP")) return true;
  std::string text;  // its first line
  if (std::FILE* version = std::fopen("/proc/version", "re")) {
    char line[512];
    if (std::fgets(line, sizeof line, version)) text = line;
    std::fclose(version);
  }
  return text.find("icrosoft") != std::string::npos || text.find("WSL") != std::string::npos;
}

// cmd.exe parses its command line again: its metacharacters in a URL (& above all) are escaped.
std::string cmd_escaped(std::string_view url) {
  std::string out;
  for (char c : url) {
    if (std::string_view("&|<>()^").find(c) != std::string_view::npos) out += '^';
    out += c;
  }
  return out;
}

// Runs $BROWSER (split on spaces, no shell), under WSL wslview or cmd.exe's start, else the
// platform opener, with the URL as its last argument and a scrubbed environment
// (child_process.h). Waits briefly to see an opener fail at once (xdg-open's "no method
// available"), never for a browser that keeps running.
class ProcessBrowserLauncher final : public sdk::BrowserLauncher {
 public:
  sdk::Status open(std::string_view url) override {
    auto opener = browser_opener();
    if (!opener) return opener.status();
    std::vector<std::string> argv = std::move(*opener);
    if (argv.front() == "cmd.exe")
      argv.push_back(cmd_escaped(url));  // unquoted: no title argument needed
    else
      argv.emplace_back(url);
    auto child = run_child(argv, std::chrono::milliseconds(1500));
    if (!child) return sdk::Status::general("cannot start the browser '" + argv[0] + "'");
    if (!child->running && child->exit_code != 0) {
      std::string why = "the browser opener '" + argv[0] + "' failed (exit " + std::to_string(child->exit_code);
      if (!child->stderr_first_line.empty()) why += ": " + child->stderr_first_line;
      return sdk::Status::general(why + ")");
    }
    return sdk::Status::ok();
  }
};

}  // namespace

sdk::Result<std::vector<std::string>> browser_opener() {
  std::vector<std::string> argv;
  const char* browser = std::getenv("BROWSER");
  if (browser && *browser) {
    std::string word;
    for (const char* p = browser;; ++p) {
      if (*p == ' ' || *p == '\0') {
        if (!word.empty()) argv.push_back(word);
        word.clear();
        if (*p == '\0') break;
      } else {
        word += *p;
      }
    }
    if (argv.empty()) return sdk::Status::general("BROWSER is set but empty");
    return argv;
  }
#if defined(__APPLE__)
  return std::vector<std::string>{"open"};
#else
  if (running_under_wsl()) {
    if (program_exists("wslview")) return std::vector<std::string>{"wslview"};
    return std::vector<std::string>{"cmd.exe", "/c", "start"};
  }
  const char* x = std::getenv("DISPLAY");
  const char* w = std::getenv("WAYLAND_DISPLAY");
  if ((!x || !*x) && (!w || !*w))
    return sdk::Status::general(
        "no browser can be opened here: BROWSER is not set and there is no graphical session (no DISPLAY or "
        "WAYLAND_DISPLAY)");
  if (!program_exists("xdg-open"))
    return sdk::Status::general("no browser can be opened here: BROWSER is not set and xdg-open is not installed");
  return std::vector<std::string>{"xdg-open"};
#endif
}

Services::Services()
    : console_(std::make_unique<TerminalConsole>()),
      browser_(std::make_unique<ProcessBrowserLauncher>()),
      logger_(std::make_unique<StderrLogger>()) {}
Services::~Services() = default;

sdk::Console& Services::console() { return *console_; }
sdk::BrowserLauncher& Services::browser() { return *browser_; }
sdk::Clock& Services::clock() {
  if (!clock_) clock_ = std::make_unique<SystemClock>();
  return *clock_;
}
sdk::Logger& Services::logger() { return *logger_; }

sdk::TokenEndpoint& Services::token_endpoint() {
  if (!token_endpoint_) token_endpoint_ = std::make_unique<TokenEndpointService>(*this);
  return *token_endpoint_;
}
sdk::ClientAuthenticator& Services::client_auth() {
  if (!client_auth_) client_auth_ = std::make_unique<ClientAuthService>(*this, signers_);
  return *client_auth_;
}
sdk::SignIn& Services::sign_in() {
  if (!sign_in_) sign_in_ = std::make_unique<SignInService>(*this);
  return *sign_in_;
}
sdk::Secrets& Services::secrets() {
  if (!secrets_) secrets_ = std::make_unique<SecretsService>();
  return *secrets_;
}

sdk::PlatformSecrets& Services::platform_secrets() {
  if (!platform_secrets_) platform_secrets_ = std::make_unique<PlatformSecretsService>(store_opener_);
  return *platform_secrets_;
}

void Services::set_store_opener(std::function<sdk::Result<sdk::SecretStore*>(const std::string&)> open) {
  store_opener_ = std::move(open);
}

void Services::set_silent(bool silent) { static_cast<TerminalConsole&>(*console_).silent = silent; }
void Services::set_verbose(bool verbose) { static_cast<StderrLogger&>(*logger_).verbose = verbose; }
void Services::set_http_for_testing(std::unique_ptr<sdk::HttpClient> http) { http_ = std::move(http); }
void Services::set_clock_for_testing(std::unique_ptr<sdk::Clock> clock) { clock_ = std::move(clock); }
void Services::set_signer_factory(SignerFactory signers) {
  signers_ = std::move(signers);  // references handed out stay valid: only a later service sees it
}

}  // namespace entratool::host
