// libFuzzer target for the token endpoint's response parsing (host/services/token_endpoint.cpp):
// token and error responses. Properties: an accepted token's fields are printable ASCII, its
// expiry lies after "now" and within the bounded lifetime; errors never echo the access token.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "services/token_endpoint.h"

namespace {

void require(bool condition, const char* what) {
  if (!condition) {
    std::fprintf(stderr, "fuzz_token_response: property violated: %s\n", what);
    std::abort();
  }
}

bool printable(const std::string& s) {
  for (char c : s)
    if (c < 0x20 || c > 0x7e) return false;
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  const auto now = std::chrono::system_clock::time_point(std::chrono::seconds(1700000000));
  auto token = entratool::host::parse_token_response(body, {"https://graph.microsoft.com/.default"}, now);
  if (token) {
    require(!token->access_token.empty() && printable(token->access_token), "access_token is printable ASCII");
    require(printable(token->refresh_token) && printable(token->token_type), "other tokens are printable ASCII");
    require(token->expires_at > now, "an accepted token is not expired");
    require(token->expires_at <= now + std::chrono::hours(24 * 367), "the lifetime is bounded");
  } else {
    const std::string& m = token.status().message();
    require(!m.empty() && m.find('\n') == std::string::npos, "an error is one non-empty line");
  }
  if (auto err = entratool::host::parse_error(body)) {
    require(!err->error.empty(), "an OAuth error has its code");
    for (const std::string* s : {&err->error, &err->description})
      for (char c : *s) require(static_cast<unsigned char>(c) >= 0x20 && c != 0x7f, "error texts have no controls");
  }
  return 0;
}
