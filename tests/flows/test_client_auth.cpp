// flows/common: client secrets (Basic and body) and certificate assertions (PS256/RS256, x5c).
#include <doctest/doctest.h>

#include "entratool/flows/certificate.h"
#include "entratool/flows/client_auth.h"
#include "entratool/support/encoding.h"
#include "entratool/support/json.h"
#include "test_pki.h"

#include <openssl/evp.h>

#include <set>

namespace sdk = entratool::sdk;
namespace support = entratool::support;
namespace flows = entratool::flows;

namespace {

const auto kNow = std::chrono::system_clock::time_point(std::chrono::seconds(1795000000));

sdk::FlowRequest cert_request(const std::string& cert, const std::string& key, const std::string& password) {
  sdk::FlowRequest r;
  r.client_id = "22222222-bbbb-4000-8000-000000000001";
  r.token_endpoint = "https://login.example.test/contoso/oauth2/v2.0/token";
  r.client_auth = sdk::ClientAuth::certificate;
  r.certificate_path = cert;
  r.private_key_path = key;
  r.certificate_password = password;
  return r;
}

struct Jwt {
  support::json::Value header, claims;
  std::string signing_input, signature;
};

Jwt split(const std::string& token) {
  auto a = token.find('.');
  auto b = token.find('.', a + 1);
  REQUIRE(a != std::string::npos);
  REQUIRE(b != std::string::npos);
  Jwt j;
  j.header = *support::json::parse(*support::base64_decode(token.substr(0, a)));
  j.claims = *support::json::parse(*support::base64_decode(token.substr(a + 1, b - a - 1)));
  j.signing_input = token.substr(0, b);
  j.signature = *support::base64_decode(token.substr(b + 1));
  return j;
}

std::string sha_b64url(const EVP_MD* md, const std::string& data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), out, &len, md, nullptr);
  return support::base64url_encode(std::string(reinterpret_cast<char*>(out), len));
}

}  // namespace

TEST_CASE("Basic auth form-urlencodes id and secret before base64 (RFC 6749 2.3.1)") {
  std::string header = flows::basic_authorization("my app", "p%40ss+word:with spaces%");
  REQUIRE(header.rfind("Basic ", 0) == 0);
  auto decoded = support::base64_decode(header.substr(6));
  REQUIRE(decoded.has_value());
  CHECK(*decoded == "my+app:p%2540ss%2Bword%3Awith+spaces%25");
}

TEST_CASE("secret: Basic by default, form body when client_auth=body") {
  sdk::FlowRequest r;
  r.client_id = "app";
  r.client_auth = sdk::ClientAuth::secret;
  r.client_secret = "a:b c";
  sdk::oauth::Form form;
  sdk::Headers headers;
  REQUIRE(flows::apply_client_auth(r, form, headers, kNow).is_ok());
  CHECK(form.empty());
  REQUIRE(headers.size() == 1);
  CHECK(headers[0].first == "Authorization");
  CHECK(*support::base64_decode(headers[0].second.substr(6)) == "app:a%3Ab+c");

  r.settings["client_auth"] = "body";
  form.clear();
  headers.clear();
  REQUIRE(flows::apply_client_auth(r, form, headers, kNow).is_ok());
  CHECK(headers.empty());
  CHECK(form == sdk::oauth::Form{{"client_id", "app"}, {"client_secret", "a:b c"}});

  r.settings["client_auth"] = "sideways";
  auto st = flows::apply_client_auth(r, form, headers, kNow);
  CHECK(st.category() == sdk::ErrorCategory::general);
  CHECK(st.message().find("a:b c") == std::string::npos);
}

TEST_CASE("missing secret and public clients") {
  sdk::FlowRequest r;
  r.client_id = "app";
  r.client_auth = sdk::ClientAuth::secret;
  sdk::oauth::Form form;
  sdk::Headers headers;
  CHECK_FALSE(flows::apply_client_auth(r, form, headers, kNow).is_ok());
  r.client_auth = sdk::ClientAuth::none;
  REQUIRE(flows::apply_client_auth(r, form, headers, kNow).is_ok());
  CHECK(form == sdk::oauth::Form{{"client_id", "app"}});
  CHECK(headers.empty());
}

TEST_CASE("PS256 assertion: claims, x5t#S256 header, signature verifies with the certificate's key") {
  const auto& pki = test_pki::files();
  auto r = cert_request(pki.cert_pem, pki.key_pem, "");
  sdk::oauth::Form form;
  sdk::Headers headers;
  REQUIRE(flows::apply_client_auth(r, form, headers, kNow).is_ok());
  REQUIRE(form.size() == 3);
  CHECK(form[0] == std::make_pair(std::string("client_id"), r.client_id));
  CHECK(form[1].second == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
  Jwt j = split(form[2].second);
  CHECK(j.header.get_string("alg") == "PS256");
  CHECK(j.header.get_string("typ") == "JWT");
  CHECK(j.header.get_string("x5t#S256") == sha_b64url(EVP_sha256(), pki.cert_der));
  CHECK(j.header.find("x5t") == nullptr);
  CHECK(j.header.find("x5c") == nullptr);
  CHECK(j.claims.get_string("aud") == r.token_endpoint);
  CHECK(j.claims.get_string("iss") == r.client_id);
  CHECK(j.claims.get_string("sub") == r.client_id);
  CHECK(j.claims.get_string("jti").size() == 36);
  const long long now = 1795000000;
  CHECK(j.claims.find("nbf")->as_int() == now);
  CHECK(j.claims.find("iat")->as_int() == now);
  CHECK(*j.claims.find("exp")->as_int() - now <= 600);
  CHECK(*j.claims.find("exp")->as_int() > now);
  CHECK(test_pki::verify("PS256", j.signing_input, j.signature));
  CHECK_FALSE(test_pki::verify("RS256", j.signing_input, j.signature));
}

TEST_CASE("RS256 assertion uses the SHA-1 x5t header and PKCS#1 v1.5") {
  const auto& pki = test_pki::files();
  auto r = cert_request(pki.cert_pem, pki.key_pem, "");
  r.settings["assertion_alg"] = "RS256";
  auto token = flows::make_client_assertion(r, kNow);
  REQUIRE(token.is_ok());
  Jwt j = split(*token);
  CHECK(j.header.get_string("alg") == "RS256");
  CHECK(j.header.get_string("x5t") == sha_b64url(EVP_sha1(), pki.cert_der));
  CHECK(j.header.find("x5t#S256") == nullptr);
  CHECK(test_pki::verify("RS256", j.signing_input, j.signature));
  r.settings["assertion_alg"] = "HS256";
  CHECK_FALSE(flows::make_client_assertion(r, kNow).is_ok());
}

TEST_CASE("send_x5c adds the certificate chain in standard base64") {
  const auto& pki = test_pki::files();
  auto r = cert_request(pki.cert_pem, pki.key_pem, "");
  r.settings["send_x5c"] = "true";
  auto token = flows::make_client_assertion(r, kNow);
  REQUIRE(token.is_ok());
  Jwt j = split(*token);
  const auto* x5c = j.header.find("x5c");
  REQUIRE(x5c != nullptr);
  REQUIRE(x5c->items().size() == 1);
  CHECK(x5c->items()[0].text() == support::base64_encode(pki.cert_der));
}

TEST_CASE("every jti is unique") {
  const auto& pki = test_pki::files();
  auto r = cert_request(pki.cert_pem, pki.key_pem, "");
  std::set<std::string> seen;
  for (int i = 0; i < 20; ++i) {
    auto token = flows::make_client_assertion(r, kNow);
    REQUIRE(token.is_ok());
    seen.insert(split(*token).claims.get_string("jti"));
  }
  CHECK(seen.size() == 20);
}

TEST_CASE("certificates load from an encrypted key, a combined PEM and a PFX, all the same certificate") {
  const auto& pki = test_pki::files();
  auto a = flows::ClientCertificate::load(pki.cert_pem, pki.key_enc_pem, pki.password);
  REQUIRE_MESSAGE(a.is_ok(), a.status().message());
  auto b = flows::ClientCertificate::load(pki.combined_pem, "", "");
  REQUIRE_MESSAGE(b.is_ok(), b.status().message());
  auto c = flows::ClientCertificate::load(pki.pfx, "", pki.password);
  REQUIRE_MESSAGE(c.is_ok(), c.status().message());
  CHECK(a->der() == pki.cert_der);
  CHECK(b->der() == pki.cert_der);
  CHECK(c->der() == pki.cert_der);
  CHECK(c->x5t_s256() == sha_b64url(EVP_sha256(), pki.cert_der));
  auto sig = c->sign("PS256", "data");
  REQUIRE(sig.is_ok());
  CHECK(test_pki::verify("PS256", "data", *sig));
}

TEST_CASE("certificate errors are clear and never show the password") {
  const auto& pki = test_pki::files();
  auto wrong_pfx = flows::ClientCertificate::load(pki.pfx, "", "not-it");
  REQUIRE_FALSE(wrong_pfx.is_ok());
  CHECK(wrong_pfx.status().message().find("wrong password for the PFX") != std::string::npos);
  CHECK(wrong_pfx.status().message().find("not-it") == std::string::npos);
  auto no_pw = flows::ClientCertificate::load(pki.pfx, "", "");
  CHECK(no_pw.status().message().find("needs its password") != std::string::npos);
  auto enc = flows::ClientCertificate::load(pki.cert_pem, pki.key_enc_pem, "");
  CHECK(enc.status().message().find("is encrypted") != std::string::npos);
  auto enc_wrong = flows::ClientCertificate::load(pki.cert_pem, pki.key_enc_pem, "nope");
  CHECK(enc_wrong.status().message().find("wrong password?") != std::string::npos);
  auto no_key = flows::ClientCertificate::load(pki.cert_pem, "", "");
  CHECK(no_key.status().message().find("no private key") != std::string::npos);
  auto missing = flows::ClientCertificate::load(pki.dir + "/nothing.pem", "", "");
  CHECK(missing.status().message().find("cannot read the certificate") != std::string::npos);
  auto garbage = flows::ClientCertificate::load(pki.key_pem, "", "");  // a key where a certificate belongs
  CHECK_FALSE(garbage.is_ok());
}
