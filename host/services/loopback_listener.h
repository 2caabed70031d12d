#pragma once
// The one-shot redirect listener of a native sign-in (RFC 8252 §7.3): it listens on the loopback
// interface only, answers the browser's redirect with a short page, and hands back the
// authorization code. It serves nothing else: any other request gets 404 and the wait goes on.
// Not thread-safe; one instance per sign-in. Used by the sign-in service (sign_in.h).

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "entratool/sdk/host_services.h"
#include "entratool/sdk/status.h"

namespace entratool::host {

/// A parsed loopback redirect URI.
struct RedirectTarget {
  std::string host = "127.0.0.1";  ///< "127.0.0.1", "localhost" or "[::1]", as the user wrote it
  int port = 0;                    ///< 0: any free port
  std::string path = "/";          ///< the callback path the browser will request
  std::string original;            ///< the URI as configured; empty when chosen by the flow
  std::size_t port_at = 0;         ///< where in `original` the port goes (after the host)
  std::size_t authority_end = 0;   ///< where in `original` the authority ends
};

/// Parses `uri`: http only, host 127.0.0.1 / localhost / [::1], optional port, path (default "/").
/// Anything else is an error that says the listener can only run on this machine's loopback.
sdk::Result<RedirectTarget> parse_loopback_redirect(std::string_view uri);

/// The browser's answer: either a code or the provider's error.
struct Callback {
  std::string code;               ///< set on success; a secret until redeemed
  std::string error;              ///< e.g. "access_denied"
  std::string error_description;  ///< one line, control characters removed
};

class LoopbackListener {
 public:
  /// Binds the target's port on 127.0.0.1 (and ::1 for "localhost" or "[::1]" when available).
  /// A port that is taken is an error naming it.
  static sdk::Result<std::unique_ptr<LoopbackListener>> open(const RedirectTarget& target);
  ~LoopbackListener();
  LoopbackListener(const LoopbackListener&) = delete;
  LoopbackListener& operator=(const LoopbackListener&) = delete;

  /// The port actually bound.
  int port() const { return port_; }
  /// The redirect_uri to send: the configured URI exactly as registered with only the bound port
  /// put in (RFC 8252 §7.3: "http://127.0.0.1" -> "http://127.0.0.1:PORT", "http://localhost/cb"
  /// -> "http://localhost:PORT/cb"); http://127.0.0.1:<port>/ when the flow chose none.
  std::string redirect_uri() const;

  /// Serves requests until the redirect with `expected_state` arrives. A callback whose state is
  /// missing is treated like any stray request (404, keep waiting); one with a wrong state is
  /// answered 400 and ignored (anyone on this machine can reach the port: a forged request must
  /// not end the sign-in), and the wait goes on. Ends with timeout at `deadline` (naming the
  /// ignored requests, if any), and with "cancelled" (general) when the clock reports Ctrl-C.
  sdk::Result<Callback> wait(std::string_view expected_state, std::chrono::steady_clock::time_point deadline,
                             sdk::Clock& clock);

 private:
  explicit LoopbackListener(RedirectTarget target) : target_(std::move(target)) {}
  struct Connection {
    int fd = -1;
    std::string buffer;
    std::chrono::steady_clock::time_point opened;
  };
  RedirectTarget target_;
  std::vector<int> sockets_;
  std::vector<Connection> connections_;
  int port_ = 0;
  int wrong_state_requests_ = 0;
};

/// The request line of what a browser sent to the listener, as the listener reads it.
struct RequestHead {
  std::string method;  ///< "GET"; empty when the request line has no space
  std::string target;  ///< "/cb?code=x&state=y"; empty when there is no second space
  std::string path;    ///< the target up to '?'
  std::vector<std::pair<std::string, std::string>> query;  ///< parse_query(target)
};

/// Parses the first line of `request` (up to CRLF, or all of it): "METHOD TARGET VERSION".
RequestHead parse_request_head(std::string_view request);

/// The query of a request target ("/cb?code=x&state=y") as decoded name/value pairs, in order.
std::vector<std::pair<std::string, std::string>> parse_query(std::string_view target);

}  // namespace entratool::host
