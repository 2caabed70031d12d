// The HTTP service (et_http_service, a C interface: http_api.h) on Poco Net/NetSSL. One request
// per call, a fresh connection each time (a token acquisition makes one or two requests, so
// pooling would buy nothing). Inside, the work is C++ (sdk::HttpRequest, sdk::Status, Poco's
// exceptions); at the exported boundary a request arrives as views, the response leaves through
// the caller's sink, and every error, including any exception, becomes an et_status.

#include <Poco/Exception.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/RejectCertificateHandler.h>
#include <Poco/Net/SSLException.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/Net/SecureStreamSocket.h>
#include <Poco/URI.h>
#include <dirent.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <climits>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <istream>
#include <map>
#include <memory>
#include <mutex>
#include <new>
#include <optional>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "entratool/sdk/abi.h"
#include "entratool/sdk/detail/convert.h"
#include "entratool/sdk/host_services.h"
#include "entratool/sdk/status.h"
#include "entratool/support/encoding.h"
#include "http_api.h"
#include "proxy_rules.h"

namespace entratool::http {

namespace sdk = entratool::sdk;

namespace {

constexpr size_t kMaxBody = size_t{8} * 1024 * 1024;  // a token response is a few KiB; more is not one
constexpr const char* kSystemCaDir = "/etc/ssl/certs";

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

}  // namespace

namespace {

struct ProxySetting {
  std::string host;
  Poco::UInt16 port = 0;
  std::string username;
  std::string password;
};

sdk::Result<ProxySetting> parse_proxy(std::string spec) {
  if (spec.find("://") == std::string::npos) spec = "http://" + spec;
  try {
    Poco::URI uri(spec);
    if (lower(uri.getScheme()) != "http")
      return sdk::Status::general("unsupported proxy scheme '" + uri.getScheme() + "' (only http:// proxies)");
    if (uri.getHost().empty()) return sdk::Status::general("the proxy setting has no host");
    ProxySetting p;
    p.host = uri.getHost();
    p.port = uri.getPort() ? uri.getPort() : 80;
    // userinfo is percent-encoded, where '+' is itself (unlike in forms).
    std::string info;
    for (char c : uri.getUserInfo()) info += c == '+' ? std::string("%2B") : std::string(1, c);
    if (!info.empty()) {
      auto colon = info.find(':');
      p.username = support::form_urldecode(info.substr(0, colon)).value_or("");
      if (colon != std::string::npos) p.password = support::form_urldecode(info.substr(colon + 1)).value_or("");
    }
    return p;
  } catch (const Poco::Exception& e) {
    return sdk::Status::general("invalid proxy setting: " + e.displayText());
  }
}

// True when `dir` holds OpenSSL's hash links (<8 hex digits>.<n>, made by update-ca-certificates
// or `openssl rehash`); a folder of plain PEM files cannot be looked up by hash.
bool has_hash_links(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (!d) return false;
  bool found = false;
  while (const dirent* e = ::readdir(d)) {
    const char* n = e->d_name;
    size_t hex = 0;
    while (hex < 8 && std::isxdigit(static_cast<unsigned char>(n[hex]))) ++hex;
    if (hex == 8 && n[8] == '.' && std::isdigit(static_cast<unsigned char>(n[9]))) {
      found = true;
      break;
    }
  }
  ::closedir(d);
  return found;
}

// The system's trust as OpenSSL's default paths define it (the bundle file and the certificate
// folder, each overridable by SSL_CERT_FILE and SSL_CERT_DIR), but with the bundle replaced by a
// lookup by subject hash in the folder it is made from (X509_get_default_cert_dir(), Debian's
// /etc/ssl/certs): only the certificates a chain needs are read. Where that folder has no hash
// links, the bundle file is parsed as before, so the verification result is the same.
void add_system_trust(SSL_CTX* ssl, const std::string& ca_bundle) {
  std::vector<std::string> dirs;
  const std::string dir_env = env(X509_get_default_cert_dir_env());
  for (size_t start = 0; start < dir_env.size();) {  // OpenSSL's syntax: a ':'-separated list
    size_t end = std::min(dir_env.find(':', start), dir_env.size());
    if (end > start) dirs.push_back(dir_env.substr(start, end - start));
    start = end + 1;
  }
  bool system_hashed = false;
  for (const char* system : {X509_get_default_cert_dir(), kSystemCaDir}) {
    char real[PATH_MAX];
    if (!::realpath(system, real) || !has_hash_links(real)) continue;
    system_hashed = true;
    if (std::find(dirs.begin(), dirs.end(), real) == dirs.end()) dirs.emplace_back(real);
  }
  if (X509_LOOKUP* lookup = X509_STORE_add_lookup(SSL_CTX_get_cert_store(ssl), X509_LOOKUP_hash_dir()))
    for (const auto& dir : dirs) X509_LOOKUP_add_dir(lookup, dir.c_str(), X509_FILETYPE_PEM);
  const std::string file_env = env(X509_get_default_cert_file_env());
  if (!file_env.empty()) {
    if (file_env != ca_bundle) SSL_CTX_load_verify_locations(ssl, file_env.c_str(), nullptr);
  } else if (!system_hashed) {
    SSL_CTX_load_verify_locations(ssl, X509_get_default_cert_file(), nullptr);
  }
}

// One TLS context per CA bundle, created on first use. Verification is strict: the system CAs
// plus the optional bundle, and the server's name (or IP) must match its certificate.
Poco::Net::Context::Ptr tls_context(const std::string& ca_bundle) {
  static std::mutex mutex;
  static std::map<std::string, Poco::Net::Context::Ptr> contexts;
  std::lock_guard<std::mutex> lock(mutex);
  auto it = contexts.find(ca_bundle);
  if (it != contexts.end()) return it->second;
  static bool initialized = [] {
    Poco::Net::initializeSSL();
    return true;
  }();
  (void)initialized;
  Poco::Net::Context::Params params;
  params.caLocation = ca_bundle;
  // Not Poco's loadDefaultCAs (SSL_CTX_set_default_verify_paths): it parses the whole system
  // bundle, about 140 certificates, in every process that makes a request. The system folder is
  // added below as a hashed-directory lookup, which reads only the certificates a chain needs.
  params.loadDefaultCAs = false;
  params.verificationMode = Poco::Net::Context::VERIFY_STRICT;
  params.verificationDepth = 9;
  params.cipherList = "HIGH:!aNULL:!MD5:!RC4";
  Poco::Net::Context::Ptr ctx = new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, params);
  ctx->disableProtocols(Poco::Net::Context::PROTO_SSLV2 | Poco::Net::Context::PROTO_SSLV3 |
                        Poco::Net::Context::PROTO_TLSV1 | Poco::Net::Context::PROTO_TLSV1_1);
  add_system_trust(ctx->sslContext(), ca_bundle);
  // Without a handler Poco would consult an application configuration; reject, never prompt.
  static bool handler_set = [&] {
    Poco::SharedPtr<Poco::Net::InvalidCertificateHandler> reject = new Poco::Net::RejectCertificateHandler(false);
    Poco::Net::SSLManager::instance().initializeClient(nullptr, reject, ctx);
    return true;
  }();
  (void)handler_set;
  contexts.emplace(ca_bundle, ctx);
  return ctx;
}

// Poco's socket timeouts bound each wait, not the request: over TLS a stalled read waits
// SO_RCVTIMEO and then polls as long again, and a stalled handshake costs up to three waits. The
// guard enforces request.timeout as one deadline: when it passes, it shuts the connection down,
// which ends any blocked read or write at once. It works on a dup() of the socket, so the number
// it shuts down can never be a descriptor Poco has closed and the process has reused meanwhile.
class DeadlineGuard {
 public:
  explicit DeadlineGuard(std::chrono::steady_clock::time_point deadline)
      : deadline_(deadline), thread_([this] { watch(); }) {}
  DeadlineGuard(const DeadlineGuard&) = delete;
  DeadlineGuard& operator=(const DeadlineGuard&) = delete;
  ~DeadlineGuard() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      done_ = true;
    }
    wake_.notify_all();
    thread_.join();
    if (fd_ >= 0) ::close(fd_);
  }

  /// Watches this connected socket from now on; shuts it down at once if the deadline has passed.
  void arm(int socket_fd) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (fd_ >= 0 || socket_fd < 0) return;
    fd_ = ::dup(socket_fd);
    if (expired_ && fd_ >= 0) ::shutdown(fd_, SHUT_RDWR);
  }
  /// True once the deadline passed while the request was running.
  bool expired() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return expired_;
  }

 private:
  void watch() {
    std::unique_lock<std::mutex> lock(mutex_);
    if (wake_.wait_until(lock, deadline_, [this] { return done_; })) return;
    expired_ = true;
    if (fd_ >= 0) ::shutdown(fd_, SHUT_RDWR);
  }

  const std::chrono::steady_clock::time_point deadline_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  int fd_ = -1;
  bool done_ = false;
  bool expired_ = false;
  std::thread thread_;  // last: starts once the members above exist
};

// A session that hands its socket to the guard as soon as the TCP connection stands. For HTTPS
// the handshake is made lazy (on the first send), so it too runs under the guard.
template <class Base>
class GuardedSession final : public Base {
 public:
  template <class... Args>
  explicit GuardedSession(DeadlineGuard& guard, Args&&... args) : Base(std::forward<Args>(args)...), guard_(guard) {
    if constexpr (std::is_same_v<Base, Poco::Net::HTTPSClientSession>)
      Poco::Net::SecureStreamSocket(this->socket()).setLazyHandshake(true);
  }

 protected:
  void connect(const Poco::Net::SocketAddress& address) override {
    Base::connect(address);
    guard_.arm(this->socket().impl()->sockfd());
  }

 private:
  DeadlineGuard& guard_;
};

std::string host_port(const Poco::URI& uri) { return uri.getHost() + ":" + std::to_string(uri.getPort()); }

class PocoHttpClient final {
 public:
  sdk::Result<sdk::HttpResponse> send(const sdk::HttpRequest& request) {
    Poco::URI uri;
    try {
      uri = Poco::URI(request.url);
    } catch (const Poco::Exception& e) {
      return sdk::Status::general("invalid URL '" + request.url + "': " + e.displayText());
    }
    const std::string scheme = lower(uri.getScheme());
    if (uri.getHost().empty()) return sdk::Status::general("invalid URL '" + request.url + "': no host");
    // Azure's instance metadata service is link-local and plain http:// by design; it is never
    // proxied and is sent no secret (managed identity asks it for a token).
    const bool loopback = is_loopback(uri.getHost()) || uri.getHost() == "169.254.169.254";
    if (scheme == "http") {
      if (!loopback)
        return sdk::Status::general("refusing plain http:// to " + uri.getHost() +
                                    ": tokens and secrets go only over https:// (http:// is allowed for loopback "
                                    "addresses such as a local test provider, and for Azure's metadata service)");
    } else if (scheme != "https") {
      return sdk::Status::general("unsupported URL scheme '" + uri.getScheme() + "' in " + request.url);
    }
    if (!request.ca_bundle.empty() && scheme == "https") {
      if (std::FILE* f = std::fopen(request.ca_bundle.c_str(), "r")) {
        std::fclose(f);
      } else {
        return sdk::Status::general("cannot read the CA bundle '" + request.ca_bundle + "'");
      }
    }

    std::optional<ProxySetting> proxy;
    if (!loopback) {
      std::string spec = request.proxy;
      if (spec.empty() && !bypasses_proxy(uri.getHost(), env("NO_PROXY").empty() ? env("no_proxy") : env("NO_PROXY")))
        spec = env("HTTPS_PROXY").empty() ? env("https_proxy") : env("HTTPS_PROXY");
      if (!spec.empty()) {
        auto p = parse_proxy(spec);
        if (!p) return p.status();
        proxy = *p;
      }
    }

    const auto timeout_ms = std::max<long long>(request.timeout.count(), 1);
    DeadlineGuard guard(std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms));
    auto result = exchange(request, uri, scheme, proxy, timeout_ms, guard);
    // Whatever a shut-down socket made Poco report (reset, closed, TLS error), the cause was the deadline.
    if (!result && guard.expired()) return timed_out(uri, timeout_ms);
    return result;
  }

 private:
  static sdk::Status tls_closed(const Poco::URI& uri) {
    return sdk::Status::network("the server at " + host_port(uri) +
                                " closed the TLS connection without close_notify, so the response may be cut "
                                "short; the server or a proxy in between dropped the connection - try again");
  }

  // Only a certificate the client cannot verify is fixed by a CA bundle; every other TLS failure
  // says what happened instead of sending the user to --ca-bundle.
  static sdk::Status tls_error(const Poco::URI& uri, const std::string& text) {
    std::string t = lower(text);
    auto has = [&](const char* needle) { return t.find(needle) != std::string::npos; };
    const std::string where = host_port(uri);
    if (has("wrong version number") || has("http request") || has("packet length too long") ||
        has("record layer failure"))
      return sdk::Status::network(where +
                                  " answered in plain HTTP, not TLS: check the port, or whether the URL "
                                  "should start with http:// (allowed for loopback test providers only)");
    if (has("unexpected eof") || has("unexpectedly closed")) return tls_closed(uri);
    if (has("reset by peer") || has("connection reset"))
      return sdk::Status::network("the connection to " + where + " was reset during the TLS exchange");
    if (has("hostname mismatch") || has("host name mismatch"))
      return sdk::Status::network("the certificate of " + where + " is not for host '" + uri.getHost() +
                                  "': check the URL's host name");
    if (has("certificate") || has("self-signed") || has("self signed") || has("issuer") || has("verify"))
      return sdk::Status::network("TLS error with " + where + ": " + text +
                                  " (use --ca-bundle or ENTRATOOL_CA_BUNDLE for a private CA)");
    return sdk::Status::network("TLS error with " + where + ": " + text);
  }

  static sdk::Status timed_out(const Poco::URI& uri, long long timeout_ms) {
    return sdk::Status::timeout("no answer from " + host_port(uri) + " within " +
                                std::to_string((timeout_ms + 999) / 1000) + " s");
  }

  sdk::Result<sdk::HttpResponse> exchange(const sdk::HttpRequest& request, const Poco::URI& uri,
                                          const std::string& scheme, const std::optional<ProxySetting>& proxy,
                                          long long timeout_ms, DeadlineGuard& guard) {
    try {
      std::unique_ptr<Poco::Net::HTTPClientSession> session;
      if (scheme == "https")
        session = std::make_unique<GuardedSession<Poco::Net::HTTPSClientSession>>(guard, uri.getHost(), uri.getPort(),
                                                                                  tls_context(request.ca_bundle));
      else
        session = std::make_unique<GuardedSession<Poco::Net::HTTPClientSession>>(guard, uri.getHost(), uri.getPort());
      if (proxy) {
        session->setProxy(proxy->host, proxy->port);
        if (!proxy->username.empty()) session->setProxyCredentials(proxy->username, proxy->password);
      }
      Poco::Timespan timeout(timeout_ms * 1000);
      session->setTimeout(timeout, timeout, timeout);
      session->setKeepAlive(false);

      std::string target = uri.getPathAndQuery();
      if (target.empty()) target = "/";
      Poco::Net::HTTPRequest req(request.method, target, Poco::Net::HTTPMessage::HTTP_1_1);
      req.set("User-Agent", "entratool/" ENTRATOOL_HTTP_USER_AGENT_VERSION);
      std::string body;
      if (!request.form.empty()) {
        body = support::form_urlencode(request.form);
        req.setContentType("application/x-www-form-urlencoded");
      } else if (!request.body.empty()) {
        body = request.body;
        req.setContentType(request.content_type.empty() ? "application/json" : request.content_type);
      }
      for (const auto& [name, value] : request.headers) req.set(name, value);
      if (!body.empty() || request.method == "POST" || request.method == "PUT")
        req.setContentLength(static_cast<std::streamsize>(body.size()));

      session->sendRequest(req) << body;
      Poco::Net::HTTPResponse res;
      std::istream& in = session->receiveResponse(res);

      sdk::HttpResponse out;
      out.status = static_cast<int>(res.getStatus());
      for (const auto& [name, value] : res) out.headers.emplace_back(name, value);
      char buf[16384];
      while (in) {
        in.read(buf, sizeof buf);
        out.body.append(buf, static_cast<size_t>(in.gcount()));
        if (out.body.size() > kMaxBody)
          return sdk::Status::network("the response from " + host_port(uri) + " is larger than 8 MiB");
      }
      if (in.bad()) {
        // The stream swallowed the exception; the session kept it, and it says what happened.
        if (const Poco::Exception* e = session->networkException()) {
          if (dynamic_cast<const Poco::Net::SSLConnectionUnexpectedlyClosedException*>(e)) return tls_closed(uri);
          if (dynamic_cast<const Poco::Net::SSLException*>(e)) return tls_error(uri, e->displayText());
          if (dynamic_cast<const Poco::Net::ConnectionResetException*>(e))
            return sdk::Status::network("the connection to " + host_port(uri) +
                                        " was reset while reading the response");
        }
        return sdk::Status::network("the connection to " + host_port(uri) + " broke while reading the response");
      }
      return out;
    } catch (const Poco::TimeoutException&) {
      return timed_out(uri, timeout_ms);
    } catch (const Poco::Net::ConnectionRefusedException&) {
      return sdk::Status::network("cannot connect to " + host_port(uri) + ": connection refused" +
                                  (proxy ? " (via proxy " + proxy->host + ")" : ""));
    } catch (const Poco::Net::HostNotFoundException&) {
      return sdk::Status::network("cannot resolve host '" + (proxy ? proxy->host : uri.getHost()) + "'");
    } catch (const Poco::Net::NoAddressFoundException&) {
      return sdk::Status::network("cannot resolve host '" + (proxy ? proxy->host : uri.getHost()) + "'");
    } catch (const Poco::Net::DNSException& e) {
      return sdk::Status::network("cannot resolve host '" + uri.getHost() + "': " + e.displayText());
    } catch (const Poco::Net::SSLConnectionUnexpectedlyClosedException&) {
      return tls_closed(uri);
    } catch (const Poco::Net::SSLException& e) {
      return tls_error(uri, e.displayText());
    } catch (const Poco::Net::ConnectionResetException&) {
      return sdk::Status::network("the connection to " + host_port(uri) + " was reset");
    } catch (const Poco::Net::NoMessageException&) {
      return sdk::Status::network(host_port(uri) + " closed the connection without answering");
    } catch (const Poco::Net::MessageException& e) {
      return sdk::Status::network("malformed HTTP response from " + host_port(uri) + ": " + e.displayText());
    } catch (const Poco::Net::HTTPException& e) {
      return sdk::Status::network("HTTP error with " + host_port(uri) + ": " + e.displayText());
    } catch (const Poco::Exception& e) {
      return sdk::Status::network("network error with " + host_port(uri) + ": " + e.displayText());
    } catch (const std::exception& e) {
      return sdk::Status::network("network error with " + host_port(uri) + ": " + e.what());
    }
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
    static PocoHttpClient client;
    auto result = client.send(sdk::detail::from_c(*request));
    if (!result) return sdk::detail::to_c(result.status(), status);
    const sdk::detail::CPairs headers(result->headers);
    if (response.set) response.set(response.ctx, result->status, headers.get(), sdk::detail::to_c(result->body));
    return ET_OK;
  } catch (const std::bad_alloc&) {
    fail(status, ET_GENERAL, "out of memory in the network module");
  } catch (const Poco::Exception& e) {
    // Poco's and the standard library's, outside the request's own handlers (e.g. no thread for
    // the deadline guard). Written without allocating, so that a second failure cannot escape.
    fail(status, ET_NETWORK, "");
    if (status)
      std::snprintf(status->message, sizeof status->message, "network error: %s: %s", e.name(), e.message().c_str());
  } catch (const std::exception& e) {
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
