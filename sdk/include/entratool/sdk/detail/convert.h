#pragma once
/// \file detail/convert.h
/// Conversions between the C contract (abi.h) and the C++ types of the adapter, used on both
/// sides of the boundary. Header-only; every function is inline and noexcept where it can be.
/// Views made here (to_c) point into the C++ object they came from and live as long as it.

#include <algorithm>
#include <chrono>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "entratool/sdk/abi.h"
#include "entratool/sdk/flow.h"
#include "entratool/sdk/host_services.h"
#include "entratool/sdk/status.h"
#include "entratool/sdk/token.h"

namespace entratool::sdk::detail {

inline et_str to_c(std::string_view s) noexcept { return et_str{s.data(), s.size()}; }
inline std::string_view view(et_str s) noexcept {
  return s.data && s.size ? std::string_view(s.data, s.size) : std::string_view();
}
inline std::string str(et_str s) { return std::string(view(s)); }

/// Writes `s` into the caller's et_status; returns its category (0 when ok).
inline int32_t to_c(const Status& s, et_status* out) noexcept {
  if (s.is_ok()) return ET_OK;
  if (out) {
    out->category = static_cast<int32_t>(s.category());
    size_t n = std::min(s.code().size(), sizeof out->code - 1);
    std::memcpy(out->code, s.code().data(), n);
    out->code[n] = '\0';
    n = std::min(s.message().size(), sizeof out->message - 1);
    std::memcpy(out->message, s.message().data(), n);
    out->message[n] = '\0';
  }
  return static_cast<int32_t>(s.category());
}

/// A fresh et_status (ET_OK, empty texts).
inline et_status empty_status() noexcept {
  et_status s;
  s.category = ET_OK;
  s.code[0] = '\0';
  s.message[0] = '\0';
  return s;
}

/// The Status a C call reported. `rc` wins over a status the callee forgot to fill.
inline Status from_c(int32_t rc, const et_status& s) {
  if (rc == ET_OK) return Status::ok();
  int category = rc >= ET_GENERAL && rc <= ET_TIMEOUT ? rc : ET_GENERAL;
  std::string message(s.message, ::strnlen(s.message, sizeof s.message));
  std::string code(s.code, ::strnlen(s.code, sizeof s.code));
  if (message.empty()) message = "failed without saying why";
  return Status::error(static_cast<ErrorCategory>(category), std::move(message), std::move(code));
}

// ---- sinks --------------------------------------------------------------------------------
// Sink functions are called from the other side's frames, which may be another C++ runtime or
// plain C: they are noexcept, so the only thing that can go wrong in them (running out of memory)
// ends the process deterministically instead of unwinding through foreign frames.

inline void append_to_string(void* ctx, et_str data) noexcept {
  static_cast<std::string*>(ctx)->append(data.data, data.size);
}
/// A sink that appends to `s`.
inline et_sink string_sink(std::string& s) noexcept { return et_sink{&s, &append_to_string}; }

inline void push_to_list(void* ctx, et_str item) noexcept {
  static_cast<std::vector<std::string>*>(ctx)->emplace_back(view(item));
}
/// A sink whose writes are list items.
inline et_sink list_sink(std::vector<std::string>& list) noexcept { return et_sink{&list, &push_to_list}; }

using Pairs = std::vector<std::pair<std::string, std::string>>;
inline void push_pair(void* ctx, et_str name, et_str value) noexcept {
  static_cast<Pairs*>(ctx)->emplace_back(std::string(view(name)), std::string(view(value)));
}
inline et_pair_sink pair_sink(Pairs& pairs) noexcept { return et_pair_sink{&pairs, &push_pair}; }

/// Calls a sink with a string.
inline void write(const et_sink& sink, std::string_view s) {
  if (sink.write) sink.write(sink.ctx, to_c(s));
}

// ---- arrays -------------------------------------------------------------------------------

/// Views of a list of strings, for as long as both live.
struct CStrs {
  std::vector<et_str> items;
  explicit CStrs(const std::vector<std::string>& list) {
    items.reserve(list.size());
    for (const auto& s : list) items.push_back(to_c(s));
  }
  et_strs get() const noexcept { return et_strs{items.data(), items.size()}; }
};

/// Views of pairs (any container of pair-likes of strings).
struct CPairs {
  std::vector<et_pair> items;
  template <class Container>
  explicit CPairs(const Container& pairs) {
    for (const auto& [k, v] : pairs) items.push_back(et_pair{to_c(k), to_c(v)});
  }
  et_pairs get() const noexcept { return et_pairs{items.data(), items.size()}; }
};

inline std::vector<std::string> from_c(et_strs s) {
  std::vector<std::string> out;
  out.reserve(s.count);
  for (size_t i = 0; i < s.count; ++i) out.emplace_back(view(s.items[i]));
  return out;
}

inline Pairs from_c(et_pairs p) {
  Pairs out;
  out.reserve(p.count);
  for (size_t i = 0; i < p.count; ++i)
    out.emplace_back(std::string(view(p.items[i].name)), std::string(view(p.items[i].value)));
  return out;
}

// ---- tokens -------------------------------------------------------------------------------

inline int64_t to_unix_ms(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}
inline std::chrono::system_clock::time_point from_unix_ms(int64_t ms) {
  return std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(std::chrono::milliseconds(ms)));
}

/// An et_token viewing a TokenResponse.
struct CToken {
  CStrs scopes;
  CPairs extra;
  et_token token{};
  explicit CToken(const TokenResponse& t) : scopes(t.scopes), extra(t.extra) {
    token.size = sizeof(et_token);
    token.access_token = to_c(t.access_token);
    token.token_type = to_c(t.token_type);
    token.expires_at_ms = to_unix_ms(t.expires_at);
    token.scopes = scopes.get();
    token.refresh_token = to_c(t.refresh_token);
    token.id_token = to_c(t.id_token);
    token.extra = extra.get();
  }
  CToken(const CToken&) = delete;
  CToken& operator=(const CToken&) = delete;
};

/// Copies an et_token, reading only the members its size covers.
inline TokenResponse from_c(const et_token& t) {
  TokenResponse r;
  if (t.size < offsetof(et_token, extra) + sizeof(et_pairs)) return r;
  r.access_token = str(t.access_token);
  r.token_type = str(t.token_type);
  r.expires_at = from_unix_ms(t.expires_at_ms);
  r.scopes = from_c(t.scopes);
  r.refresh_token = str(t.refresh_token);
  r.id_token = str(t.id_token);
  r.extra = from_c(t.extra);
  return r;
}

struct TokenSlot {
  bool set = false;
  TokenResponse token;
};
inline void set_token_slot(void* ctx, const et_token* t) noexcept {
  auto* slot = static_cast<TokenSlot*>(ctx);
  if (!t) return;
  slot->token = from_c(*t);
  slot->set = true;
}
inline et_token_sink token_sink(TokenSlot& slot) noexcept { return et_token_sink{&slot, &set_token_slot}; }

// ---- flow requests ------------------------------------------------------------------------

inline int64_t to_ns(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}
inline std::chrono::steady_clock::time_point from_ns(int64_t ns) {
  return std::chrono::steady_clock::time_point(
      std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::nanoseconds(ns)));
}

/// An et_flow_request viewing a FlowRequest. `request.acquisition` travels as is.
struct CFlowRequest {
  CStrs scopes;
  CPairs settings;
  et_flow_request request{};
  explicit CFlowRequest(const FlowRequest& r) : scopes(r.scopes), settings(r.settings) {
    request.size = sizeof(et_flow_request);
    request.profile_name = to_c(r.profile_name);
    request.client_id = to_c(r.client_id);
    request.tenant = to_c(r.tenant);
    request.scopes = scopes.get();
    request.token_endpoint = to_c(r.token_endpoint);
    request.device_code_endpoint = to_c(r.device_code_endpoint);
    request.authorize_endpoint = to_c(r.authorize_endpoint);
    request.redirect_uri = to_c(r.redirect_uri);
    request.ca_bundle = to_c(r.ca_bundle);
    request.client_auth = static_cast<int32_t>(r.client_auth);
    request.open_browser = r.open_browser ? 1 : 0;
    request.refresh_token = to_c(r.refresh_token);
    request.settings = settings.get();
    request.deadline_ns = r.deadline == std::chrono::steady_clock::time_point{} ? 0 : to_ns(r.deadline);
    request.acquisition = r.acquisition;
  }
  CFlowRequest(const CFlowRequest&) = delete;
  CFlowRequest& operator=(const CFlowRequest&) = delete;
};

/// Copies an et_flow_request (members its size covers; the rest keep their defaults).
inline FlowRequest from_c(const et_flow_request& r) {
  FlowRequest f;
  auto has = [&](size_t end) { return r.size >= end; };
  if (!has(offsetof(et_flow_request, acquisition) + sizeof(const void*))) return f;
  f.profile_name = str(r.profile_name);
  f.client_id = str(r.client_id);
  f.tenant = str(r.tenant);
  f.scopes = from_c(r.scopes);
  f.token_endpoint = str(r.token_endpoint);
  f.device_code_endpoint = str(r.device_code_endpoint);
  f.authorize_endpoint = str(r.authorize_endpoint);
  f.redirect_uri = str(r.redirect_uri);
  f.ca_bundle = str(r.ca_bundle);
  f.client_auth = r.client_auth == ET_CLIENT_AUTH_SECRET        ? ClientAuthMethod::secret
                  : r.client_auth == ET_CLIENT_AUTH_CERTIFICATE ? ClientAuthMethod::certificate
                                                                : ClientAuthMethod::none;
  f.open_browser = r.open_browser != 0;
  f.refresh_token = str(r.refresh_token);
  for (const auto& [k, v] : from_c(r.settings)) f.settings[k] = v;
  f.deadline = r.deadline_ns == 0 ? std::chrono::steady_clock::time_point{} : from_ns(r.deadline_ns);
  f.acquisition = r.acquisition;
  return f;
}

// ---- HTTP ---------------------------------------------------------------------------------

struct CHttpRequest {
  CPairs headers;
  CPairs form;
  et_http_request request{};
  explicit CHttpRequest(const HttpRequest& r) : headers(r.headers), form(r.form) {
    request.size = sizeof(et_http_request);
    request.method = to_c(r.method);
    request.url = to_c(r.url);
    request.headers = headers.get();
    request.form = form.get();
    request.body = to_c(r.body);
    request.content_type = to_c(r.content_type);
    request.timeout_ms = r.timeout.count();
    request.ca_bundle = to_c(r.ca_bundle);
    request.proxy = to_c(r.proxy);
  }
};

inline HttpRequest from_c(const et_http_request& r) {
  HttpRequest h;
  if (r.size < offsetof(et_http_request, proxy) + sizeof(et_str)) return h;
  h.method = r.method.size ? str(r.method) : std::string("POST");
  h.url = str(r.url);
  h.headers = from_c(r.headers);
  h.form = from_c(r.form);
  h.body = str(r.body);
  h.content_type = str(r.content_type);
  h.timeout = std::chrono::milliseconds(r.timeout_ms > 0 ? r.timeout_ms : 60000);
  h.ca_bundle = str(r.ca_bundle);
  h.proxy = str(r.proxy);
  return h;
}

inline void set_http_response(void* ctx, int32_t status, et_pairs headers, et_str body) noexcept {
  auto* r = static_cast<HttpResponse*>(ctx);
  r->status = status;
  r->headers = from_c(headers);
  r->body = str(body);
}

}  // namespace entratool::sdk::detail
