// Guards ProfileStore: round trip, defaults, missing-profile messages and exit category, a corrupt
// file reported and left byte-identical, file modes, and that unknown fields survive a rewrite.
#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "core/profiles.h"
#include "entratool/support/json.h"

using namespace entratool;
using namespace entratool::host;

namespace {
struct TempDir {
  std::string path;
  TempDir() {
    char tmpl[] = "/tmp/entratool-profiles-store-XXXXXX";
    REQUIRE(::mkdtemp(tmpl) != nullptr);
    path = tmpl;
  }
  ~TempDir() { std::system(("rm -rf '" + path + "'").c_str()); }
};

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

unsigned mode_of(const std::string& path) {
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_mode & 0777;
}

Profile make(const std::string& name) {
  Profile p;
  p.name = name;
  p.tenant_id = "common";
  p.client_id = "client-" + name;
  p.scopes = {"openid", "https://graph.microsoft.com/.default"};
  return p;
}
}  // namespace

TEST_CASE("a saved profile reads back with every field") {
  TempDir t;
  ProfileStore store(t.path + "/cfg");
  Profile p = make("full");
  p.auth_method = "certificate";
  p.certificate_path = "/certs/app.pfx";
  p.default_flow = "client-credentials";
  p.redirect_uri = "http://localhost:8400";
  p.authority_host = "https://login.microsoftonline.us";
  p.ca_bundle = "/etc/ca.pem";
  p.settings = {{"assertion_alg", "RS256"}, {"send_x5c", "true"}};
  REQUIRE(store.save(p, false));
  auto back = store.find("full");
  REQUIRE(back);
  CHECK(back->tenant_id == "common");
  CHECK(back->client_id == "client-full");
  CHECK(back->scopes == p.scopes);
  CHECK(back->auth_method == "certificate");
  CHECK(back->certificate_path == "/certs/app.pfx");
  CHECK(back->default_flow == "client-credentials");
  CHECK(back->redirect_uri == "http://localhost:8400");
  CHECK(back->authority_host == "https://login.microsoftonline.us");
  CHECK(back->ca_bundle == "/etc/ca.pem");
  CHECK(back->settings == p.settings);
  CHECK_FALSE(back->created_at.empty());
  CHECK(back->updated_at == back->created_at);
}

TEST_CASE("folder is 0700, files 0600, first profile becomes the default, list is sorted") {
  TempDir t;
  ProfileStore store(t.path + "/cfg");
  REQUIRE(store.save(make("zeta"), false));
  REQUIRE(store.save(make("alpha"), false));
  CHECK(mode_of(t.path + "/cfg") == 0700);
  CHECK(mode_of(store.path()) == 0600);
  CHECK(mode_of(t.path + "/cfg/profiles.lock") == 0600);
  CHECK(*store.default_name() == "zeta");
  auto all = store.list();
  REQUIRE(all);
  REQUIRE(all->size() == 2);
  CHECK((*all)[0].name == "alpha");
  CHECK((*all)[1].name == "zeta");
  REQUIRE(store.set_default("alpha"));
  CHECK(*store.default_name() == "alpha");
  REQUIRE(store.remove("alpha"));
  CHECK(store.default_name()->empty());
}

TEST_CASE("saving an existing name needs overwrite, which keeps created_at") {
  TempDir t;
  ProfileStore store(t.path + "/cfg");
  Profile p = make("app");
  REQUIRE(store.save(p, false));
  std::string created = store.find("app")->created_at;
  auto again = store.save(p, false);
  CHECK_FALSE(again);
  CHECK(again.message().find("already exists") != std::string::npos);
  p.client_id = "changed";
  REQUIRE(store.save(p, true));
  CHECK(store.find("app")->client_id == "changed");
  CHECK(store.find("app")->created_at == created);
}

TEST_CASE("a missing profile is profile_not_found (exit 2) naming the ones that exist") {
  TempDir t;
  ProfileStore store(t.path + "/cfg");
  auto none = store.find("x");
  REQUIRE_FALSE(none);
  CHECK(none.status().category() == sdk::ErrorCategory::profile_not_found);
  CHECK(none.status().exit_code() == 2);
  CHECK(none.status().message() ==
        "profile 'x' not found (no profiles yet; create one with 'entratool config create')");
  REQUIRE(store.save(make("b"), false));
  REQUIRE(store.save(make("a"), false));
  CHECK(store.find("x").status().message() == "profile 'x' not found (existing profiles: a, b)");
  CHECK(store.remove("x").category() == sdk::ErrorCategory::profile_not_found);
  CHECK(store.set_default("x").category() == sdk::ErrorCategory::profile_not_found);
}

TEST_CASE("a corrupt profiles.json is reported and left byte-identical by every operation") {
  TempDir t;
  std::string dir = t.path + "/cfg";
  ProfileStore store(dir);
  REQUIRE(store.save(make("keep"), false));
  const std::string corrupt = "{\"version\":1,\"profiles\":[{\"name\":\"keep\",";
  for (const std::string& bad : {corrupt, std::string("[]"), std::string("{\"profiles\":{}}"),
                                 std::string("{\"profiles\":[{\"tenant_id\":\"x\"}]}")}) {
    { std::ofstream(store.path(), std::ios::binary | std::ios::trunc) << bad; }
    CHECK_FALSE(store.list());
    CHECK_FALSE(store.find("keep"));
    CHECK_FALSE(store.save(make("new"), false));
    CHECK_FALSE(store.remove("keep"));
    CHECK_FALSE(store.set_default("keep"));
    auto status = store.list().status();
    CHECK(status.exit_code() == 1);
    CHECK(status.message().find(store.path()) != std::string::npos);
    CHECK(status.message().find("left untouched") != std::string::npos);
    CHECK(slurp(store.path()) == bad);
  }
  { std::ofstream(store.path(), std::ios::binary | std::ios::trunc) << corrupt; }
  CHECK(store.list().status().message().find("is not valid JSON (") != std::string::npos);
}

TEST_CASE("a file from a newer entratool is refused, not rewritten") {
  TempDir t;
  ProfileStore store(t.path + "/cfg");
  REQUIRE(store.save(make("a"), false));
  const std::string newer = "{\"version\":2,\"profiles\":[]}";
  { std::ofstream(store.path(), std::ios::trunc) << newer; }
  CHECK(store.save(make("b"), false).message().find("newer entratool") != std::string::npos);
  CHECK(slurp(store.path()) == newer);
}

TEST_CASE("members this version does not know survive a rewrite") {
  TempDir t;
  ProfileStore store(t.path + "/cfg");
  REQUIRE(store.save(make("a"), false));
  {
    auto doc = support::json::parse(slurp(store.path()));
    REQUIRE(doc);
    doc->find("profiles")->items()[0].set("future_field", support::json::Value::string("kept"));
    doc->set("top_level_future", support::json::Value::boolean(true));
    std::ofstream(store.path(), std::ios::trunc) << support::json::serialize(*doc);
  }
  Profile p = make("a");
  p.client_id = "new";
  REQUIRE(store.save(p, true));
  REQUIRE(store.save(make("b"), false));
  std::string text = slurp(store.path());
  CHECK(text.find("\"future_field\": \"kept\"") != std::string::npos);
  CHECK(text.find("top_level_future") != std::string::npos);
  CHECK(store.find("a")->client_id == "new");
}

TEST_CASE("profile JSON never carries a secret field and omits empty optional fields") {
  Profile p = make("a");
  auto text = support::json::serialize(profile_to_json(p));
  CHECK(text.find("secret\"") == std::string::npos);
  CHECK(text.find("certificate_path") == std::string::npos);
  auto back = profile_from_json(profile_to_json(p));
  REQUIRE(back);
  CHECK(back->name == "a");
  CHECK_FALSE(profile_from_json(support::json::Value::object()));
}
