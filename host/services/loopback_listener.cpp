#include "services/loopback_listener.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>

#include "entratool/support/encoding.h"

namespace entratool::host {

namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

// A browser's request line and headers fit easily; anything bigger is not a redirect.
constexpr std::size_t kMaxRequest = std::size_t{16} * 1024;
// A connection that sends nothing (browsers preconnect speculatively) is dropped after this.
constexpr milliseconds kIdleConnection{10000};

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string one_line(std::string_view s) {
  std::string out;
  for (char c : s) out += (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? ' ' : c;
  if (out.size() > 300) out = out.substr(0, 300) + "...";
  return out;
}

std::string html_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string page(std::string_view title, std::string_view text) {
  return "<!doctype html><html><head><meta charset=\"utf-8\"><title>entratool: " + html_escape(title) +
         "</title></head><body style=\"font-family:sans-serif;margin:3em\"><h1>" + html_escape(title) + "</h1><p>" +
         html_escape(text) + "</p></body></html>\n";
}

void respond(int fd, int status, std::string_view reason, const std::string& body) {
  std::string response =
      "HTTP/1.1 " + std::to_string(status) + " " + std::string(reason) +
      "\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: " + std::to_string(body.size()) +
      "\r\nCache-Control: no-store\r\nReferrer-Policy: no-referrer\r\nConnection: close\r\n\r\n" + body;
  // The socket is non-blocking; a page this small fits the send buffer. Wait briefly if not.
  std::size_t sent = 0;
  auto until = steady_clock::now() + milliseconds(2000);
  while (sent < response.size() && steady_clock::now() < until) {
    ssize_t n = ::send(fd, response.data() + sent, response.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<std::size_t>(n);
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
      pollfd p{fd, POLLOUT, 0};
      ::poll(&p, 1, 100);
    } else {
      break;
    }
  }
  ::shutdown(fd, SHUT_WR);
}

int make_listener(int family, int port, int& bound_port, std::string& error) {
  int fd = ::socket(family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) {
    error = std::strerror(errno);
    return -1;
  }
  // The listener answers the browser and closes first, so each sign-in leaves its connection in
  // TIME_WAIT on this port for a minute; without SO_REUSEADDR a fixed port (a web application's
  // registered redirect URI) could not sign in again until then. On Linux and the BSDs it still
  // refuses a port another socket listens on, so a port in use is reported as before.
  int reuse = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &reuse, sizeof reuse);
  int rc;
  if (family == AF_INET) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    rc = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  } else {
    int one = 1;
    ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    sockaddr_in6 a{};
    a.sin6_family = AF_INET6;
    a.sin6_port = htons(static_cast<uint16_t>(port));
    a.sin6_addr = in6addr_loopback;
    rc = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  }
  if (rc != 0 || ::listen(fd, 16) != 0) {
    error = std::strerror(errno);
    ::close(fd);
    return -1;
  }
  sockaddr_storage s{};
  socklen_t len = sizeof s;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&s), &len);
  bound_port = family == AF_INET ? ntohs(reinterpret_cast<sockaddr_in*>(&s)->sin_port)
                                 : ntohs(reinterpret_cast<sockaddr_in6*>(&s)->sin6_port);
  return fd;
}

}  // namespace

sdk::Result<RedirectTarget> parse_loopback_redirect(std::string_view uri) {
  const std::string shown(uri);
  auto not_loopback = [&](const std::string& why) {
    return sdk::Status::general("the redirect URI '" + shown + "' is not a loopback address entratool can listen on (" +
                                why +
                                "); entratool receives the sign-in on this machine, so use http://localhost:PORT/... "
                                "or http://127.0.0.1:PORT/..., registered so in the application");
  };
  if (lower(uri.substr(0, std::min<std::size_t>(uri.size(), 7))) != "http://")
    return not_loopback(lower(uri.substr(0, 8)) == "https://" ? "it uses https" : "it is not an http:// URI");
  std::string_view rest = uri.substr(7);
  std::size_t end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, end);
  std::string_view path = end == std::string_view::npos ? std::string_view() : rest.substr(end);
  RedirectTarget t;
  t.original = shown;
  t.authority_end = 7 + authority.size();
  std::string_view host = authority, port;
  if (!authority.empty() && authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos) return not_loopback("its host is malformed");
    host = authority.substr(0, close + 1);
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') return not_loopback("its host is malformed");
      port = authority.substr(close + 2);
    }
  } else if (auto colon = authority.find(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  t.port_at = 7 + host.size();
  std::string h = lower(host);
  if (h != "localhost" && h != "127.0.0.1" && h != "[::1]") return not_loopback("its host is " + h);
  t.host = h;
  if (!port.empty()) {
    if (port.size() > 5 || !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; }))
      return not_loopback("its port is invalid");
    t.port = std::stoi(std::string(port));
    if (t.port > 65535) return not_loopback("its port is invalid");
  }
  if (path.find('#') != std::string_view::npos) return not_loopback("it has a fragment");
  if (path.find('?') != std::string_view::npos) path = path.substr(0, path.find('?'));
  t.path = path.empty() ? "/" : std::string(path);
  return t;
}

std::vector<std::pair<std::string, std::string>> parse_query(std::string_view target) {
  std::vector<std::pair<std::string, std::string>> out;
  auto q = target.find('?');
  if (q == std::string_view::npos) return out;
  std::string_view query = target.substr(q + 1);
  if (auto hash = query.find('#'); hash != std::string_view::npos) query = query.substr(0, hash);
  while (!query.empty()) {
    auto amp = query.find('&');
    std::string_view part = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (part.empty()) continue;
    auto eq = part.find('=');
    auto name = support::form_urldecode(part.substr(0, eq));
    auto value = support::form_urldecode(eq == std::string_view::npos ? std::string_view() : part.substr(eq + 1));
    if (name && value) out.emplace_back(std::move(*name), std::move(*value));
  }
  return out;
}

RequestHead parse_request_head(std::string_view request) {
  // "GET /path?query HTTP/1.1"
  const std::string head(request.substr(0, request.find("\r\n")));
  auto sp1 = head.find(' ');
  auto sp2 = head.find(' ', sp1 == std::string::npos ? 0 : sp1 + 1);
  RequestHead r;
  r.method = sp1 == std::string::npos ? "" : head.substr(0, sp1);
  r.target = sp1 == std::string::npos || sp2 == std::string::npos ? "" : head.substr(sp1 + 1, sp2 - sp1 - 1);
  r.path = r.target.substr(0, r.target.find('?'));
  r.query = parse_query(r.target);
  return r;
}

sdk::Result<std::unique_ptr<LoopbackListener>> LoopbackListener::open(const RedirectTarget& target) {
  std::unique_ptr<LoopbackListener> l(new LoopbackListener(target));
  std::string error;
  int bound = 0;
  const bool v6_only = target.host == "[::1]";
  if (!v6_only) {
    int fd = make_listener(AF_INET, target.port, bound, error);
    if (fd < 0)
      return sdk::Status::general(
          "cannot listen on 127.0.0.1" + (target.port ? ":" + std::to_string(target.port) : "") +
          " for the sign-in redirect: " + error + (target.port ? " (is another program using the port?)" : ""));
    l->sockets_.push_back(fd);
    l->port_ = bound;
  }
  if (target.host != "127.0.0.1") {
    // "localhost" may resolve to ::1 in the browser; listen there too when IPv6 is available.
    int fd = make_listener(AF_INET6, v6_only ? target.port : l->port_, bound, error);
    if (fd >= 0) {
      l->sockets_.push_back(fd);
      if (v6_only) l->port_ = bound;
    } else if (v6_only) {
      return sdk::Status::general("cannot listen on [::1]" + (target.port ? ":" + std::to_string(target.port) : "") +
                                  " for the sign-in redirect: " + error);
    }
  }
  return l;
}

LoopbackListener::~LoopbackListener() {
  for (int fd : sockets_) ::close(fd);
  for (auto& c : connections_) ::close(c.fd);
}

std::string LoopbackListener::redirect_uri() const {
  if (target_.original.empty()) return "http://127.0.0.1:" + std::to_string(port_) + "/";
  if (target_.port != 0) return target_.original;
  // Registered without a port: native apps may use any port, and only the port may differ from
  // the registration (providers compare the rest exactly), so no slash or case is changed.
  return target_.original.substr(0, target_.port_at) + ":" + std::to_string(port_) +
         target_.original.substr(target_.authority_end);
}

sdk::Result<Callback> LoopbackListener::wait(std::string_view expected_state, steady_clock::time_point deadline,
                                             sdk::Clock& clock) {
  for (;;) {
    if (clock.cancelled()) return sdk::Status::error(sdk::ErrorCategory::general, "cancelled", sdk::codes::kCancelled);
    auto now = steady_clock::now();
    if (now >= deadline) {
      std::string why = "no sign-in response reached " + redirect_uri();
      if (wrong_state_requests_ > 0)
        why += " (" + std::to_string(wrong_state_requests_) +
               " request(s) with a state that does not belong to this sign-in were ignored)";
      return sdk::Status::timeout(why);
    }

    // Drop connections that never sent a request.
    for (auto it = connections_.begin(); it != connections_.end();) {
      if (now - it->opened > kIdleConnection) {
        ::close(it->fd);
        it = connections_.erase(it);
      } else {
        ++it;
      }
    }

    std::vector<pollfd> fds;
    for (int s : sockets_) fds.push_back({s, POLLIN, 0});
    for (auto& c : connections_) fds.push_back({c.fd, POLLIN, 0});
    auto left = std::chrono::duration_cast<milliseconds>(deadline - now).count();
    int rc = ::poll(fds.data(), fds.size(), static_cast<int>(std::min<long long>(left, 200)));
    if (rc < 0 && errno != EINTR)
      return sdk::Status::general(std::string("waiting for the sign-in redirect failed: ") + std::strerror(errno));
    if (rc <= 0) continue;

    for (std::size_t i = 0; i < sockets_.size(); ++i) {
      if (!(fds[i].revents & POLLIN)) continue;
      for (;;) {
        int fd = ::accept4(sockets_[i], nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (fd < 0) break;
        connections_.push_back({fd, {}, steady_clock::now()});
      }
    }
    // Read what arrived; handle each complete request head.
    for (std::size_t i = sockets_.size(); i < fds.size(); ++i) {
      if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      const int fd = fds[i].fd;
      auto conn =
          std::find_if(connections_.begin(), connections_.end(), [fd](const Connection& c) { return c.fd == fd; });
      if (conn == connections_.end()) continue;
      char buf[4096];
      bool closed = false;
      for (;;) {
        ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n > 0) {
          conn->buffer.append(buf, static_cast<std::size_t>(n));
          if (conn->buffer.size() > kMaxRequest) break;
          continue;
        }
        if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) closed = true;
        break;
      }
      const bool complete = conn->buffer.find("\r\n\r\n") != std::string::npos || conn->buffer.size() > kMaxRequest;
      if (!complete) {
        if (closed) {
          ::close(fd);
          connections_.erase(conn);
        }
        continue;
      }
      const RequestHead request = parse_request_head(conn->buffer);
      connections_.erase(conn);
      const std::string& method = request.method;
      const std::string& path = request.path;
      const auto& query = request.query;
      auto param = [&](std::string_view name) -> const std::string* {
        for (const auto& [k, v] : query)
          if (k == name) return &v;
        return nullptr;
      };
      const std::string* state = param("state");
      if (method != "GET" || path != target_.path || !state) {
        respond(fd, 404, "Not Found", page("Not found", "This address only receives entratool's sign-in redirect."));
        ::close(fd);
        continue;
      }
      if (*state != expected_state) {
        // A stale tab or a forged request: refuse it, keep waiting for the real redirect.
        respond(fd, 400, "Bad Request",
                page("Sign-in failed",
                     "This response does not belong to the sign-in entratool is waiting for (state mismatch). "
                     "Close this window; if you started the sign-in, use the URL entratool printed last."));
        ::close(fd);
        ++wrong_state_requests_;
        continue;
      }
      Callback cb;
      if (const std::string* error = param("error")) {
        cb.error = one_line(*error);
        if (const std::string* d = param("error_description")) cb.error_description = one_line(*d);
        respond(fd, 200, "OK",
                page("Sign-in failed", cb.error + (cb.error_description.empty() ? "" : ": " + cb.error_description) +
                                           ". You can close this window."));
        ::close(fd);
        return cb;
      }
      const std::string* code = param("code");
      if (!code || code->empty()) {
        respond(fd, 400, "Bad Request", page("Sign-in failed", "The response carries no authorization code."));
        ::close(fd);
        return sdk::Status::auth_failed("the sign-in response carried neither a code nor an error");
      }
      cb.code = *code;
      respond(
          fd, 200, "OK",
          page("Signed in", "entratool received the sign-in. You can close this window and return to the terminal."));
      ::close(fd);
      return cb;
    }
  }
}

}  // namespace entratool::host
