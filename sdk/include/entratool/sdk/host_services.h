#pragma once
/// \file host_services.h
/// What the host lends a plugin, as C++ interfaces (header-only). In a plugin they are backed by
/// the host's C services (abi.h, et_host.get_service); tests may implement them with fakes.
/// Every reference handed out by HostServices is owned by the host and stays valid until the
/// process exits; a plugin may keep it. None is thread-safe unless its comment says so.
/// A service the running host does not provide (an older host) answers every call with an
/// error (code "unsupported") that names the service.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "entratool/sdk/status.h"
#include "entratool/sdk/token.h"

namespace entratool::sdk {

struct FlowRequest;

using Headers = std::vector<std::pair<std::string, std::string>>;
/// application/x-www-form-urlencoded fields, in order (the host encodes them).
using Form = std::vector<std::pair<std::string, std::string>>;

/// One HTTP exchange. `form` wins over `body` when non-empty.
struct HttpRequest {
  std::string method = "POST";
  std::string url;  ///< http:// is refused unless the host is loopback
  Headers headers;
  Form form;
  std::string body;
  std::string content_type;                  ///< for `body`; defaults to application/json
  std::chrono::milliseconds timeout{60000};  ///< for this one exchange, connect to last byte
  std::string ca_bundle;                     ///< extra PEM CA file, empty for system CAs only
  std::string proxy;                         ///< "http://host:port"; empty: HTTPS_PROXY/NO_PROXY
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
      for (size_t i = 0; i < k.size() && same; ++i) same = (k[i] | 0x20) == (name[i] | 0x20);
      if (same) return v;
    }
    return {};
  }
};

/// Errors: network for refused/DNS/TLS/reset, timeout when request.timeout passed. Never retries.
class HttpClient {
 public:
  virtual ~HttpClient() = default;
  virtual Result<HttpResponse> send(const HttpRequest& request) = 0;
};

/// The terminal. Status lines go to stderr (dropped under --silent); stdout is the host's.
class Console {
 public:
  virtual ~Console() = default;
  /// One progress line on stderr; nothing under --silent.
  virtual void status(std::string_view line) = 0;
  /// A line the user must see even under --silent (e.g. a device code), on stderr.
  virtual void notice(std::string_view line) = 0;
  /// Asks on stderr and reads one line. Fails when nobody can answer ("cannot prompt: ...").
  virtual Result<std::string> prompt(std::string_view question) = 0;
  /// As prompt(), without echo. The answer is a secret: never log it.
  virtual Result<std::string> prompt_secret(std::string_view question) = 0;
  /// True when a person can answer prompts and see progress.
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
  /// The clock FlowRequest::deadline is on.
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

/// The token endpoint exchange, decided once in the host for every flow: retries of 429/5xx
/// inside the request's deadline (backoff, Retry-After), and one mapping of a refusal:
/// auth_failed with code() = the OAuth `error` ("invalid_grant", "authorization_pending",
/// "slow_down", ...) and a message with the AADSTS code and a hint; network for an unusable
/// response; timeout past the deadline.
class TokenEndpoint {
 public:
  virtual ~TokenEndpoint() = default;
  /// POSTs `form` to `url` (empty: request.token_endpoint); the body of a 2xx answer.
  virtual Result<std::string> post(const FlowRequest& request, std::string_view url, const Form& form,
                                   const Headers& headers) = 0;
  /// post() to the token endpoint and reads the token response.
  virtual Result<TokenResponse> request_token(const FlowRequest& request, const Form& form, const Headers& headers) = 0;
};

/// Client authentication at a token endpoint, by request.client_auth: client_id only for a
/// public client; the client secret as HTTP Basic or in the form (setting "client_auth"
/// basic|body); or a fresh RFC 7523 assertion signed by the host's signer (settings
/// "assertion_alg" PS256|RS256, "send_x5c" true). The flow never sees the secret or the key.
class ClientAuthenticator {
 public:
  virtual ~ClientAuthenticator() = default;
  /// Adds fields and headers for a request to `audience` (empty: request.token_endpoint).
  virtual Status apply(const FlowRequest& request, std::string_view audience, Form& form, Headers& headers) = 0;
};

/// What a browser sign-in yields: the code and the values its redemption must repeat.
struct SignInResult {
  std::string code;           ///< secret
  std::string redirect_uri;   ///< exactly as sent in the authorize request
  std::string code_verifier;  ///< secret (PKCE, S256)
};

/// A user sign-in in the browser with PKCE and a loopback redirect (RFC 8252).
class SignIn {
 public:
  virtual ~SignIn() = default;
  /// `scopes` as sent; `extra` more authorize parameters. Errors: auth_failed (the provider's
  /// error, as code()), timeout, general (cancelled, redirect URI not loopback, port taken).
  virtual Result<SignInResult> sign_in(const FlowRequest& request, const std::vector<std::string>& scopes,
                                       const Form& extra) = 0;
};

/// The secrets the flow declared in its manifest ("secrets"), from the secret store or, for
/// the implicit AZURE_* profile, the environment. Undeclared names are refused.
class Secrets {
 public:
  virtual ~Secrets() = default;
  virtual Result<std::optional<std::string>> get(const FlowRequest& request, std::string_view name) = 0;
};

/// SDK 2.1: a few small secrets (a store's data key) in the platform's own secret store (the
/// Secret Service, the Keychain, DPAPI), which the host opens. For secret stores that keep their
/// bulk data elsewhere; names are the caller's, kept apart from the user's secrets.
class PlatformSecrets {
 public:
  virtual ~PlatformSecrets() = default;
  /// The value, std::nullopt when absent.
  virtual Result<std::optional<std::string>> get(std::string_view name) = 0;
  /// Creates or replaces.
  virtual Status put(std::string_view name, std::string_view value) = 0;
  /// Removes; absent is not an error.
  virtual Status erase(std::string_view name) = 0;
  /// One line: which store holds them.
  virtual std::string describe() = 0;
};

/// Everything above, owned by the host. The HTTP stack is loaded on first use of http() or the
/// token endpoint, so plugins that never touch the network never load it.
class HostServices {
 public:
  virtual ~HostServices() = default;
  virtual HttpClient& http() = 0;
  virtual Console& console() = 0;
  virtual BrowserLauncher& browser() = 0;
  virtual Clock& clock() = 0;
  virtual Logger& logger() = 0;
  virtual TokenEndpoint& token_endpoint() = 0;
  virtual ClientAuthenticator& client_auth() = 0;
  virtual SignIn& sign_in() = 0;
  virtual Secrets& secrets() = 0;
  /// SDK 2.1. Not pure, so HostServices written for 2.0 (test fakes) still compile; the
  /// default has no platform store and says so.
  virtual PlatformSecrets& platform_secrets();
};

/// What HostServices::platform_secrets() gives when the host has no platform store.
class NoPlatformSecrets final : public PlatformSecrets {
 public:
  Result<std::optional<std::string>> get(std::string_view) override { return missing(); }
  Status put(std::string_view, std::string_view) override { return missing(); }
  Status erase(std::string_view) override { return missing(); }
  std::string describe() override { return "no platform secret store"; }

 private:
  static Status missing() {
    return Status::error(ErrorCategory::general,
                         "this entratool has no platform secret store (entratool.platform-secrets/1)",
                         codes::kUnsupported);
  }
};

inline PlatformSecrets& HostServices::platform_secrets() {
  static NoPlatformSecrets none;
  return none;
}

}  // namespace entratool::sdk
