#include "connection.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <climits>
#include <condition_variable>
#include <cstring>
#include <memory>
#include <mutex>
#include <system_error>
#include <thread>

namespace entratool::http {

namespace {

std::string system_text(int error) {
  std::string text = std::strerror(error);
  if (!text.empty()) text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
  return text;
}

// What a name's look-up found, shared by the request and the thread that asks the resolver.
struct Lookup {
  std::mutex mutex;
  std::condition_variable done;
  bool finished = false;
  bool abandoned = false;  // the request gave up at its deadline: the thread frees what it finds
  int rc = 0;
  int error = 0;  // errno, for EAI_SYSTEM
  addrinfo* found = nullptr;
};

[[noreturn]] void unresolved(int rc, int error) {
  if (rc == EAI_NONAME || rc == EAI_NODATA || rc == EAI_ADDRFAMILY) throw TransportError(Fault::unresolved, "");
  throw TransportError(Fault::unresolved, rc == EAI_SYSTEM ? system_text(error) : ::gai_strerror(rc));
}

// getaddrinfo() has no deadline: a resolver that does not answer holds it for resolv.conf's
// timeout times its attempts, per server (30 s with two servers and the defaults), far past
// --timeout. An address literal needs no resolver and is converted here (AI_NUMERICHOST); a name
// is looked up on a thread of its own, which the request leaves at its deadline (Fault::timeout,
// "resolver"). The thread, detached, ends when the resolver does and frees what it found; the
// module is never unloaded, so its code outlives it.
addrinfo* resolve(const std::string& host, const std::string& service, addrinfo hints,
                  std::chrono::steady_clock::time_point deadline) {
  addrinfo numeric = hints;
  numeric.ai_flags |= AI_NUMERICHOST;
  addrinfo* found = nullptr;
  int rc = ::getaddrinfo(host.c_str(), service.c_str(), &numeric, &found);
  if (rc == 0) return found;
  if (rc != EAI_NONAME) unresolved(rc, errno);
  auto lookup = std::make_shared<Lookup>();
  try {
    std::thread([lookup, host, service, hints] {
      addrinfo* result = nullptr;
      const int code = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &result);
      const int error = errno;
      const std::lock_guard<std::mutex> lock(lookup->mutex);
      if (lookup->abandoned) {
        if (code == 0) ::freeaddrinfo(result);
        return;
      }
      lookup->rc = code;
      lookup->error = error;
      lookup->found = result;
      lookup->finished = true;
      lookup->done.notify_one();
    }).detach();
  } catch (const std::system_error&) {  // no thread to be had: ask in this one, as before
    rc = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &found);
    if (rc != 0) unresolved(rc, errno);
    return found;
  }
  std::unique_lock<std::mutex> lock(lookup->mutex);
  if (!lookup->done.wait_until(lock, deadline, [&] { return lookup->finished; })) {
    lookup->abandoned = true;
    throw TransportError(Fault::timeout, "resolver");
  }
  if (lookup->rc != 0) unresolved(lookup->rc, lookup->error);
  return lookup->found;
}

}  // namespace

Connection::~Connection() noexcept {
  if (ssl_) {
    // Ends the TLS session politely (close_notify) when it stands; never waits for it to leave.
    if (!broken_ && SSL_is_init_finished(ssl_)) {
      ERR_clear_error();
      SSL_shutdown(ssl_);
      send_last_words();
    }
    SSL_free(ssl_);  // frees both BIOs
    ERR_clear_error();
  }
  if (fd_ >= 0) ::close(fd_);
}

int Connection::remaining_ms() const {
  const auto left = deadline_ - std::chrono::steady_clock::now();
  if (left <= std::chrono::steady_clock::duration::zero()) return 0;
  const auto ms = std::chrono::ceil<std::chrono::milliseconds>(left).count();
  return ms > INT_MAX ? INT_MAX : static_cast<int>(ms);
}

void Connection::wait(short events) {
  for (;;) {
    const int ms = remaining_ms();
    if (ms == 0) throw TransportError(Fault::timeout, "timeout");
    pollfd p{fd_, events, 0};
    const int n = ::poll(&p, 1, ms);
    if (n > 0) return;  // ready, or an error the next call reports
    if (n < 0 && errno != EINTR) throw TransportError(Fault::io, system_text(errno));
  }
}

void Connection::connect(const std::string& host, uint16_t port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_protocol = IPPROTO_TCP;
  addrinfo* found = resolve(host, std::to_string(port), hints, deadline_);
  const std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> addresses(found, &::freeaddrinfo);
  int last_error = ECONNREFUSED;
  for (const addrinfo* a = found; a; a = a->ai_next) {
    fd_ = ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
    if (fd_ < 0) {
      last_error = errno;
      continue;
    }
    int error = 0;
    if (::connect(fd_, a->ai_addr, a->ai_addrlen) != 0) {
      error = errno;
      if (error == EINPROGRESS) {
        wait(POLLOUT);  // the deadline covers every address together
        socklen_t len = sizeof error;
        if (::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &error, &len) != 0) error = errno;
      }
    }
    if (error == 0) {
      const int one = 1;  // the request goes out in one piece; no waiting for an ACK first
      ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      return;
    }
    last_error = error;
    ::close(fd_);
    fd_ = -1;
  }
  if (last_error == ECONNREFUSED) throw TransportError(Fault::refused, "connection refused");
  throw TransportError(Fault::io, system_text(last_error));
}

size_t Connection::raw_read(char* buffer, size_t size) {
  for (;;) {
    const ssize_t n = ::recv(fd_, buffer, size, 0);
    if (n >= 0) return static_cast<size_t>(n);
    const int error = errno;
    if (error == EINTR) continue;
    if (error == EAGAIN || error == EWOULDBLOCK) {
      wait(POLLIN);
      continue;
    }
    broken_ = true;
    if (error == ECONNRESET) throw TransportError(Fault::reset, "connection reset by peer");
    throw TransportError(Fault::io, system_text(error));
  }
}

void Connection::raw_write(const char* data, size_t size) {
  while (size > 0) {
    const ssize_t n = ::send(fd_, data, size, MSG_NOSIGNAL);
    if (n > 0) {
      data += n;
      size -= static_cast<size_t>(n);
      continue;
    }
    const int error = errno;
    if (n < 0 && error == EINTR) continue;
    if (n < 0 && (error == EAGAIN || error == EWOULDBLOCK)) {
      wait(POLLOUT);
      continue;
    }
    broken_ = true;
    if (n < 0 && (error == ECONNRESET || error == EPIPE))
      throw TransportError(Fault::reset, "connection reset by peer");
    throw TransportError(Fault::io, n < 0 ? system_text(error) : "the socket accepted no data");
  }
}

void Connection::flush_tls() {
  char buffer[16384];
  for (;;) {
    const int n = BIO_read(out_, buffer, sizeof buffer);
    if (n <= 0) return;
    raw_write(buffer, static_cast<size_t>(n));
  }
}

void Connection::send_last_words() noexcept {
  // An alert or close_notify on the way out: one try each, never a wait.
  char buffer[16384];
  for (;;) {
    const int n = BIO_read(out_, buffer, sizeof buffer);
    if (n <= 0) return;
    (void)::send(fd_, buffer, static_cast<size_t>(n), MSG_NOSIGNAL | MSG_DONTWAIT);
  }
}

void Connection::tls_failure(int ssl_error) {
  broken_ = true;
  const unsigned long error = ERR_peek_error();  // the first one: the cause
  const int reason = ERR_GET_REASON(error);
  if ((error != 0 && ERR_GET_LIB(error) == ERR_LIB_SSL && reason == SSL_R_UNEXPECTED_EOF_WHILE_READING) ||
      (error == 0 && peer_eof_))
    throw TransportError(Fault::tls_closed, "unexpected eof while reading");
  if (error != 0 && ERR_GET_LIB(error) == ERR_LIB_SSL && reason == SSL_R_CERTIFICATE_VERIFY_FAILED)
    throw TransportError(Fault::tls, std::string("certificate verify failed: ") +
                                         X509_verify_cert_error_string(SSL_get_verify_result(ssl_)));
  if (error != 0) {
    if (const char* text = ERR_reason_error_string(error)) throw TransportError(Fault::tls, text);
    char text[256];
    ERR_error_string_n(error, text, sizeof text);
    throw TransportError(Fault::tls, text);
  }
  throw TransportError(Fault::tls, "the TLS exchange failed (OpenSSL error " + std::to_string(ssl_error) + ")");
}

template <class Op>
int Connection::tls_call(Op op) {
  for (;;) {
    ERR_clear_error();
    const int r = op();
    const int error = r > 0 ? SSL_ERROR_NONE : SSL_get_error(ssl_, r);
    switch (error) {
      case SSL_ERROR_NONE:
        flush_tls();
        return r;
      case SSL_ERROR_ZERO_RETURN:  // close_notify: the end of the stream
        send_last_words();
        return 0;
      case SSL_ERROR_WANT_WRITE:  // a memory BIO takes everything; only the socket can be full
        flush_tls();
        continue;
      case SSL_ERROR_WANT_READ: {
        flush_tls();
        if (peer_eof_) tls_failure(error);
        char buffer[16384];
        const size_t n = raw_read(buffer, sizeof buffer);
        if (n == 0) {
          peer_eof_ = true;
          BIO_set_mem_eof_return(in_, 0);  // from now on an empty input BIO is the end, not "later"
        } else if (BIO_write(in_, buffer, static_cast<int>(n)) != static_cast<int>(n)) {
          throw TransportError(Fault::tls, "out of memory for TLS input");
        }
        continue;
      }
      default:
        send_last_words();
        tls_failure(error);
    }
  }
}

void Connection::start_tls(SSL_CTX* ctx, const std::string& host) {
  ssl_ = SSL_new(ctx);
  if (!ssl_) throw TransportError(Fault::tls, "cannot create a TLS session");
  in_ = BIO_new(BIO_s_mem());
  out_ = BIO_new(BIO_s_mem());
  if (!in_ || !out_) {
    BIO_free(in_);
    BIO_free(out_);
    in_ = out_ = nullptr;
    throw TransportError(Fault::tls, "cannot create a TLS session");
  }
  SSL_set_bio(ssl_, in_, out_);
  std::string name = host;
  if (name.size() > 1 && name.back() == '.') name.pop_back();  // "example.com." is example.com
  unsigned char address[sizeof(in6_addr)];
  const bool ip = ::inet_pton(AF_INET, name.c_str(), address) == 1 || ::inet_pton(AF_INET6, name.c_str(), address) == 1;
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl_);
  bool ok = false;
  if (ip) {
    ok = X509_VERIFY_PARAM_set1_ip_asc(param, name.c_str()) == 1;
  } else {
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    ok = X509_VERIFY_PARAM_set1_host(param, name.c_str(), 0) == 1 && SSL_set_tlsext_host_name(ssl_, name.c_str()) == 1;
  }
  if (!ok) throw TransportError(Fault::tls, "cannot check certificates for host '" + host + "'");
  SSL_set_connect_state(ssl_);
  tls_call([this] { return SSL_do_handshake(ssl_); });
}

void Connection::write_all(std::string_view data) {
  if (!ssl_) {
    raw_write(data.data(), data.size());
    return;
  }
  while (!data.empty()) {
    const int n = static_cast<int>(std::min<size_t>(data.size(), size_t{1} << 20));
    const int written = tls_call([&] { return SSL_write(ssl_, data.data(), n); });
    if (written <= 0)
      throw TransportError(Fault::reset, "the server closed the TLS session while the request was sent");
    data.remove_prefix(static_cast<size_t>(written));
  }
}

size_t Connection::read(char* buffer, size_t size) {
  if (!ssl_) return raw_read(buffer, size);
  const int n = static_cast<int>(std::min<size_t>(size, INT_MAX));
  return static_cast<size_t>(tls_call([&] { return SSL_read(ssl_, buffer, n); }));
}

}  // namespace entratool::http
