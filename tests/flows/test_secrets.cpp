// The host's secrets service (host/services/secrets.h): only the secrets the flow declared, read
// through the current acquisition.
#include <doctest/doctest.h>

#include "core/acquisition.h"
#include "services/secrets.h"
#include "support/fakes.h"

namespace sdk = entratool::sdk;

TEST_CASE("declared secrets are read through the acquisition; others are refused by name") {
  fakes::Services s;
  std::vector<std::string> asked;
  s.acquisition_.declared_secrets = {"federated_token", "absent"};
  s.acquisition_.read_secret = [&asked](std::string_view name) -> sdk::Result<std::optional<std::string>> {
    asked.emplace_back(name);
    if (name == "federated_token") return std::optional<std::string>("eyJ.secret.value");
    return std::optional<std::string>();
  };
  sdk::FlowRequest r;
  r.client_id = "app";
  s.bind(r);
  auto got = s.secrets().get(r, "federated_token");
  REQUIRE_MESSAGE(got.is_ok(), got.status().message());
  CHECK(*got == std::optional<std::string>("eyJ.secret.value"));
  auto absent = s.secrets().get(r, "absent");
  REQUIRE(absent.is_ok());
  CHECK_FALSE(absent->has_value());
  auto undeclared = s.secrets().get(r, "client_secret");
  REQUIRE_FALSE(undeclared.is_ok());
  CHECK(undeclared.status().message().find("'client_secret'") != std::string::npos);
  CHECK(undeclared.status().message().find("manifest") != std::string::npos);
  CHECK(asked == std::vector<std::string>{"federated_token", "absent"});

  sdk::FlowRequest stranger = r;
  stranger.acquisition = nullptr;
  CHECK_FALSE(s.secrets().get(stranger, "federated_token").is_ok());
  CHECK(asked.size() == 2);
}
