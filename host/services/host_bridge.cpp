#include "services/host_bridge.h"

#include <cstring>
#include <exception>
#include <map>
#include <string>

#include "entratool/sdk/detail/convert.h"
#include "entratool/sdk/flow.h"

namespace entratool::host {

namespace {

using namespace entratool::sdk::detail;
namespace sdk = entratool::sdk;

sdk::HostServices& of(void* ctx) { return *static_cast<sdk::HostServices*>(ctx); }

// A host service must not let an exception unwind into plugin code (which may not even be C++).
template <class Body>
int32_t guarded(et_status* status, Body&& body) noexcept {
  try {
    return to_c(body(), status);
  } catch (const std::exception& e) {
    return to_c(sdk::Status::general(std::string("internal error in a host service: ") + e.what()), status);
  } catch (...) {
    return to_c(sdk::Status::general("internal error in a host service"), status);
  }
}

sdk::FlowRequest request_of(const et_flow_request* r) { return r ? from_c(*r) : sdk::FlowRequest{}; }

// ---- log, console, clock, browser, http ----------------------------------------------------

void log_line(void* ctx, int32_t level, et_str message) {
  try {
    auto l = level < 0 || level > 3 ? sdk::LogLevel::info : static_cast<sdk::LogLevel>(level);
    of(ctx).logger().log(l, view(message));
  } catch (...) {
  }
}

void console_status(void* ctx, et_str line) {
  try {
    of(ctx).console().status(view(line));
  } catch (...) {
  }
}
void console_notice(void* ctx, et_str line) {
  try {
    of(ctx).console().notice(view(line));
  } catch (...) {
  }
}
int32_t console_prompt(void* ctx, et_str question, int32_t secret, et_sink answer, et_status* status) {
  return guarded(status, [&]() -> sdk::Status {
    auto& c = of(ctx).console();
    auto got = secret ? c.prompt_secret(view(question)) : c.prompt(view(question));
    if (!got) return got.status();
    write(answer, *got);
    return sdk::Status::ok();
  });
}
int32_t console_interactive(void* ctx) {
  try {
    return of(ctx).console().interactive() ? 1 : 0;
  } catch (...) {
    return 0;
  }
}

int64_t clock_now_ms(void* ctx) { return to_unix_ms(of(ctx).clock().now()); }
int64_t clock_monotonic_ns(void* ctx) { return to_ns(of(ctx).clock().monotonic()); }
void clock_sleep_ms(void* ctx, int64_t ms) {
  if (ms > 0) of(ctx).clock().sleep_for(std::chrono::milliseconds(ms));
}
int32_t clock_cancelled(void* ctx) { return of(ctx).clock().cancelled() ? 1 : 0; }

int32_t browser_open(void* ctx, et_str url, et_status* status) {
  return guarded(status, [&] { return of(ctx).browser().open(view(url)); });
}

int32_t http_send(void* ctx, const et_http_request* request, et_http_response_sink response, et_status* status) {
  return guarded(status, [&]() -> sdk::Status {
    if (!request || request->size < sizeof(et_http_request)) return sdk::Status::general("malformed HTTP request");
    auto got = of(ctx).http().send(from_c(*request));
    if (!got) return got.status();
    CPairs headers(got->headers);
    if (response.set) response.set(response.ctx, got->status, headers.get(), to_c(got->body));
    return sdk::Status::ok();
  });
}

// ---- token endpoint, client auth, sign-in, secrets -----------------------------------------

int32_t token_post(void* ctx, const et_flow_request* request, et_str url, et_pairs form, et_pairs headers, et_sink body,
                   et_status* status) {
  return guarded(status, [&]() -> sdk::Status {
    auto got = of(ctx).token_endpoint().post(request_of(request), view(url), from_c(form), from_c(headers));
    if (!got) return got.status();
    write(body, *got);
    return sdk::Status::ok();
  });
}

int32_t token_request(void* ctx, const et_flow_request* request, et_pairs form, et_pairs headers, et_token_sink token,
                      et_status* status) {
  return guarded(status, [&]() -> sdk::Status {
    auto got = of(ctx).token_endpoint().request_token(request_of(request), from_c(form), from_c(headers));
    if (!got) return got.status();
    CToken c(*got);
    if (token.set) token.set(token.ctx, &c.token);
    return sdk::Status::ok();
  });
}

int32_t client_auth_apply(void* ctx, const et_flow_request* request, et_str audience, et_pair_sink form,
                          et_pair_sink headers, et_status* status) {
  return guarded(status, [&]() -> sdk::Status {
    sdk::Form f;
    sdk::Headers h;
    if (auto s = of(ctx).client_auth().apply(request_of(request), view(audience), f, h); !s) return s;
    for (const auto& [k, v] : f)
      if (form.add) form.add(form.ctx, to_c(k), to_c(v));
    for (const auto& [k, v] : h)
      if (headers.add) headers.add(headers.ctx, to_c(k), to_c(v));
    return sdk::Status::ok();
  });
}

int32_t sign_in_run(void* ctx, const et_flow_request* request, et_strs scopes, et_pairs extra, et_sign_in_sink result,
                    et_status* status) {
  return guarded(status, [&]() -> sdk::Status {
    auto got = of(ctx).sign_in().sign_in(request_of(request), from_c(scopes), from_c(extra));
    if (!got) return got.status();
    if (result.set) result.set(result.ctx, to_c(got->code), to_c(got->redirect_uri), to_c(got->code_verifier));
    return sdk::Status::ok();
  });
}

int32_t secrets_get(void* ctx, const et_flow_request* request, et_str name, et_sink value, int32_t* found,
                    et_status* status) {
  if (found) *found = 0;
  return guarded(status, [&]() -> sdk::Status {
    auto got = of(ctx).secrets().get(request_of(request), view(name));
    if (!got) return got.status();
    if (got->has_value()) {
      write(value, **got);
      if (found) *found = 1;
    }
    return sdk::Status::ok();
  });
}

int32_t platform_get(void* ctx, et_str name, et_sink value, int32_t* found, et_status* status) {
  if (found) *found = 0;
  return guarded(status, [&]() -> sdk::Status {
    auto got = of(ctx).platform_secrets().get(view(name));
    if (!got) return got.status();
    if (got->has_value()) {
      write(value, **got);
      if (found) *found = 1;
    }
    return sdk::Status::ok();
  });
}

int32_t platform_put(void* ctx, et_str name, et_str value, et_status* status) {
  return guarded(status, [&] { return of(ctx).platform_secrets().put(view(name), view(value)); });
}

int32_t platform_erase(void* ctx, et_str name, et_status* status) {
  return guarded(status, [&] { return of(ctx).platform_secrets().erase(view(name)); });
}

void platform_describe(void* ctx, et_sink out) noexcept {
  try {
    write(out, of(ctx).platform_secrets().describe());
  } catch (...) {  // NOLINT(bugprone-empty-catch): nothing may unwind into the plugin
  }
}

// One set of service structs per HostServices; their ctx is the HostServices.
struct Bridge {
  et_host host{};
  et_log_service log{};
  et_console_service console{};
  et_clock_service clock{};
  et_http_service http{};
  et_browser_service browser{};
  et_token_endpoint_service token_endpoint{};
  et_client_auth_service client_auth{};
  et_sign_in_service sign_in{};
  et_secrets_service secrets{};
  et_platform_secrets_service platform_secrets{};

  explicit Bridge(sdk::HostServices& s) {
    void* ctx = &s;
    host = {sizeof(et_host), ENTRATOOL_SDK_VERSION_MAJOR, ENTRATOOL_SDK_VERSION_MINOR, this, &Bridge::get_service};
    log = {sizeof log, ctx, &log_line};
    console = {sizeof console, ctx, &console_status, &console_notice, &console_prompt, &console_interactive};
    clock = {sizeof clock, ctx, &clock_now_ms, &clock_monotonic_ns, &clock_sleep_ms, &clock_cancelled};
    http = {sizeof http, ctx, &http_send};
    browser = {sizeof browser, ctx, &browser_open};
    token_endpoint = {sizeof token_endpoint, ctx, &token_post, &token_request};
    client_auth = {sizeof client_auth, ctx, &client_auth_apply};
    sign_in = {sizeof sign_in, ctx, &sign_in_run};
    secrets = {sizeof secrets, ctx, &secrets_get};
    platform_secrets = {sizeof platform_secrets, ctx, &platform_get, &platform_put, &platform_erase,
                        &platform_describe};
  }

  static const void* get_service(void* ctx, const char* id) {
    if (!id) return nullptr;
    auto* b = static_cast<Bridge*>(ctx);
    const std::string_view name(id);
    if (name == ET_SERVICE_LOG) return &b->log;
    if (name == ET_SERVICE_CONSOLE) return &b->console;
    if (name == ET_SERVICE_CLOCK) return &b->clock;
    if (name == ET_SERVICE_HTTP) return &b->http;
    if (name == ET_SERVICE_BROWSER) return &b->browser;
    if (name == ET_SERVICE_TOKEN_ENDPOINT) return &b->token_endpoint;
    if (name == ET_SERVICE_CLIENT_AUTH) return &b->client_auth;
    if (name == ET_SERVICE_SIGN_IN) return &b->sign_in;
    if (name == ET_SERVICE_SECRETS) return &b->secrets;
    if (name == ET_SERVICE_PLATFORM_SECRETS) return &b->platform_secrets;
    return nullptr;
  }
};

}  // namespace

const et_host* host_bridge(sdk::HostServices& services) {
  // Never freed: plugins may keep the pointer until exit (docs/plugin-abi.md).
  static auto* bridges = new std::map<sdk::HostServices*, Bridge*>();
  auto it = bridges->find(&services);
  if (it == bridges->end()) it = bridges->emplace(&services, new Bridge(services)).first;
  return &it->second->host;
}

}  // namespace entratool::host
