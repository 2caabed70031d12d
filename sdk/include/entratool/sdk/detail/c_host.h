#pragma once
/// \file detail/c_host.h
/// The plugin side of host services: sdk::HostServices implemented over the host's C services
/// (et_host.get_service). Each service is looked up once, on first use; one the host does not
/// provide answers with an "unsupported" error naming it (or, for the log and console, drops
/// the line), so a plugin built for a newer minor still loads in an older host and fails only
/// where it really needs what is missing.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "entratool/sdk/abi.h"
#include "entratool/sdk/detail/convert.h"
#include "entratool/sdk/flow.h"
#include "entratool/sdk/host_services.h"

namespace entratool::sdk::detail {

/// The service struct with `id`, when the host has it and it is at least `min_size` bytes.
template <class T>
const T* find_service(const et_host* host, const char* id, size_t min_size) {
  if (!host || host->size < sizeof(et_host) || !host->get_service) return nullptr;
  const auto* s = static_cast<const T*>(host->get_service(host->ctx, id));
  return s && s->size >= min_size ? s : nullptr;
}

inline Status unsupported(const char* id) {
  return Status::error(
      ErrorCategory::general,
      std::string("this entratool does not provide the host service ") + id + "; upgrade entratool to use this plugin",
      codes::kUnsupported);
}

#define ENTRATOOL_DETAIL_SERVICE(T, ID, LAST)                                     \
  const T* service() const {                                                      \
    if (!looked_up_) {                                                            \
      service_ = find_service<T>(host_, ID, offsetof(T, LAST) + sizeof(T::LAST)); \
      looked_up_ = true;                                                          \
    }                                                                             \
    return service_;                                                              \
  }                                                                               \
  const et_host* host_;                                                           \
  mutable const T* service_ = nullptr;                                            \
  mutable bool looked_up_ = false;

class CHttp final : public HttpClient {
 public:
  explicit CHttp(const et_host* h) : host_(h) {}
  Result<HttpResponse> send(const HttpRequest& request) override {
    const auto* s = service();
    if (!s) return unsupported(ET_SERVICE_HTTP);
    CHttpRequest c(request);
    HttpResponse response;
    et_status st = empty_status();
    int32_t rc = s->send(s->ctx, &c.request, et_http_response_sink{&response, &set_http_response}, &st);
    if (rc != ET_OK) return from_c(rc, st);
    return response;
  }

 private:
  ENTRATOOL_DETAIL_SERVICE(et_http_service, ET_SERVICE_HTTP, send)
};

class CConsole final : public Console {
 public:
  explicit CConsole(const et_host* h) : host_(h) {}
  void status(std::string_view line) override {
    if (const auto* s = service()) s->status(s->ctx, to_c(line));
  }
  void notice(std::string_view line) override {
    if (const auto* s = service()) s->notice(s->ctx, to_c(line));
  }
  Result<std::string> prompt(std::string_view question) override { return ask(question, 0); }
  Result<std::string> prompt_secret(std::string_view question) override { return ask(question, 1); }
  bool interactive() const override {
    const auto* s = service();
    return s && s->interactive(s->ctx) != 0;
  }

 private:
  Result<std::string> ask(std::string_view question, int32_t secret) {
    const auto* s = service();
    if (!s) return unsupported(ET_SERVICE_CONSOLE);
    std::string answer;
    et_status st = empty_status();
    int32_t rc = s->prompt(s->ctx, to_c(question), secret, string_sink(answer), &st);
    if (rc != ET_OK) return from_c(rc, st);
    return answer;
  }
  ENTRATOOL_DETAIL_SERVICE(et_console_service, ET_SERVICE_CONSOLE, interactive)
};

class CBrowser final : public BrowserLauncher {
 public:
  explicit CBrowser(const et_host* h) : host_(h) {}
  Status open(std::string_view url) override {
    const auto* s = service();
    if (!s) return unsupported(ET_SERVICE_BROWSER);
    et_status st = empty_status();
    return from_c(s->open(s->ctx, to_c(url), &st), st);
  }

 private:
  ENTRATOOL_DETAIL_SERVICE(et_browser_service, ET_SERVICE_BROWSER, open)
};

/// Falls back to the process clocks when the host has no clock service.
class CClock final : public Clock {
 public:
  explicit CClock(const et_host* h) : host_(h) {}
  std::chrono::system_clock::time_point now() const override {
    const auto* s = service();
    return s ? from_unix_ms(s->now_ms(s->ctx)) : std::chrono::system_clock::now();
  }
  std::chrono::steady_clock::time_point monotonic() const override {
    const auto* s = service();
    return s ? from_ns(s->monotonic_ns(s->ctx)) : std::chrono::steady_clock::now();
  }
  void sleep_for(std::chrono::milliseconds d) override {
    if (const auto* s = service()) s->sleep_ms(s->ctx, d.count());
  }
  bool cancelled() const override {
    const auto* s = service();
    return s && s->cancelled(s->ctx) != 0;
  }

 private:
  ENTRATOOL_DETAIL_SERVICE(et_clock_service, ET_SERVICE_CLOCK, cancelled)
};

class CLogger final : public Logger {
 public:
  explicit CLogger(const et_host* h) : host_(h) {}
  void log(LogLevel level, std::string_view message) override {
    if (const auto* s = service()) s->log(s->ctx, static_cast<int32_t>(level), to_c(message));
  }

 private:
  ENTRATOOL_DETAIL_SERVICE(et_log_service, ET_SERVICE_LOG, log)
};

class CTokenEndpoint final : public TokenEndpoint {
 public:
  explicit CTokenEndpoint(const et_host* h) : host_(h) {}
  Result<std::string> post(const FlowRequest& request, std::string_view url, const Form& form,
                           const Headers& headers) override {
    const auto* s = service();
    if (!s) return unsupported(ET_SERVICE_TOKEN_ENDPOINT);
    CFlowRequest r(request);
    CPairs f(form), h(headers);
    std::string body;
    et_status st = empty_status();
    int32_t rc = s->post(s->ctx, &r.request, to_c(url), f.get(), h.get(), string_sink(body), &st);
    if (rc != ET_OK) return from_c(rc, st);
    return body;
  }
  Result<TokenResponse> request_token(const FlowRequest& request, const Form& form, const Headers& headers) override {
    const auto* s = service();
    if (!s) return unsupported(ET_SERVICE_TOKEN_ENDPOINT);
    CFlowRequest r(request);
    CPairs f(form), h(headers);
    TokenSlot slot;
    et_status st = empty_status();
    int32_t rc = s->request_token(s->ctx, &r.request, f.get(), h.get(), token_sink(slot), &st);
    if (rc != ET_OK) return from_c(rc, st);
    if (!slot.set) return Status::general("the host's token endpoint service returned no token");
    return std::move(slot.token);
  }

 private:
  ENTRATOOL_DETAIL_SERVICE(et_token_endpoint_service, ET_SERVICE_TOKEN_ENDPOINT, request_token)
};

class CClientAuth final : public ClientAuthenticator {
 public:
  explicit CClientAuth(const et_host* h) : host_(h) {}
  Status apply(const FlowRequest& request, std::string_view audience, Form& form, Headers& headers) override {
    const auto* s = service();
    if (!s) return unsupported(ET_SERVICE_CLIENT_AUTH);
    CFlowRequest r(request);
    et_status st = empty_status();
    return from_c(s->apply(s->ctx, &r.request, to_c(audience), pair_sink(form), pair_sink(headers), &st), st);
  }

 private:
  ENTRATOOL_DETAIL_SERVICE(et_client_auth_service, ET_SERVICE_CLIENT_AUTH, apply)
};

inline void set_sign_in(void* ctx, et_str code, et_str redirect_uri, et_str verifier) noexcept {
  auto* r = static_cast<std::optional<SignInResult>*>(ctx);
  *r = SignInResult{str(code), str(redirect_uri), str(verifier)};
}

class CSignIn final : public SignIn {
 public:
  explicit CSignIn(const et_host* h) : host_(h) {}
  Result<SignInResult> sign_in(const FlowRequest& request, const std::vector<std::string>& scopes,
                               const Form& extra) override {
    const auto* s = service();
    if (!s) return unsupported(ET_SERVICE_SIGN_IN);
    CFlowRequest r(request);
    CStrs sc(scopes);
    CPairs ex(extra);
    std::optional<SignInResult> result;
    et_status st = empty_status();
    int32_t rc = s->sign_in(s->ctx, &r.request, sc.get(), ex.get(), et_sign_in_sink{&result, &set_sign_in}, &st);
    if (rc != ET_OK) return from_c(rc, st);
    if (!result) return Status::general("the host's sign-in service returned no code");
    return std::move(*result);
  }

 private:
  ENTRATOOL_DETAIL_SERVICE(et_sign_in_service, ET_SERVICE_SIGN_IN, sign_in)
};

class CSecrets final : public Secrets {
 public:
  explicit CSecrets(const et_host* h) : host_(h) {}
  Result<std::optional<std::string>> get(const FlowRequest& request, std::string_view name) override {
    const auto* s = service();
    if (!s) return unsupported(ET_SERVICE_SECRETS);
    CFlowRequest r(request);
    std::string value;
    int32_t found = 0;
    et_status st = empty_status();
    int32_t rc = s->get(s->ctx, &r.request, to_c(name), string_sink(value), &found, &st);
    if (rc != ET_OK) return from_c(rc, st);
    if (!found) return std::optional<std::string>();
    return std::optional<std::string>(std::move(value));
  }

 private:
  ENTRATOOL_DETAIL_SERVICE(et_secrets_service, ET_SERVICE_SECRETS, get)
};

class CPlatformSecrets final : public PlatformSecrets {
 public:
  explicit CPlatformSecrets(const et_host* h) : host_(h) {}
  Result<std::optional<std::string>> get(std::string_view name) override {
    const auto* s = service();
    if (!s) return unsupported(ET_SERVICE_PLATFORM_SECRETS);
    std::string value;
    int32_t found = 0;
    et_status st = empty_status();
    int32_t rc = s->get(s->ctx, to_c(name), string_sink(value), &found, &st);
    if (rc != ET_OK) return from_c(rc, st);
    if (!found) return std::optional<std::string>();
    return std::optional<std::string>(std::move(value));
  }
  Status put(std::string_view name, std::string_view value) override {
    const auto* s = service();
    if (!s) return unsupported(ET_SERVICE_PLATFORM_SECRETS);
    et_status st = empty_status();
    int32_t rc = s->put(s->ctx, to_c(name), to_c(value), &st);
    return rc == ET_OK ? Status::ok() : from_c(rc, st);
  }
  Status erase(std::string_view name) override {
    const auto* s = service();
    if (!s) return unsupported(ET_SERVICE_PLATFORM_SECRETS);
    et_status st = empty_status();
    int32_t rc = s->erase(s->ctx, to_c(name), &st);
    return rc == ET_OK ? Status::ok() : from_c(rc, st);
  }
  std::string describe() override {
    const auto* s = service();
    if (!s) return "no platform secret store";
    std::string text;
    s->describe(s->ctx, string_sink(text));
    return text;
  }

 private:
  ENTRATOOL_DETAIL_SERVICE(et_platform_secrets_service, ET_SERVICE_PLATFORM_SECRETS, describe)
};

#undef ENTRATOOL_DETAIL_SERVICE

/// sdk::HostServices over one et_host.
class CHostServices final : public HostServices {
 public:
  explicit CHostServices(const et_host* host)
      : http_(host),
        console_(host),
        browser_(host),
        clock_(host),
        logger_(host),
        token_endpoint_(host),
        client_auth_(host),
        sign_in_(host),
        secrets_(host),
        platform_secrets_(host) {}
  HttpClient& http() override { return http_; }
  Console& console() override { return console_; }
  BrowserLauncher& browser() override { return browser_; }
  Clock& clock() override { return clock_; }
  Logger& logger() override { return logger_; }
  TokenEndpoint& token_endpoint() override { return token_endpoint_; }
  ClientAuthenticator& client_auth() override { return client_auth_; }
  SignIn& sign_in() override { return sign_in_; }
  Secrets& secrets() override { return secrets_; }
  PlatformSecrets& platform_secrets() override { return platform_secrets_; }

 private:
  CHttp http_;
  CConsole console_;
  CBrowser browser_;
  CClock clock_;
  CLogger logger_;
  CTokenEndpoint token_endpoint_;
  CClientAuth client_auth_;
  CSignIn sign_in_;
  CSecrets secrets_;
  CPlatformSecrets platform_secrets_;
};

/// The plugin's HostServices for `host`, made on first use and kept until exit (a store may
/// keep the reference it is given in open()). A process has one host; a second one (tests)
/// gets its own.
inline HostServices& host_services_for(const et_host* host) {
  struct Entry {
    const et_host* host;
    CHostServices* services;
  };
  static std::vector<Entry>* entries = new std::vector<Entry>();  // never freed: see docs/plugin-abi.md
  for (const auto& e : *entries)
    if (e.host == host) return *e.services;
  entries->push_back(Entry{host, new CHostServices(host)});
  return *entries->back().services;
}

}  // namespace entratool::sdk::detail
