// Guards which variables a child entratool starts (the browser opener) does not inherit. Found by
// the secret canary test (tests/canary): the CI platforms' request tokens and the App Service
// identity header, which flow plugins read, reached $BROWSER.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "services/child_process.h"

using entratool::host::is_secret_variable;
using entratool::host::scrubbed_environment;

TEST_CASE("the request tokens of CI platforms and the identity header are not passed to children") {
  for (const char* name : {"ACTIONS_ID_TOKEN_REQUEST_TOKEN", "SYSTEM_ACCESSTOKEN", "IDENTITY_HEADER", "GITHUB_TOKEN",
                           "MSI_SECRET", "AZURE_CLIENT_SECRET", "ENTRATOOL_EXPORT_PASSPHRASE"}) {
    CAPTURE(name);
    CHECK(is_secret_variable(name));
  }
  for (const char* name : {"PATH", "HOME", "DISPLAY", "BROWSER", "LANG", "IDENTITY_ENDPOINT", "AZURE_CLIENT_ID"}) {
    CAPTURE(name);
    CHECK_FALSE(is_secret_variable(name));
  }
}

TEST_CASE("the scrubbed environment keeps everything else in order") {
  std::vector<std::string> entries = {"PATH=/usr/bin", "SYSTEM_ACCESSTOKEN=t", "KEEP=1", "IDENTITY_HEADER=h",
                                      "ACTIONS_ID_TOKEN_REQUEST_TOKEN=r"};
  std::vector<char*> env;
  for (auto& e : entries) env.push_back(e.data());
  env.push_back(nullptr);
  CHECK(scrubbed_environment(env.data()) == std::vector<std::string>{"PATH=/usr/bin", "KEEP=1"});
}
