// Guards profile validation (messages that say what to fix) and scope splitting.
#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "core/profiles.h"

using namespace entratool::host;

namespace {
std::string temp_dir() {
  char tmpl[] = "/tmp/entratool-profiles-validation-XXXXXX";
  REQUIRE(::mkdtemp(tmpl) != nullptr);
  return tmpl;
}
void write(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

Profile valid_profile() {
  Profile p;
  p.name = "app";
  p.tenant_id = "contoso.onmicrosoft.com";
  p.client_id = "11111111-2222-3333-4444-555555555555";
  p.scopes = {"https://graph.microsoft.com/.default"};
  return p;
}
}  // namespace

TEST_CASE("scopes split on spaces and commas, trimmed, duplicates dropped, order kept") {
  CHECK(split_scopes("a b,c") == std::vector<std::string>{"a", "b", "c"});
  CHECK(split_scopes("  https://x/.default ,, https://y/User.Read\t https://x/.default ") ==
        std::vector<std::string>{"https://x/.default", "https://y/User.Read"});
  CHECK(split_scopes(" , ").empty());
}

TEST_CASE("tenant accepts a GUID, a domain and the three well-known names") {
  for (const char* ok : {"72f988bf-86f1-41af-91ab-2d7cd011db47", "contoso.onmicrosoft.com", "contoso.com", "common",
                         "organizations", "consumers", "Common"})
    CHECK_MESSAGE(validate_tenant(ok), ok);
  for (const char* bad : {"", "contoso", "72f988bf-86f1-41af-91ab", "has space.com", "-bad.com", "a..b", "1.2.3.4",
                          "72f988bf-86f1-41af-91ab-2d7cd011db4g"}) {
    auto s = validate_tenant(bad);
    CHECK_MESSAGE(!s, bad);
    CHECK(s.message().find("tenant") != std::string::npos);
  }
  CHECK(validate_tenant("contoso").message().find("contoso.onmicrosoft.com") != std::string::npos);
}

TEST_CASE("client id must be non-empty without spaces; scopes non-empty") {
  CHECK(validate_client_id("abc-123"));
  CHECK(validate_client_id("").message().find("empty") != std::string::npos);
  CHECK(validate_client_id("abc 123").message().find("spaces") != std::string::npos);
  CHECK(validate_scopes({"x"}));
  CHECK(!validate_scopes({}));
}

TEST_CASE("profile names are sensible identifiers") {
  for (const std::string& ok :
       {std::string("a"), std::string("demo-profile"), std::string("ci.prod_2"), std::string(64, 'x')})
    CHECK_MESSAGE(validate_profile_name(ok), ok);
  for (const std::string& bad :
       {std::string(""), std::string("-x"), std::string(".x"), std::string("has space"), std::string("a/b"),
        std::string("\xc3\xbc"), std::string("x;rm"), std::string(65, 'x')})
    CHECK_MESSAGE(!validate_profile_name(bad), bad);
}

TEST_CASE("urls must be https, or http on loopback only") {
  CHECK(validate_url("https://login.microsoftonline.us", "authority host"));
  CHECK(validate_url("http://127.0.0.1:8080/tenant", "authority host"));
  CHECK(validate_url("http://localhost", "redirect URI"));
  CHECK(!validate_url("http://example.com", "authority host"));
  CHECK(!validate_url("ftp://x", "redirect URI"));
  CHECK(!validate_url("https://", "redirect URI"));
}

TEST_CASE("validate_profile checks methods, settings and certificate consistency") {
  Profile p = valid_profile();
  CHECK(validate_profile(p));
  p.auth_method = "password";
  CHECK(validate_profile(p).message().find("secret, certificate, none or managed-identity") != std::string::npos);
  p = valid_profile();
  p.auth_method = "managed-identity";
  p.tenant_id.clear();
  p.client_id.clear();
  CHECK(validate_profile(p));  // a system-assigned identity needs neither
  p.object_id = "oid";
  CHECK(validate_profile(p));
  p.client_id = "cid";
  CHECK(validate_profile(p).message().find("not several") != std::string::npos);
  p = valid_profile();
  p.object_id = "oid";
  CHECK(validate_profile(p).message().find("add --managed-identity") != std::string::npos);
  p = valid_profile();
  p.federated_token_file = "relative/token";
  CHECK(validate_profile(p).message().find("absolute path") != std::string::npos);
  p = valid_profile();
  p.auth_method = "certificate";
  CHECK(!validate_profile(p));
  p = valid_profile();
  p.certificate_path = "/x.pem";
  CHECK(validate_profile(p).message().find("--use-certificate") != std::string::npos);
  p = valid_profile();
  p.settings["client_auth"] = "header";
  CHECK(!validate_profile(p));
  p.settings["client_auth"] = "basic";
  p.settings["assertion_alg"] = "PS256";
  p.settings["send_x5c"] = "true";
  CHECK(validate_profile(p));
  p.settings["assertion_alg"] = "ES256";
  CHECK(!validate_profile(p));
}

TEST_CASE("certificate files: PEM certificate plus a PEM private key; PFX by extension") {
  std::string dir = temp_dir();
  write(dir + "/cert.pem", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
  write(dir + "/key.pem", "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n");
  write(dir + "/rsa.pem", "-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----\n");
  write(dir + "/both.pem",
        "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
        "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n");
  write(dir + "/junk.pem", "hello\n");
  write(dir + "/app.pfx", "binary");
  // Files holding a private key must be private (issue 14 item 3).
  for (const char* f : {"/key.pem", "/rsa.pem", "/both.pem", "/app.pfx"}) ::chmod((dir + f).c_str(), 0600);
  Profile p = valid_profile();
  p.auth_method = "certificate";
  p.certificate_path = dir + "/cert.pem";
  p.private_key_path = dir + "/key.pem";
  CHECK(validate_certificate_files(p));
  p.private_key_path = dir + "/rsa.pem";
  CHECK(validate_certificate_files(p));
  p.private_key_path = "";
  CHECK(validate_certificate_files(p).message().find("--private-key-path") != std::string::npos);
  p.certificate_path = dir + "/both.pem";
  CHECK(validate_certificate_files(p));
  p.certificate_path = dir + "/junk.pem";
  CHECK(validate_certificate_files(p).message().find("not a PEM certificate") != std::string::npos);
  p.certificate_path = dir + "/missing.pem";
  CHECK(validate_certificate_files(p).message().find("does not exist") != std::string::npos);
  p.certificate_path = dir + "/cert.pem";
  p.private_key_path = dir + "/cert.pem";
  CHECK(validate_certificate_files(p).message().find("not a PEM private key") != std::string::npos);
  p.certificate_path = dir + "/app.pfx";
  p.private_key_path = "";
  CHECK(validate_certificate_files(p));
  CHECK(is_pfx_path("x.P12"));
  CHECK(is_pfx_path("/a/b.pfx"));
  CHECK_FALSE(is_pfx_path("cert.pem"));
  std::system(("rm -rf '" + dir + "'").c_str());
}

TEST_CASE("key_files_readable_by_group_or_others_are_refused_with_the_chmod_to_run") {
  std::string dir = temp_dir();
  write(dir + "/cert.pem", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
  write(dir + "/key.pem", "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n");
  write(dir + "/app.pfx", "binary");
  ::chmod((dir + "/key.pem").c_str(), 0644);
  ::chmod((dir + "/app.pfx").c_str(), 0640);
  Profile p = valid_profile();
  p.auth_method = "certificate";
  p.certificate_path = dir + "/cert.pem";
  p.private_key_path = dir + "/key.pem";
  CHECK(validate_certificate_files(p).message().find("run 'chmod 600 " + dir + "/key.pem'") != std::string::npos);
  p.certificate_path = dir + "/app.pfx";
  p.private_key_path = "";
  CHECK(validate_certificate_files(p).message().find("run 'chmod 600 " + dir + "/app.pfx'") != std::string::npos);
}

// Found by fuzz.profiles: DEL passed the client id check and reached the terminal raw.
TEST_CASE("a_client_id_with_del_is_refused") {
  CHECK_FALSE(validate_client_id("abc\x7f"));
  CHECK(validate_client_id("abc"));
}
