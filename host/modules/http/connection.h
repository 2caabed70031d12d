#pragma once
// One client connection of the network module (host-internal): a non-blocking TCP socket, optionally
// TLS on OpenSSL (memory BIOs, so the module does every read and write itself), with one deadline
// for everything from connect to the last byte. Failures are thrown as TransportError and turned
// into messages by http_client.cpp.

#include <openssl/ssl.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace entratool::http {

enum class Fault {
  timeout,     ///< the deadline passed
  refused,     ///< every address refused the connection
  unresolved,  ///< the name does not exist (detail empty) or the resolver failed (detail says why)
  reset,       ///< the peer reset the connection (or it broke while writing)
  tls_closed,  ///< TLS: the peer closed the TCP connection without close_notify
  tls,         ///< any other TLS failure; detail is OpenSSL's text
  io,          ///< another socket error; detail is the system's text
};

struct TransportError : std::runtime_error {
  TransportError(Fault f, const std::string& text) : std::runtime_error(text), fault(f) {}
  Fault fault;
};

class Connection {
 public:
  explicit Connection(std::chrono::steady_clock::time_point deadline) : deadline_(deadline) {}
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection() noexcept;

  /// Resolves `host` and connects to its addresses in the resolver's order until one accepts.
  void connect(const std::string& host, uint16_t port);
  /// TLS handshake over the connected socket, verifying the certificate for `host` (a name: also
  /// sent as SNI; or an IP literal).
  void start_tls(SSL_CTX* ctx, const std::string& host);
  void write_all(std::string_view data);
  /// Up to `size` bytes, 0 at the end of the stream: a FIN on plain TCP, close_notify over TLS (a
  /// FIN without close_notify is Fault::tls_closed).
  size_t read(char* buffer, size_t size);

 private:
  int remaining_ms() const;
  void wait(short events);                     // until the socket is ready, or Fault::timeout
  size_t raw_read(char* buffer, size_t size);  // 0 at FIN
  void raw_write(const char* data, size_t size);
  void flush_tls();                 // sends what OpenSSL wrote into its output BIO
  void send_last_words() noexcept;  // the same, without waiting or failing (alerts, close_notify)
  [[noreturn]] void tls_failure(int ssl_error);
  template <class Op>
  int tls_call(Op op);

  std::chrono::steady_clock::time_point deadline_;
  int fd_ = -1;
  SSL* ssl_ = nullptr;
  BIO* in_ = nullptr;   // network → OpenSSL (owned by ssl_)
  BIO* out_ = nullptr;  // OpenSSL → network (owned by ssl_)
  bool peer_eof_ = false;
  bool broken_ = false;
};

}  // namespace entratool::http
