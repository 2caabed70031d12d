// libFuzzer target for the token decoder and the discover summary. Besides "no crash, no
// sanitizer report", it checks what callers rely on: errors are one non-empty line, a decoded
// token's document re-parses to the same text, and summaries carry no control characters.
//
// Input: raw bytes are a token as a user would paste it. A first byte of 0x01 selects the
// structured mode instead: the rest is "<header JSON>\n<payload JSON>", base64url-encoded into
// a token here, so the fuzzer reaches the JSON parser and the summary without learning base64.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/jwt.h"
#include "entratool/support/encoding.h"
#include "entratool/support/json.h"

namespace json = entratool::support::json;
namespace jwt = entratool::host::jwt;

namespace {

void require(bool condition, const char* what) {
  if (!condition) {
    std::fprintf(stderr, "fuzz_jwt: property violated: %s\n", what);
    std::abort();
  }
}

void check_message(const std::string& message) {
  require(!message.empty(), "an error has a message");
  require(message.find('\n') == std::string::npos, "an error message is one line");
}

void check_summary(const json::Value& payload, std::chrono::system_clock::time_point now) {
  auto summary = jwt::summarize(payload, now);
  if (!summary) {
    check_message(summary.status().message());
    return;
  }
  for (char c : summary->text) {
    auto u = static_cast<unsigned char>(c);
    require(c == '\n' || (u >= 0x20 && u != 0x7f), "a summary holds no control characters");
  }
  if (!summary->verdict.is_ok()) check_message(summary->verdict.message());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::string built;
  if (!input.empty() && input[0] == '\x01') {
    std::string_view rest = input.substr(1);
    size_t newline = rest.find('\n');
    std::string_view header = newline == std::string_view::npos ? rest : rest.substr(0, newline);
    std::string_view payload = newline == std::string_view::npos ? std::string_view() : rest.substr(newline + 1);
    built =
        entratool::support::base64url_encode(header) + "." + entratool::support::base64url_encode(payload) + ".c2ln";
    input = built;
  }

  auto token = jwt::decode(input);
  if (!token) {
    check_message(token.status().message());
    return 0;
  }
  require(token->header.is_object() && token->payload.is_object(), "decoded parts are objects");

  std::string document = json::serialize(jwt::to_document(*token), 2);
  auto reparsed = json::parse(document);
  require(reparsed.is_ok(), "the inspect document is valid JSON");
  require(json::serialize(*reparsed, 2) == document, "the inspect document round-trips");

  using std::chrono::system_clock;
  check_summary(token->payload, system_clock::time_point(std::chrono::seconds(1733049900)));
  check_summary(token->payload, system_clock::time_point());
  check_summary(token->payload, system_clock::time_point::max());
  check_summary(token->payload, system_clock::time_point::min());
  return 0;
}
