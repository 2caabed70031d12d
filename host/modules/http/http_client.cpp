// The HTTP service (et_http_service, a C interface: http_api.h) on OpenSSL and POSIX sockets
// (connection.cpp). One request per call, a fresh connection each time (a token acquisition
// makes one or two requests, so pooling would buy nothing), HTTP/1.1 with "Connection: close".
// Inside, the work is C++ (sdk::HttpRequest, sdk::Status, the transport's exceptions); at the
// exported boundary a request arrives as views, the response leaves through the caller's sink,
// and every error, including any exception, becomes an et_status.

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <new>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "connection.h"
#include "entratool/sdk/abi.h"
#include "entratool/sdk/detail/convert.h"
#include "entratool/sdk/host_services.h"
#include "entratool/sdk/status.h"
#include "entratool/support/encoding.h"
#include "http_api.h"
#include "proxy_rules.h"
#include "tls_context.h"
#include "url.h"

namespace entratool::http {

namespace sdk = entratool::sdk;

namespace {

constexpr size_t kMaxBody = size_t{8} * 1024 * 1024;  // a token response is a few KiB; more is not one
constexpr size_t kMaxHeaderLine = size_t{64} * 1024;
constexpr size_t kMaxHeaderBytes = size_t{1024} * 1024;
constexpr size_t kMaxHeaderFields = 1000;
constexpr size_t kReadSize = 16384;

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

bool same_name(const std::string& a, const std::string& b) { return lower(a) == lower(b); }

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

std::string trim(const std::string& s) {
  const size_t b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

// What a server sent, for a message: printable ASCII, at most 60 characters.
std::string shown(const std::string& s) {
  std::string out;
  for (unsigned char c : s.substr(0, 60)) out += c >= 0x20 && c < 0x7F ? static_cast<char>(c) : '?';
  return s.size() > 60 ? out + "..." : out;
}

// RFC 9110 token characters (method and header names).
bool is_token(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) {
    return std::isalnum(c) || std::strchr("!#$%&'*+-.^_`|~", c) != nullptr;
  });
}

struct ProxySetting {
  std::string host;
  uint16_t port = 0;
  std::string username;
  std::string password;
};

sdk::Result<ProxySetting> parse_proxy(std::string spec) {
  if (spec.find("://") == std::string::npos) spec = "http://" + spec;
  std::string error;
  auto url = parse_url(spec, error);
  if (!url) return sdk::Status::general("invalid proxy setting: " + error);
  if (url->scheme != "http")
    return sdk::Status::general("unsupported proxy scheme '" + url->scheme + "' (only http:// proxies)");
  if (url->host.empty()) return sdk::Status::general("the proxy setting has no host");
  ProxySetting p;
  p.host = url->host;
  p.port = url->port;
  // userinfo is percent-encoded, where '+' is itself (unlike in forms).
  std::string info;
  for (char c : url->userinfo) info += c == '+' ? std::string("%2B") : std::string(1, c);
  if (!info.empty()) {
    auto colon = info.find(':');
    p.username = support::form_urldecode(info.substr(0, colon)).value_or("");
    if (colon != std::string::npos) p.password = support::form_urldecode(info.substr(colon + 1)).value_or("");
  }
  return p;
}

// A response that is not HTTP as this client reads it.
enum class Refusal { no_answer, malformed, too_large, tunnel };
struct HttpError : std::runtime_error {
  HttpError(Refusal r, const std::string& text) : std::runtime_error(text), refusal(r) {}
  Refusal refusal;
};

// Buffered reading of a response: lines for the head, bytes for the body.
class Reader {
 public:
  explicit Reader(Connection& connection) : connection_(connection) {}

  bool received_any() const { return received_ > 0; }
  size_t buffered() const { return buffer_.size() - pos_; }

  /// The next line without its CRLF (or LF); nullopt at the end of the stream before a line ended.
  std::optional<std::string> line() {
    size_t scanned = 0;  // bytes after pos_ already searched for the line's end
    for (;;) {
      const size_t nl = buffer_.find('\n', pos_ + scanned);
      if (nl != std::string::npos) {
        std::string l = buffer_.substr(pos_, nl - pos_);
        pos_ = nl + 1;
        if (!l.empty() && l.back() == '\r') l.pop_back();
        return l;
      }
      scanned = buffer_.size() - pos_;
      if (scanned > kMaxHeaderLine)
        throw HttpError(Refusal::malformed, "a line longer than " + std::to_string(kMaxHeaderLine) + " bytes");
      if (!fill()) return std::nullopt;
    }
  }

  /// Appends up to `n` bytes to `out`; 0 at the end of the stream.
  size_t read_into(std::string& out, size_t n) {
    if (pos_ == buffer_.size() && !fill()) return 0;
    const size_t take = std::min(n, buffer_.size() - pos_);
    out.append(buffer_, pos_, take);
    pos_ += take;
    return take;
  }

 private:
  bool fill() {
    if (eof_) return false;
    if (pos_ == buffer_.size()) {
      buffer_.clear();
      pos_ = 0;
    }
    char chunk[kReadSize];
    const size_t n = connection_.read(chunk, sizeof chunk);
    if (n == 0) {
      eof_ = true;
      return false;
    }
    received_ += n;
    buffer_.append(chunk, n);
    return true;
  }

  Connection& connection_;
  std::string buffer_;
  size_t pos_ = 0;
  size_t received_ = 0;
  bool eof_ = false;
};

struct Head {
  int status = 0;
  std::string reason;
  sdk::Headers headers;
};

// Status line and header fields; 1xx interim responses are skipped.
Head read_head(Reader& in) {
  for (;;) {
    auto status_line = in.line();
    if (!status_line) {
      if (!in.received_any()) throw HttpError(Refusal::no_answer, "");
      throw HttpError(Refusal::malformed, "the connection closed inside the status line");
    }
    const std::string& s = *status_line;
    // HTTP/x.y SP 3DIGIT [SP reason]
    const bool ok = s.size() >= 12 && s.compare(0, 5, "HTTP/") == 0 && std::isdigit(static_cast<unsigned char>(s[5])) &&
                    s[6] == '.' && std::isdigit(static_cast<unsigned char>(s[7])) && s[8] == ' ' &&
                    std::isdigit(static_cast<unsigned char>(s[9])) && std::isdigit(static_cast<unsigned char>(s[10])) &&
                    std::isdigit(static_cast<unsigned char>(s[11])) && (s.size() == 12 || s[12] == ' ');
    if (!ok) throw HttpError(Refusal::malformed, "invalid status line '" + shown(s) + "'");
    Head head;
    head.status = std::stoi(s.substr(9, 3));
    if (s.size() > 13) head.reason = s.substr(13);
    size_t bytes = s.size();
    for (;;) {
      auto field = in.line();
      if (!field) throw HttpError(Refusal::malformed, "the connection closed inside the header");
      if (field->empty()) break;
      bytes += field->size();
      if (bytes > kMaxHeaderBytes || head.headers.size() >= kMaxHeaderFields)
        throw HttpError(Refusal::malformed, "the header is too large");
      if ((*field)[0] == ' ' || (*field)[0] == '\t') {  // obsolete line folding: continues the value
        if (head.headers.empty()) throw HttpError(Refusal::malformed, "a header starts with a continuation line");
        head.headers.back().second += " " + trim(*field);
        continue;
      }
      const size_t colon = field->find(':');
      if (colon == std::string::npos || colon == 0)
        throw HttpError(Refusal::malformed, "invalid header field '" + shown(*field) + "'");
      head.headers.emplace_back(trim(field->substr(0, colon)), trim(field->substr(colon + 1)));
    }
    if (head.status >= 100 && head.status < 200 && head.status != 101) continue;
    return head;
  }
}

std::optional<std::string> header(const sdk::Headers& headers, const char* name) {
  for (const auto& [k, v] : headers)
    if (same_name(k, name)) return v;
  return std::nullopt;
}

void append_checked(std::string& body, Reader& in, size_t n, const std::string& where) {
  while (n > 0) {
    const size_t got = in.read_into(body, std::min(n, kReadSize));
    if (got == 0) return;  // closed early: the body is what came (a flow reports a truncated document)
    n -= got;
    if (body.size() > kMaxBody) throw HttpError(Refusal::too_large, where);
  }
}

std::string read_body(Reader& in, const Head& head, bool head_request, const std::string& where) {
  std::string body;
  if (head_request || head.status < 200 || head.status == 204 || head.status == 304) return body;
  const auto encoding = header(head.headers, "Transfer-Encoding");
  if (encoding && lower(*encoding).find("chunked") != std::string::npos) {
    for (;;) {
      auto size_line = in.line();
      if (!size_line) return body;
      const std::string hex = trim(size_line->substr(0, size_line->find(';')));
      if (hex.empty() || hex.size() > 15 ||
          !std::all_of(hex.begin(), hex.end(), [](unsigned char c) { return std::isxdigit(c); }))
        throw HttpError(Refusal::malformed, "invalid chunk size '" + shown(*size_line) + "'");
      const size_t size = std::stoull(hex, nullptr, 16);
      if (size == 0) {  // the last chunk, then trailer fields up to an empty line
        for (auto trailer = in.line(); trailer && !trailer->empty(); trailer = in.line()) {
        }
        return body;
      }
      if (size > kMaxBody || body.size() + size > kMaxBody) throw HttpError(Refusal::too_large, where);
      const size_t before = body.size();
      append_checked(body, in, size, where);
      if (body.size() - before < size) return body;
      auto end = in.line();
      if (!end) return body;
      if (!end->empty()) throw HttpError(Refusal::malformed, "a chunk longer than its size");
    }
  }
  if (const auto length = header(head.headers, "Content-Length")) {
    for (const auto& [k, v] : head.headers)
      if (same_name(k, "Content-Length") && trim(v) != trim(*length))
        throw HttpError(Refusal::malformed, "conflicting Content-Length headers");
    const std::string n = trim(*length);
    if (n.empty() || n.size() > 18 || !std::all_of(n.begin(), n.end(), [](unsigned char c) { return std::isdigit(c); }))
      throw HttpError(Refusal::malformed, "invalid Content-Length '" + shown(*length) + "'");
    const size_t size = std::stoull(n);
    if (size > kMaxBody) throw HttpError(Refusal::too_large, where);
    append_checked(body, in, size, where);
    return body;
  }
  append_checked(body, in, kMaxBody + 1, where);  // until the server closes the connection
  return body;
}

// Request header fields with HTTP's set semantics: setting a name replaces the field of that name
// (case-insensitive), in its place.
class Fields {
 public:
  void set(const std::string& name, const std::string& value) {
    for (auto& [k, v] : fields_)
      if (same_name(k, name)) {
        v = value;
        return;
      }
    fields_.emplace_back(name, value);
  }
  bool has(const std::string& name) const {
    return std::any_of(fields_.begin(), fields_.end(), [&](const auto& f) { return same_name(f.first, name); });
  }
  std::string text() const {
    std::string out;
    for (const auto& [k, v] : fields_) out.append(k).append(": ").append(v).append("\r\n");
    return out;
  }

 private:
  sdk::Headers fields_;
};

enum class Phase { connect, tunnel, handshake, request, body };

class HttpClient final {
 public:
  sdk::Result<sdk::HttpResponse> send(const sdk::HttpRequest& request) const {
    std::string error;
    auto parsed = parse_url(request.url, error);
    if (!parsed) return sdk::Status::general("invalid URL '" + request.url + "': " + error);
    const Url& url = *parsed;
    if (url.host.empty()) return sdk::Status::general("invalid URL '" + request.url + "': no host");
    // Azure's instance metadata service is link-local and plain http:// by design; it is never
    // proxied and is sent no secret (managed identity asks it for a token).
    const bool loopback = is_loopback(url.host) || url.host == "169.254.169.254";
    if (url.scheme == "http") {
      if (!loopback)
        return sdk::Status::general("refusing plain http:// to " + url.host +
                                    ": tokens and secrets go only over https:// (http:// is allowed for loopback "
                                    "addresses such as a local test provider, and for Azure's metadata service)");
    } else if (url.scheme != "https") {
      return sdk::Status::general("unsupported URL scheme '" + url.scheme + "' in " + request.url);
    }
    const bool tls = url.scheme == "https";
    if (!request.ca_bundle.empty() && tls) {
      if (std::FILE* f = std::fopen(request.ca_bundle.c_str(), "r")) {
        std::fclose(f);
      } else {
        return sdk::Status::general("cannot read the CA bundle '" + request.ca_bundle + "'");
      }
    }
    if (!is_token(request.method)) return sdk::Status::general("invalid HTTP method '" + shown(request.method) + "'");
    for (const auto& [name, value] : request.headers)
      if (!is_token(name) || value.find_first_of("\r\n", 0) != std::string::npos ||
          value.find('\0') != std::string::npos)
        return sdk::Status::general("invalid HTTP header '" + shown(name) + "'");

    std::optional<ProxySetting> proxy;
    if (!loopback) {
      std::string spec = request.proxy;
      if (spec.empty() && !bypasses_proxy(url.host, env("NO_PROXY").empty() ? env("no_proxy") : env("NO_PROXY")))
        spec = env("HTTPS_PROXY").empty() ? env("https_proxy") : env("HTTPS_PROXY");
      if (!spec.empty()) {
        auto p = parse_proxy(spec);
        if (!p) return p.status();
        proxy = *p;
      }
    }
    SSL_CTX* ctx = nullptr;
    if (tls) {
      ctx = tls_context(request.ca_bundle, error);
      if (!ctx) return sdk::Status::network("TLS error with " + host_port(url) + ": " + error);
    }

    const auto timeout_ms = std::max<long long>(request.timeout.count(), 1);
    Connection connection(std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms));
    Phase phase = Phase::connect;
    bool answered = false;
    try {
      if (proxy) {
        connection.connect(proxy->host, proxy->port);
        phase = Phase::tunnel;
        tunnel(connection, url, *proxy);
      } else {
        connection.connect(url.host, url.port);
      }
      if (tls) {
        phase = Phase::handshake;
        connection.start_tls(ctx, url.host);
      }
      phase = Phase::request;
      connection.write_all(request_text(request, url));
      Reader in(connection);
      try {
        Head head = read_head(in);
        answered = true;
        phase = Phase::body;
        sdk::HttpResponse out;
        out.status = head.status;
        out.body = read_body(in, head, request.method == "HEAD", host_port(url));
        out.headers = std::move(head.headers);
        return out;
      } catch (const TransportError&) {
        answered = answered || in.received_any();
        throw;
      }
    } catch (const TransportError& e) {
      return describe(e, phase, answered, url, proxy, timeout_ms);
    } catch (const HttpError& e) {
      return describe(e, phase, url, proxy);
    }
  }

 private:
  static std::string request_text(const sdk::HttpRequest& request, const Url& url) {
    Fields fields;
    fields.set("User-Agent", "entratool/" ENTRATOOL_HTTP_USER_AGENT_VERSION);
    std::string body;
    if (!request.form.empty()) {
      body = support::form_urlencode(request.form);
      fields.set("Content-Type", "application/x-www-form-urlencoded");
    } else if (!request.body.empty()) {
      body = request.body;
      fields.set("Content-Type", request.content_type.empty() ? "application/json" : request.content_type);
    }
    for (const auto& [name, value] : request.headers) fields.set(name, value);
    if (!body.empty() || request.method == "POST" || request.method == "PUT")
      fields.set("Content-Length", std::to_string(body.size()));
    const uint16_t default_port = url.scheme == "https" ? 443 : 80;
    if (!fields.has("Host"))
      fields.set("Host", authority_host(url.host) + (url.port == default_port ? "" : ":" + std::to_string(url.port)));
    fields.set("Connection", "close");
    return std::string(request.method).append(" ").append(url.target).append(" HTTP/1.1\r\n") + fields.text() + "\r\n" +
           body;
  }

  // CONNECT through an http:// proxy; afterwards the connection carries the server's bytes.
  static void tunnel(Connection& connection, const Url& url, const ProxySetting& proxy) {
    const std::string target = authority_host(url.host) + ":" + std::to_string(url.port);
    std::string text = "CONNECT " + target + " HTTP/1.1\r\nHost: " + target + "\r\n";
    text.append("User-Agent: entratool/" ENTRATOOL_HTTP_USER_AGENT_VERSION "\r\n");
    if (!proxy.username.empty())
      text.append("Proxy-Authorization: Basic ")
          .append(support::base64_encode(proxy.username + ":" + proxy.password))
          .append("\r\n");
    text.append("\r\n");
    connection.write_all(text);
    Reader in(connection);
    const Head head = read_head(in);
    if (head.status < 200 || head.status > 299)
      throw HttpError(Refusal::tunnel, "cannot establish proxy connection: " + std::to_string(head.status) +
                                           (head.reason.empty() ? "" : " " + shown(head.reason)));
    if (in.buffered() > 0) throw HttpError(Refusal::malformed, "the proxy sent data before the server spoke");
  }

  static std::string via(const std::optional<ProxySetting>& proxy) {
    return proxy ? " (via proxy " + proxy->host + ")" : "";
  }

  static sdk::Status tls_closed(const Url& url) {
    return sdk::Status::network("the server at " + host_port(url) +
                                " closed the TLS connection without close_notify, so the response may be cut "
                                "short; the server or a proxy in between dropped the connection - try again");
  }

  // Only a certificate the client cannot verify is fixed by a CA bundle; every other TLS failure
  // says what happened instead of sending the user to --ca-bundle.
  static sdk::Status tls_error(const Url& url, const std::string& text) {
    std::string t = lower(text);
    auto has = [&](const char* needle) { return t.find(needle) != std::string::npos; };
    const std::string where = host_port(url);
    if (has("wrong version number") || has("http request") || has("packet length too long") ||
        has("record layer failure"))
      return sdk::Status::network(where +
                                  " answered in plain HTTP, not TLS: check the port, or whether the URL "
                                  "should start with http:// (allowed for loopback test providers only)");
    if (has("unexpected eof") || has("unexpectedly closed")) return tls_closed(url);
    if (has("reset by peer") || has("connection reset"))
      return sdk::Status::network("the connection to " + where + " was reset during the TLS exchange");
    if (has("hostname mismatch") || has("host name mismatch") || has("ip address mismatch"))
      return sdk::Status::network("the certificate of " + where + " is not for host '" + url.host +
                                  "': check the URL's host name");
    if (has("certificate") || has("self-signed") || has("self signed") || has("issuer") || has("verify"))
      return sdk::Status::network("TLS error with " + where + ": " + text +
                                  " (use --ca-bundle or ENTRATOOL_CA_BUNDLE for a private CA)");
    return sdk::Status::network("TLS error with " + where + ": " + text);
  }

  static sdk::Status timed_out(const Url& url, long long timeout_ms) {
    return sdk::Status::timeout("no answer from " + host_port(url) + " within " +
                                std::to_string((timeout_ms + 999) / 1000) + " s");
  }

  static sdk::Status describe(const TransportError& e, Phase phase, bool answered, const Url& url,
                              const std::optional<ProxySetting>& proxy, long long timeout_ms) {
    const std::string where = host_port(url);
    switch (e.fault) {
      case Fault::timeout:
        if (std::string_view(e.what()) == "resolver")
          return sdk::Status::error(sdk::ErrorCategory::timeout,
                                    "no answer from the DNS resolver for '" + (proxy ? proxy->host : url.host) +
                                        "' within " + std::to_string((timeout_ms + 999) / 1000) +
                                        " s: check the network and the name servers in /etc/resolv.conf",
                                    ENTRATOOL_HTTP_RESOLVER_TIMEOUT);
        return timed_out(url, timeout_ms);
      case Fault::refused:
        return sdk::Status::network("cannot connect to " + where + ": connection refused" + via(proxy));
      case Fault::unresolved: {
        const std::string name = proxy ? proxy->host : url.host;
        const std::string detail = *e.what() ? std::string(": ") + e.what() : "";
        return sdk::Status::network("cannot resolve host '" + name + "'" + detail);
      }
      case Fault::reset:
        if (phase == Phase::handshake)
          return sdk::Status::network("the connection to " + where + " was reset during the TLS exchange");
        if (phase == Phase::body)
          return sdk::Status::network("the connection to " + where + " was reset while reading the response");
        return sdk::Status::network("the connection to " + where + " was reset" + via(proxy));
      case Fault::tls_closed:
        if (phase == Phase::request && !answered)
          return sdk::Status::network(where + " closed the connection without answering");
        return tls_closed(url);
      case Fault::tls:
        return tls_error(url, e.what());
      case Fault::io:
        if (phase == Phase::connect)
          return sdk::Status::network("cannot connect to " + where + ": " + e.what() + via(proxy));
        if (phase == Phase::body)
          return sdk::Status::network("the connection to " + where + " broke while reading the response");
        return sdk::Status::network("network error with " + where + ": " + e.what());
    }
    return sdk::Status::network("network error with " + where + ": " + e.what());
  }

  static sdk::Status describe(const HttpError& e, Phase phase, const Url& url,
                              const std::optional<ProxySetting>& proxy) {
    const std::string where = host_port(url);
    const std::string through = phase == Phase::tunnel ? via(proxy) : "";
    switch (e.refusal) {
      case Refusal::no_answer:
        return sdk::Status::network((phase == Phase::tunnel ? "the proxy " + proxy->host + " for " + where : where) +
                                    " closed the connection without answering");
      case Refusal::too_large:
        return sdk::Status::network("the response from " + where + " is larger than 8 MiB");
      case Refusal::tunnel:
        return sdk::Status::network("HTTP error with " + where + ": " + e.what() + through);
      case Refusal::malformed:
        break;
    }
    return sdk::Status::network("malformed HTTP response from " + where + ": " + e.what() + through);
  }
};

// ---- the C boundary -------------------------------------------------------------------------

// Writes an error without allocating, for when even building a Status failed.
void fail(et_status* status, int32_t category, const char* message) noexcept {
  if (!status) return;
  status->category = category;
  status->code[0] = '\0';
  std::snprintf(status->message, sizeof status->message, "%s", message);
}

int32_t send(void* /*ctx*/, const et_http_request* request, et_http_response_sink response,
             et_status* status) noexcept {
  try {
    // The members this module reads; a struct that does not cover them is not a request.
    if (!request || request->size < offsetof(et_http_request, proxy) + sizeof(et_str))
      return sdk::detail::to_c(sdk::Status::general("malformed HTTP request passed to the network module"), status);
    const HttpClient client;
    auto result = client.send(sdk::detail::from_c(*request));
    if (!result) return sdk::detail::to_c(result.status(), status);
    const sdk::detail::CPairs headers(result->headers);
    if (response.set) response.set(response.ctx, result->status, headers.get(), sdk::detail::to_c(result->body));
    return ET_OK;
  } catch (const std::bad_alloc&) {
    fail(status, ET_GENERAL, "out of memory in the network module");
  } catch (const std::exception& e) {
    // Outside the request's own handlers; written without allocating, so that a second failure
    // cannot escape.
    fail(status, ET_NETWORK, "");
    if (status) std::snprintf(status->message, sizeof status->message, "network error: %s", e.what());
  } catch (...) {
    fail(status, ET_NETWORK, "network error: an unknown exception in the network module");
  }
  return status ? status->category : ET_NETWORK;
}

}  // namespace
}  // namespace entratool::http

extern "C" ENTRATOOL_PLUGIN_EXPORT int entratool_http_abi_version(void) { return ENTRATOOL_HTTP_ABI_VERSION; }

extern "C" ENTRATOOL_PLUGIN_EXPORT const et_http_service* entratool_http_service(void) {
  static const et_http_service service = {sizeof(et_http_service), nullptr, &entratool::http::send};
  return &service;
}
