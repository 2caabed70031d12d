// libFuzzer target for the export armour of `config export/import` (host/cli/export_crypto.cpp):
// the text a user pastes. Properties: dearmor() accepts exactly what starts with the header
// (after white space) and carries non-empty base64, an error is one line, and armor() of what it
// returns dearmors to the same bytes. The sealed binary inside is checked by the crypto module,
// whose key derivation (scrypt, 128 MiB and ~0.3 s a try) is too slow to fuzz.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "cli/export_crypto.h"

namespace ex = entratool::host::export_crypto;

namespace {

void require(bool condition, const char* what) {
  if (!condition) {
    std::fprintf(stderr, "fuzz_export: property violated: %s\n", what);
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto binary = ex::dearmor(text);
  if (!binary) {
    const std::string& m = binary.status().message();
    require(!m.empty() && m.find('\n') == std::string::npos, "an error is one line");
    return 0;
  }
  require(!binary->empty(), "an accepted export is not empty");
  auto start = text.find_first_not_of(" \t\r\n");
  require(start != std::string_view::npos && text.substr(start, ex::kArmorHeader.size()) == ex::kArmorHeader,
          "an accepted export starts with the header");
  const std::string armored = ex::armor(*binary);
  for (std::size_t at = 0, line = 0; at < armored.size(); ++line) {
    auto nl = armored.find('\n', at);
    require(nl != std::string::npos, "armour lines end with a newline");
    require(line == 0 || nl - at <= 64, "armour lines are at most 64 columns");
    at = nl + 1;
  }
  auto again = ex::dearmor(armored);
  require(again && *again == *binary, "armour round-trips");
  return 0;
}
