// The network module's host rules: what counts as loopback (plain http allowed, never proxied)
// and how NO_PROXY matches.
#include <doctest/doctest.h>

#include "modules/http/proxy_rules.h"

using entratool::http::bypasses_proxy;
using entratool::http::is_loopback;

TEST_CASE("loopback hosts") {
  for (const char* h : {"localhost", "LOCALHOST", "app.localhost", "127.0.0.1", "127.1.2.3", "::1", "[::1]"}) {
    CAPTURE(h);
    CHECK(is_loopback(h));
  }
  for (const char* h : {"128.0.0.1", "10.0.0.1", "127.0.0.1.example.com", "127.0.0", "127.0.0.1234",
                        "localhost.example", "login.microsoftonline.com", "::2", "1127.0.0.1", "127..0.1"}) {
    CAPTURE(h);
    CHECK_FALSE(is_loopback(h));
  }
}

TEST_CASE("NO_PROXY matching") {
  CHECK(bypasses_proxy("login.microsoftonline.com", "*"));
  CHECK(bypasses_proxy("login.microsoftonline.com", "microsoftonline.com"));
  CHECK(bypasses_proxy("login.microsoftonline.com", ".microsoftonline.com"));
  CHECK(bypasses_proxy("login.microsoftonline.com", "example.com, login.microsoftonline.com:443"));
  CHECK(bypasses_proxy("Login.MicrosoftOnline.com", "MICROSOFTONLINE.COM"));
  CHECK(bypasses_proxy("login.microsoftonline.com", "example.com login.microsoftonline.com"));
  CHECK_FALSE(bypasses_proxy("login.microsoftonline.com", "online.com"));
  CHECK_FALSE(bypasses_proxy("login.microsoftonline.com", "example.com,,"));
  CHECK_FALSE(bypasses_proxy("login.microsoftonline.com", ""));
  CHECK_FALSE(bypasses_proxy("login.microsoftonline.com", "."));
  CHECK_FALSE(bypasses_proxy("microsoftonline.com.evil.test", "microsoftonline.com"));
}

// Found by tests/fuzz/fuzz_proxy_rules.cpp: "127.0.0.256" and "127.999.0.1" counted as loopback
// (three digits were enough), so plain http:// was allowed to a name a resolver may send anywhere.
TEST_CASE("a dotted 127 address with an octet above 255 is not loopback") {
  for (const char* h : {"127.0.0.256", "127.999.0.1", "127.0.300.1", "127.255.255.999"}) {
    CAPTURE(h);
    CHECK_FALSE(is_loopback(h));
  }
  CHECK(is_loopback("127.255.255.255"));
  CHECK(is_loopback("127.0.0.1"));
}
