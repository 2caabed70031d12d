// The loopback listener with real sockets on 127.0.0.1: only the expected callback is accepted.
#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "services/loopback_listener.h"
#include "support/fakes.h"

using namespace entratool::host;
using namespace std::chrono_literals;
using fakes::FakeClock;

namespace {

int connect_to(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  return fd;
}

// Sends a raw request, returns the whole response.
std::string raw_exchange(int port, const std::string& request) {
  int fd = connect_to(port);
  (void)!::write(fd, request.data(), request.size());
  std::string out;
  char buf[4096];
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) out.append(buf, static_cast<size_t>(n));
  ::close(fd);
  return out;
}

std::string get(int port, const std::string& target) {
  return raw_exchange(port, "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
}

struct Fixture {
  FakeClock clock;
  std::unique_ptr<LoopbackListener> listener;
  Fixture(const std::string& uri = "") {
    clock.real = true;
    RedirectTarget target;
    if (!uri.empty()) target = *parse_loopback_redirect(uri);
    auto l = LoopbackListener::open(target);
    REQUIRE(l);
    listener = std::move(*l);
  }
};

}  // namespace

TEST_CASE("stray requests get 404 and the listener keeps waiting for the callback") {
  Fixture f("http://127.0.0.1/callback");
  CHECK(f.listener->port() > 0);
  CHECK(f.listener->redirect_uri() == "http://127.0.0.1:" + std::to_string(f.listener->port()) + "/callback");
  std::vector<std::string> responses;
  std::thread browser([&] {
    const int port = f.listener->port();
    responses.push_back(get(port, "/favicon.ico"));
    responses.push_back(get(port, "/callback?code=abc"));  // no state: not the callback
    responses.push_back(raw_exchange(port, "POST /callback?code=abc&state=s1 HTTP/1.1\r\nContent-Length: 0\r\n\r\n"));
    responses.push_back(get(port, "/other?code=abc&state=s1"));
    responses.push_back(get(port, "/callback?code=the%2Bcode&state=s1"));
  });
  auto cb = f.listener->wait("s1", std::chrono::steady_clock::now() + 10s, f.clock);
  browser.join();
  REQUIRE(cb);
  CHECK(cb->code == "the+code");
  REQUIRE(responses.size() == 5);
  for (int i = 0; i < 4; ++i) CHECK(responses[i].rfind("HTTP/1.1 404", 0) == 0);
  CHECK(responses[4].rfind("HTTP/1.1 200", 0) == 0);
  CHECK(responses[4].find("Signed in") != std::string::npos);
  CHECK(responses[4].find("Cache-Control: no-store") != std::string::npos);
}

TEST_CASE("a forged request with a wrong state gets 400 and the wait goes on to the real redirect") {
  Fixture f;
  std::string forged, forged_error, real;
  std::thread browser([&] {
    forged = get(f.listener->port(), "/?code=abc&state=forged");
    forged_error = get(f.listener->port(), "/?error=access_denied&state=forged");
    real = get(f.listener->port(), "/?code=the-code&state=expected");
  });
  auto cb = f.listener->wait("expected", std::chrono::steady_clock::now() + 10s, f.clock);
  browser.join();
  REQUIRE_MESSAGE(cb, cb.status().message());
  CHECK(cb->code == "the-code");
  CHECK(forged.rfind("HTTP/1.1 400", 0) == 0);
  CHECK(forged.find("state mismatch") != std::string::npos);
  CHECK(forged_error.rfind("HTTP/1.1 400", 0) == 0);
  CHECK(real.rfind("HTTP/1.1 200", 0) == 0);
}

TEST_CASE("only forged requests until the deadline: a timeout that says they were ignored") {
  Fixture f;
  std::string forged;
  std::thread browser([&] { forged = get(f.listener->port(), "/?code=abc&state=forged"); });
  auto cb = f.listener->wait("expected", std::chrono::steady_clock::now() + 1s, f.clock);
  browser.join();
  REQUIRE_FALSE(cb);
  CHECK(cb.status().category() == entratool::sdk::ErrorCategory::timeout);
  CHECK(cb.status().message().find("1 request(s) with a state that does not belong") != std::string::npos);
  CHECK(forged.rfind("HTTP/1.1 400", 0) == 0);
}

TEST_CASE("the redirect URI sent is the registered one with only the port inserted (RFC 8252 7.3)") {
  struct Case {
    const char* configured;
    const char* before_port;
    const char* after_port;
  };
  for (const Case& c :
       {Case{"http://127.0.0.1", "http://127.0.0.1:", ""}, Case{"http://127.0.0.1/", "http://127.0.0.1:", "/"},
        Case{"http://localhost/callback", "http://localhost:", "/callback"},
        Case{"http://LocalHost/CB?x=1", "http://LocalHost:", "/CB?x=1"},
        Case{"http://localhost:/cb", "http://localhost:", "/cb"}}) {
    CAPTURE(c.configured);
    Fixture f(c.configured);
    CHECK(f.listener->redirect_uri() == c.before_port + std::to_string(f.listener->port()) + c.after_port);
  }
  Fixture none;
  CHECK(none.listener->redirect_uri() == "http://127.0.0.1:" + std::to_string(none.listener->port()) + "/");
}

TEST_CASE("an error redirect is returned with its description, escaped on the page") {
  Fixture f;
  std::string response;
  std::thread browser([&] {
    response = get(f.listener->port(), "/?state=s&error=access_denied&error_description=%3Cscript%3Eno%0Aline");
  });
  auto cb = f.listener->wait("s", std::chrono::steady_clock::now() + 10s, f.clock);
  browser.join();
  REQUIRE(cb);
  CHECK(cb->code.empty());
  CHECK(cb->error == "access_denied");
  CHECK(cb->error_description == "<script>no line");
  CHECK(response.find("<script>") == std::string::npos);
  CHECK(response.find("&lt;script&gt;") != std::string::npos);
}

TEST_CASE("an idle connection does not block the callback on another one") {
  Fixture f;
  int idle = connect_to(f.listener->port());
  std::thread browser([&] { get(f.listener->port(), "/?code=c&state=s"); });
  auto started = std::chrono::steady_clock::now();
  auto cb = f.listener->wait("s", std::chrono::steady_clock::now() + 10s, f.clock);
  browser.join();
  ::close(idle);
  REQUIRE(cb);
  CHECK(std::chrono::steady_clock::now() - started < 3s);
}

TEST_CASE("the wait ends at the deadline, or at Ctrl-C") {
  Fixture f;
  auto timed_out = f.listener->wait("s", std::chrono::steady_clock::now() + 300ms, f.clock);
  REQUIRE(!timed_out);
  CHECK(timed_out.status().category() == entratool::sdk::ErrorCategory::timeout);
  f.clock.cancel_after = 0;
  auto cancelled = f.listener->wait("s", std::chrono::steady_clock::now() + 10s, f.clock);
  REQUIRE(!cancelled);
  CHECK(cancelled.status().message() == "cancelled");
  CHECK(cancelled.status().category() == entratool::sdk::ErrorCategory::general);
}

TEST_CASE("a configured port that is taken is an error naming it") {
  Fixture f;
  auto second =
      LoopbackListener::open(*parse_loopback_redirect("http://127.0.0.1:" + std::to_string(f.listener->port()) + "/"));
  REQUIRE(!second);
  CHECK(second.status().message().find("127.0.0.1:" + std::to_string(f.listener->port())) != std::string::npos);
}
