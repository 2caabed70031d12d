// The host's client authentication service (host/services/client_auth.h) and its default signer
// (signer.h, the crypto module): client secrets (Basic and body) and certificate assertions
// (PS256/RS256, x5c), with the credentials in the current acquisition, never in the request.
#include <doctest/doctest.h>

#include "core/acquisition.h"
#include "entratool/support/encoding.h"
#include "entratool/support/json.h"
#include "services/client_auth.h"
#include "services/signer.h"
#include "support/fakes.h"
#include "test_pki.h"

#include <openssl/evp.h>

#include <set>

namespace sdk = entratool::sdk;
namespace support = entratool::support;
namespace host = entratool::host;

namespace {

const auto kNow = std::chrono::system_clock::time_point(std::chrono::seconds(1795000000));

// Fake services whose clock reads kNow; the certificate goes into the acquisition.
struct CertServices : fakes::Services {
  sdk::FlowRequest r;
  CertServices(const std::string& cert, const std::string& key, const std::string& password) {
    clock_.wall = kNow;
    r.client_id = "22222222-bbbb-4000-8000-000000000001";
    r.token_endpoint = "https://login.example.test/contoso/oauth2/v2.0/token";
    r.client_auth = sdk::ClientAuthMethod::certificate;
    acquisition_.certificate_path = cert;
    acquisition_.private_key_path = key;
    acquisition_.certificate_password = password;
  }
  // Applies client authentication with `settings`; the assertion (or the error).
  sdk::Result<std::string> assertion(const std::map<std::string, std::string>& settings = {},
                                     std::string_view audience = {}) {
    r.settings = settings;
    acquisition_.settings.clear();
    bind(r);
    sdk::Form form;
    sdk::Headers headers;
    if (auto st = client_auth().apply(r, audience, form, headers); !st) return st;
    REQUIRE(form.size() == 3);
    return form[2].second;
  }
};

// Fake services with a secret client in the current acquisition.
struct SecretServices : fakes::Services {
  sdk::FlowRequest r;
  explicit SecretServices(std::string secret) {
    r.client_id = "app";
    r.client_auth = sdk::ClientAuthMethod::secret;
    acquisition_.client_secret = std::move(secret);
  }
  sdk::Status apply(sdk::Form& form, sdk::Headers& headers) {
    acquisition_.settings.clear();
    bind(r);
    return client_auth().apply(r, {}, form, headers);
  }
};

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
  std::string header = host::basic_authorization("my app", "p%40ss+word:with spaces%");
  REQUIRE(header.rfind("Basic ", 0) == 0);
  auto decoded = support::base64_decode(header.substr(6));
  REQUIRE(decoded.has_value());
  CHECK(*decoded == "my+app:p%2540ss%2Bword%3Awith+spaces%25");
}

TEST_CASE("secret: Basic by default, form body when client_auth=body") {
  SecretServices s("a:b c");
  sdk::Form form;
  sdk::Headers headers;
  REQUIRE(s.apply(form, headers).is_ok());
  CHECK(form.empty());
  REQUIRE(headers.size() == 1);
  CHECK(headers[0].first == "Authorization");
  CHECK(*support::base64_decode(headers[0].second.substr(6)) == "app:a%3Ab+c");

  s.r.settings["client_auth"] = "body";
  form.clear();
  headers.clear();
  REQUIRE(s.apply(form, headers).is_ok());
  CHECK(headers.empty());
  CHECK(form == sdk::Form{{"client_id", "app"}, {"client_secret", "a:b c"}});

  s.r.settings["client_auth"] = "sideways";
  auto st = s.apply(form, headers);
  CHECK(st.category() == sdk::ErrorCategory::general);
  CHECK(st.message().find("'sideways'") != std::string::npos);
  CHECK(st.message().find("a:b c") == std::string::npos);
}

TEST_CASE("missing secret and public clients") {
  SecretServices s("");
  sdk::Form form;
  sdk::Headers headers;
  CHECK_FALSE(s.apply(form, headers).is_ok());
  s.r.client_auth = sdk::ClientAuthMethod::none;
  REQUIRE(s.apply(form, headers).is_ok());
  CHECK(form == sdk::Form{{"client_id", "app"}});
  CHECK(headers.empty());
}

TEST_CASE("credentials go only to the current acquisition's request, for its client id") {
  SecretServices s("top-secret");
  sdk::Form form;
  sdk::Headers headers;
  // Never bound: the request's handle is not the current acquisition.
  auto st = s.client_auth().apply(s.r, {}, form, headers);
  CHECK_FALSE(st.is_ok());
  CHECK(st.message().find("current acquisition") != std::string::npos);
  CHECK(headers.empty());
  // A forged handle is refused too.
  sdk::FlowRequest forged = s.r;
  host::Acquisition other;
  forged.acquisition = &other;
  CHECK_FALSE(s.client_auth().apply(forged, {}, form, headers).is_ok());
  // A plugin that changes the client id still authenticates the profile's client.
  REQUIRE(s.apply(form, headers).is_ok());
  sdk::FlowRequest changed = s.r;
  changed.client_id = "someone-else";
  headers.clear();
  REQUIRE(s.client_auth().apply(changed, {}, form, headers).is_ok());
  CHECK(*support::base64_decode(headers.at(0).second.substr(6)) == "app:top-secret");
  // A public client needs no acquisition.
  sdk::FlowRequest pub;
  pub.client_id = "public";
  form.clear();
  REQUIRE(s.client_auth().apply(pub, {}, form, headers).is_ok());
  CHECK(form == sdk::Form{{"client_id", "public"}});
}

TEST_CASE("PS256 assertion: claims, x5t#S256 header, signature verifies with the certificate's key") {
  const auto& pki = test_pki::files();
  CertServices s(pki.cert_pem, pki.key_pem, "");
  s.bind(s.r);
  sdk::Form form;
  sdk::Headers headers;
  REQUIRE(s.client_auth().apply(s.r, {}, form, headers).is_ok());
  const auto& r = s.r;
  REQUIRE(form.size() == 3);
  CHECK(headers.empty());
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

TEST_CASE("the audience given replaces the token endpoint in aud") {
  const auto& pki = test_pki::files();
  CertServices s(pki.cert_pem, pki.key_pem, "");
  auto token = s.assertion({}, "https://login.example.test/other");
  REQUIRE_MESSAGE(token.is_ok(), token.status().message());
  CHECK(split(*token).claims.get_string("aud") == "https://login.example.test/other");
}

TEST_CASE("RS256 assertion uses the SHA-1 x5t header and PKCS#1 v1.5") {
  const auto& pki = test_pki::files();
  CertServices s(pki.cert_pem, pki.key_pem, "");
  auto token = s.assertion({{"assertion_alg", "RS256"}});
  REQUIRE_MESSAGE(token.is_ok(), token.status().message());
  Jwt j = split(*token);
  CHECK(j.header.get_string("alg") == "RS256");
  CHECK(j.header.get_string("x5t") == sha_b64url(EVP_sha1(), pki.cert_der));
  CHECK(j.header.find("x5t#S256") == nullptr);
  CHECK(test_pki::verify("RS256", j.signing_input, j.signature));
  auto hs = s.assertion({{"assertion_alg", "HS256"}});
  CHECK_FALSE(hs.is_ok());
  CHECK(hs.status().message() == "assertion_alg must be PS256 or RS256, not 'HS256'");
}

TEST_CASE("send_x5c adds the certificate chain in standard base64") {
  const auto& pki = test_pki::files();
  CertServices s(pki.cert_pem, pki.key_pem, "");
  auto token = s.assertion({{"send_x5c", "true"}});
  REQUIRE(token.is_ok());
  Jwt j = split(*token);
  const auto* x5c = j.header.find("x5c");
  REQUIRE(x5c != nullptr);
  REQUIRE(x5c->items().size() == 1);
  CHECK(x5c->items()[0].text() == support::base64_encode(pki.cert_der));
}

TEST_CASE("every jti is unique") {
  const auto& pki = test_pki::files();
  CertServices s(pki.cert_pem, pki.key_pem, "");
  std::set<std::string> seen;
  for (int i = 0; i < 20; ++i) {
    auto token = s.assertion();
    REQUIRE(token.is_ok());
    seen.insert(split(*token).claims.get_string("jti"));
  }
  CHECK(seen.size() == 20);
}

TEST_CASE("a replacement signer (an HSM, say) signs without any key file") {
  struct FakeSigner final : host::Signer {
    std::string der = "not really DER";
    std::vector<std::string> chain{der};
    int signs = 0;
    const std::string& certificate_der() const override { return der; }
    const std::vector<std::string>& chain_der() const override { return chain; }
    std::string x5t() const override { return "x5t-sha1"; }
    std::string x5t_s256() const override { return "x5t-sha256"; }
    sdk::Result<std::string> sign(std::string_view alg, std::string_view) override {
      ++signs;
      return std::string("sig-") + std::string(alg);
    }
  };
  fakes::Services s;
  int made = 0;
  host::ClientAuthService auth(s, [&made](const host::Acquisition& a) -> sdk::Result<std::unique_ptr<host::Signer>> {
    ++made;
    CHECK(a.client_id == "app");
    return std::unique_ptr<host::Signer>(std::make_unique<FakeSigner>());
  });
  sdk::FlowRequest r;
  r.client_id = "app";
  r.token_endpoint = "https://t";
  r.client_auth = sdk::ClientAuthMethod::certificate;
  s.bind(r);
  sdk::Form form;
  sdk::Headers headers;
  REQUIRE(auth.apply(r, {}, form, headers).is_ok());
  CHECK(made == 1);
  Jwt j = split(form.at(2).second);
  CHECK(j.header.get_string("x5t#S256") == "x5t-sha256");
  CHECK(j.signature == "sig-PS256");
}

TEST_CASE("certificates load from an encrypted key, a combined PEM and a PFX, all the same certificate") {
  const auto& pki = test_pki::files();
  auto a = host::load_certificate_signer(pki.cert_pem, pki.key_enc_pem, pki.password);
  REQUIRE_MESSAGE(a.is_ok(), a.status().message());
  auto b = host::load_certificate_signer(pki.combined_pem, "", "");
  REQUIRE_MESSAGE(b.is_ok(), b.status().message());
  auto c = host::load_certificate_signer(pki.pfx, "", pki.password);
  REQUIRE_MESSAGE(c.is_ok(), c.status().message());
  CHECK((*a)->certificate_der() == pki.cert_der);
  CHECK((*b)->certificate_der() == pki.cert_der);
  CHECK((*c)->certificate_der() == pki.cert_der);
  CHECK((*c)->chain_der() == std::vector<std::string>{pki.cert_der});
  CHECK((*c)->x5t() == sha_b64url(EVP_sha1(), pki.cert_der));
  CHECK((*c)->x5t_s256() == sha_b64url(EVP_sha256(), pki.cert_der));
  auto sig = (*c)->sign("PS256", "data");
  REQUIRE(sig.is_ok());
  CHECK(test_pki::verify("PS256", "data", *sig));
  auto rs = (*a)->sign("RS256", "data");
  REQUIRE(rs.is_ok());
  CHECK(test_pki::verify("RS256", "data", *rs));
  CHECK_FALSE((*a)->sign("ES256", "data").is_ok());
}

TEST_CASE("certificate errors are clear and never show the password") {
  const auto& pki = test_pki::files();
  auto wrong_pfx = host::load_certificate_signer(pki.pfx, "", "not-it");
  REQUIRE_FALSE(wrong_pfx.is_ok());
  CHECK(wrong_pfx.status().message().find("wrong password for the PFX") != std::string::npos);
  CHECK(wrong_pfx.status().message().find("not-it") == std::string::npos);
  auto no_pw = host::load_certificate_signer(pki.pfx, "", "");
  CHECK(no_pw.status().message().find("needs its password") != std::string::npos);
  auto enc = host::load_certificate_signer(pki.cert_pem, pki.key_enc_pem, "");
  CHECK(enc.status().message().find("is encrypted") != std::string::npos);
  auto enc_wrong = host::load_certificate_signer(pki.cert_pem, pki.key_enc_pem, "nope");
  CHECK(enc_wrong.status().message().find("wrong password?") != std::string::npos);
  auto no_key = host::load_certificate_signer(pki.cert_pem, "", "");
  CHECK(no_key.status().message().find("no private key") != std::string::npos);
  auto missing = host::load_certificate_signer(pki.dir + "/nothing.pem", "", "");
  CHECK(missing.status().message().find("cannot read the certificate") != std::string::npos);
  auto garbage = host::load_certificate_signer(pki.key_pem, "", "");  // a key where a certificate belongs
  CHECK_FALSE(garbage.is_ok());
  CHECK(garbage.status().message().find("no PEM certificate in") != std::string::npos);
  auto pfx_key = host::load_certificate_signer(pki.pfx, pki.key_pem, pki.password);
  CHECK(pfx_key.status().message().find("a PFX needs no separate key file") != std::string::npos);
  auto wrong_pem_pw = host::load_certificate_signer(pki.cert_pem, pki.key_enc_pem, "nope");
  CHECK(wrong_pem_pw.status().message().find("nope") == std::string::npos);
}
