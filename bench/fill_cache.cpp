// bench/fill_cache: puts N cached tokens for one profile into the configured secret store (the
// same TokenCache the host uses), so bench/get_token.sh can time a lookup among many entries.
//
//   fill_cache PLUGIN_DIR PROFILE COUNT AUTHORITY TENANT CLIENT_ID
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <string>

#include "core/context.h"
#include "core/output.h"
#include "core/token_cache.h"
#include "entratool/sdk/secret_store.h"

using namespace entratool;

int main(int argc, char** argv) {
  if (argc != 7) {
    std::cerr << "usage: fill_cache PLUGIN_DIR PROFILE COUNT AUTHORITY TENANT CLIENT_ID\n";
    return 2;
  }
  host::GlobalOptions options;
  options.plugin_dirs.push_back(argv[1]);
  host::Context ctx(host::standard_output(), host::standard_error(), options);
  auto store = ctx.secret_store();
  if (!store) {
    std::cerr << "fill_cache: " << store.status().message() << "\n";
    return 1;
  }
  host::TokenCache cache(**store);
  const int count = std::atoi(argv[3]);
  const auto now = std::chrono::system_clock::now();
  for (int i = 0; i < count; ++i) {
    host::CacheKey key{argv[4],
                       argv[5],
                       argv[6],
                       "client-credentials",
                       {"https://bench-resource-" + std::to_string(i) + ".example/.default"},
                       argv[2]};
    sdk::TokenResponse token;
    token.access_token = "bench.filler." + std::to_string(i) + std::string(1200, 'x');  // about a real JWT's size
    token.expires_at = now + std::chrono::hours(1);
    token.scopes = key.scopes;
    if (auto s = cache.store(key, token, now); !s) {
      std::cerr << "fill_cache: " << s.message() << "\n";
      return 1;
    }
  }
  return 0;
}
