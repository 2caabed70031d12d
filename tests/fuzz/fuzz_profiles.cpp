// libFuzzer target for the profile validator that profiles.json and `config import` share
// (host/core/profiles.cpp validate_stored_profile). Properties: an accepted profile carries no
// control character in what `config show` prints, survives profile_to_json and validates again;
// every error is one line without control characters.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/profiles.h"
#include "entratool/support/json.h"

namespace json = entratool::support::json;
namespace host = entratool::host;

namespace {

void require(bool condition, const char* what) {
  if (!condition) {
    std::fprintf(stderr, "fuzz_profiles: property violated: %s\n", what);
    std::abort();
  }
}

bool clean(const std::string& s) { return host::printable(s) == s; }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto doc = json::parse(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!doc) return 0;
  auto profile = host::validate_stored_profile(*doc);
  if (!profile) {
    require(clean(profile.status().message()), "an error has no control characters");
    return 0;
  }
  require(clean(profile->name) && clean(profile->tenant_id) && clean(profile->client_id), "printed fields are clean");
  auto again = host::validate_stored_profile(host::profile_to_json(*profile));
  require(again.is_ok(), "a valid profile stays valid through profile_to_json");
  require(again->name == profile->name && again->auth_method == profile->auth_method, "fields survive");
  return 0;
}
