// Authority hosts, sovereign clouds, the loopback rule, Entra endpoints and the CA bundle order.
#include <doctest/doctest.h>

#include <cstdlib>
#include <fstream>

#include "core/authority.h"

using namespace entratool::host;

TEST_CASE("the default authority is the public cloud") {
  auto host = resolve_authority_host({});
  REQUIRE(host);
  CHECK(*host == "https://login.microsoftonline.com");
}

TEST_CASE("clouds name the sovereign hosts") {
  CHECK(*cloud_authority_host("public") == "https://login.microsoftonline.com");
  CHECK(*cloud_authority_host("USGov") == "https://login.microsoftonline.us");
  CHECK(*cloud_authority_host("china") == "https://login.chinacloudapi.cn");
  CHECK(*cloud_authority_host("AzureChinaCloud") == "https://login.chinacloudapi.cn");
  auto bad = cloud_authority_host("mars");
  REQUIRE_FALSE(bad);
  CHECK(bad.status().message() == "unknown cloud 'mars': use public, usgov or china");
}

TEST_CASE("precedence: --authority-host, --cloud, profile, AZURE_AUTHORITY_HOST") {
  AuthoritySources s;
  s.env_host = "https://env.example";
  CHECK(*resolve_authority_host(s) == "https://env.example");
  s.profile_host = "https://profile.example/";
  CHECK(*resolve_authority_host(s) == "https://profile.example");
  s.flag_cloud = "usgov";
  CHECK(*resolve_authority_host(s) == "https://login.microsoftonline.us");
  s.flag_cloud.clear();
  s.flag_host = "https://flag.example";
  CHECK(*resolve_authority_host(s) == "https://flag.example");
  s.flag_cloud = "china";
  auto both = resolve_authority_host(s);
  REQUIRE_FALSE(both);
  CHECK(both.status().message().find("give only one") != std::string::npos);
}

TEST_CASE("authority hosts are normalised") {
  CHECK(*normalise_authority_host("login.microsoftonline.com", "x") == "https://login.microsoftonline.com");
  CHECK(*normalise_authority_host("HTTPS://Login.MicrosoftOnline.COM/", "x") == "https://login.microsoftonline.com");
  CHECK(*normalise_authority_host("https://idp.example:8443/prefix/", "x") == "https://idp.example:8443/prefix");
  CHECK(*normalise_authority_host("  https://idp.example  ", "x") == "https://idp.example");
  CHECK(*normalise_authority_host("http://[::1]:9000", "x") == "http://[::1]:9000");
}

TEST_CASE("plain http is refused except for loopback hosts") {
  CHECK(normalise_authority_host("http://127.0.0.1:8080", "x"));
  CHECK(normalise_authority_host("http://127.1.2.3", "x"));
  CHECK(normalise_authority_host("http://localhost:1234", "x"));
  CHECK(normalise_authority_host("http://LOCALHOST", "x"));
  for (const char* bad : {"http://login.microsoftonline.com", "http://127.0.0.1.evil.example", "http://10.0.0.1",
                          "http://128.0.0.1", "http://localhost.example"}) {
    auto r = normalise_authority_host(bad, "--authority-host");
    REQUIRE_FALSE_MESSAGE(r, bad);
    CHECK(r.status().message().find("only allowed for loopback") != std::string::npos);
  }
}

TEST_CASE("malformed authority hosts say what is wrong") {
  CHECK(normalise_authority_host("ftp://x", "x").status().message().find("must start with https://") !=
        std::string::npos);
  CHECK(normalise_authority_host("https://x?y=1", "x").status().message().find("query") != std::string::npos);
  CHECK(normalise_authority_host("https://user:pw@x", "x").status().message().find("user name") != std::string::npos);
  CHECK(normalise_authority_host("https://x:99999", "x").status().message().find("port") != std::string::npos);
  CHECK(normalise_authority_host("https://x:abc", "x").status().message().find("port") != std::string::npos);
  CHECK(normalise_authority_host("https://", "x").status().message().find("no host") != std::string::npos);
  CHECK_FALSE(normalise_authority_host("", "x"));
}

TEST_CASE("loopback detection") {
  CHECK(is_loopback_host("127.0.0.1"));
  CHECK(is_loopback_host("127.255.255.254"));
  CHECK(is_loopback_host("[::1]"));
  CHECK(is_loopback_host("::1"));
  CHECK(is_loopback_host("localhost"));
  CHECK_FALSE(is_loopback_host("127.0.0"));
  CHECK_FALSE(is_loopback_host("127.0.0.256"));
  CHECK_FALSE(is_loopback_host("127.0.0.1.nip.io"));
  CHECK_FALSE(is_loopback_host("0.0.0.0"));
  CHECK_FALSE(is_loopback_host("example.com"));
}

TEST_CASE("Entra endpoints follow {host}/{tenant}/oauth2/v2.0/...") {
  auto e = entra_endpoints("https://login.microsoftonline.com", "contoso.onmicrosoft.com");
  CHECK(e.token == "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token");
  CHECK(e.device_code == "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/devicecode");
  CHECK(e.authorize == "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/authorize");
  auto prefixed = entra_endpoints("http://127.0.0.1:3000/entra", "common");
  CHECK(prefixed.token == "http://127.0.0.1:3000/entra/common/oauth2/v2.0/token");
}

TEST_CASE("tenants that would change the URL are refused") {
  CHECK(check_tenant_for_url("common"));
  CHECK(check_tenant_for_url("72f988bf-86f1-41af-91ab-2d7cd011db47"));
  CHECK(check_tenant_for_url("contoso.onmicrosoft.com"));
  for (const char* bad : {"", "a/b", "..", "a?b", "a#b", "a b", "a%2fb"})
    CHECK_FALSE_MESSAGE(check_tenant_for_url(bad), bad);
}

TEST_CASE("CA bundle order: flag, profile, ENTRATOOL_CA_BUNDLE, SSL_CERT_FILE") {
  const std::string dir = std::string(ENTRATOOL_BUILD_DIR) + "/authority-test-ca";
  std::system(("mkdir -p '" + dir + "'").c_str());
  auto make = [&](const std::string& name) {
    std::ofstream(dir + "/" + name) << "-----BEGIN CERTIFICATE-----\n";
    return dir + "/" + name;
  };
  const std::string flag = make("flag.pem"), profile = make("profile.pem"), envca = make("env.pem"),
                    ssl = make("ssl.pem");
  ::unsetenv("ENTRATOOL_CA_BUNDLE");
  ::unsetenv("SSL_CERT_FILE");
  CHECK(*resolve_ca_bundle("", "") == "");
  ::setenv("SSL_CERT_FILE", ssl.c_str(), 1);
  CHECK(*resolve_ca_bundle("", "") == ssl);
  ::setenv("ENTRATOOL_CA_BUNDLE", envca.c_str(), 1);
  CHECK(*resolve_ca_bundle("", "") == envca);
  CHECK(*resolve_ca_bundle("", profile) == profile);
  CHECK(*resolve_ca_bundle(flag, profile) == flag);
  auto missing = resolve_ca_bundle(dir + "/missing.pem", "");
  REQUIRE_FALSE(missing);
  CHECK(missing.status().message().find("(from --ca-bundle)") != std::string::npos);
  ::unsetenv("ENTRATOOL_CA_BUNDLE");
  ::unsetenv("SSL_CERT_FILE");
}
