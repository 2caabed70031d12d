// Guards the token decoder behind `inspect`: known tokens decode with claim order, types and
// number text intact; every malformed input gets its own message; nothing crashes on garbage.
// Depends only on host/core/jwt.cpp and the SDK support sources (the sanitizer check builds it so).
#include <doctest/doctest.h>

#include <random>
#include <string>

#include "core/jwt.h"
#include "entratool/support/encoding.h"
#include "entratool/support/json.h"

using entratool::support::base64_encode;
using entratool::support::base64url_encode;
using entratool::support::json::serialize;
namespace jwt = entratool::host::jwt;

namespace {

std::string make_token(const std::string& header, const std::string& payload, const std::string& signature = "c2ln") {
  return base64url_encode(header) + "." + base64url_encode(payload) + "." + signature;
}

std::string error_of(std::string_view input) {
  auto r = jwt::decode(input);
  REQUIRE_FALSE(r);
  return r.status().message();
}

// RFC 7519 section 3.1, byte for byte (the header and payload contain CR LF).
const std::string kRfc7519Example =
    "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9"
    ".eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ"
    ".dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

const std::string kEntraHeader =
    R"({"typ":"JWT","nonce":"AQABAAAAAAD","alg":"RS256","x5t":"kWbkaa6qs8wsTnBwiiNYOhHbnAw","kid":"kWbkaa6qs8wsTnBwiiNYOhHbnAw"})";

const std::string kEntraV1Payload =
    R"({"aud":"https://graph.microsoft.com","iss":"https://sts.windows.net/12345678-1234-1234-1234-123456789abc/",)"
    R"("iat":1733047200,"nbf":1733047200,"exp":1733050800,"acct":0,"acr":"1","amr":["pwd","mfa"],)"
    R"("app_displayname":"entratool test","appid":"12345678-1234-1234-1234-123456789abc","appidacr":"1",)"
    R"("idtyp":"user","ipaddr":"203.0.113.7","name":"John Doe","oid":"87654321-4321-4321-4321-cba987654321",)"
    R"("platf":"14","puid":"10032001A2B3C4D5","rh":"0.AXEA.","scp":"User.Read Mail.Read","roles":[],)"
    R"("sub":"x5QvTpF","tenant_region_scope":"EU","tid":"87654321-4321-4321-4321-cba987654321",)"
    R"("unique_name":"john@contoso.com","upn":"john@contoso.com","uti":"AbCdEf","ver":"1.0",)"
    R"("wids":["b79fbf4d-3ef9-4689-8143-76b194e85509"],"xms_st":{"sub":"abc"},"xms_tcdt":1600000000})";

const std::string kEntraV2AppPayload =
    R"({"aud":"api://my-api","iss":"https://login.microsoftonline.com/87654321-4321-4321-4321-cba987654321/v2.0",)"
    R"("iat":1733047200,"nbf":1733047200,"exp":1733050800,"aio":"E2RgYJg","azp":"11111111-2222-3333-4444-555555555555",)"
    R"("azpacr":"1","oid":"99999999-8888-7777-6666-555555555555","rh":"0.AXEA.","roles":["Data.Read","Data.Write"],)"
    R"("sub":"99999999-8888-7777-6666-555555555555","tid":"87654321-4321-4321-4321-cba987654321","uti":"x","ver":"2.0"})";

}  // namespace

TEST_CASE("the RFC 7519 example decodes with its claims in order and types kept") {
  auto r = jwt::decode(kRfc7519Example);
  REQUIRE(r);
  CHECK(serialize(r->header) == R"({"typ":"JWT","alg":"HS256"})");
  CHECK(serialize(r->payload) == R"({"iss":"joe","exp":1300819380,"http://example.com/is_root":true})");
  CHECK(r->signature == "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
  CHECK(r->payload.find("exp")->as_int().value() == 1300819380);
  CHECK(r->payload.find("http://example.com/is_root")->is_bool());
}

TEST_CASE("the inspect document is header, payload, signature, pretty-printed with two spaces") {
  auto r = jwt::decode(kRfc7519Example);
  REQUIRE(r);
  CHECK(serialize(jwt::to_document(*r), 2) ==
        "{\n"
        "  \"header\": {\n"
        "    \"typ\": \"JWT\",\n"
        "    \"alg\": \"HS256\"\n"
        "  },\n"
        "  \"payload\": {\n"
        "    \"iss\": \"joe\",\n"
        "    \"exp\": 1300819380,\n"
        "    \"http://example.com/is_root\": true\n"
        "  },\n"
        "  \"signature\": \"dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk\"\n"
        "}");
}

TEST_CASE("base64url parts decode with and without padding") {
  // Lengths 1, 2 and 0 mod 3 exercise "==", "=" and no padding.
  for (std::string payload : {R"({"a":1})", R"({"ab":12})", R"({"abc":1})"}) {
    std::string padded_payload = base64_encode(payload);
    for (char& c : padded_payload) c = c == '+' ? '-' : c == '/' ? '_' : c;
    std::string header = base64url_encode(R"({"alg":"none"})");
    auto unpadded = jwt::decode(make_token(R"({"alg":"none"})", payload, ""));
    std::string padded_token = header;
    padded_token.append(".").append(padded_payload).append(".");
    auto padded = jwt::decode(padded_token);
    REQUIRE(unpadded);
    REQUIRE(padded);
    CHECK(serialize(padded->payload) == payload);
    CHECK(serialize(unpadded->payload) == payload);
  }
}

TEST_CASE("Unicode claim values stay intact UTF-8, escaped or not") {
  std::string raw = "Zo\xc3\xab \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80";
  auto r = jwt::decode(make_token(R"({"alg":"none"})", R"({"name":")" + raw + R"(","esc":"\u00e9\ud83d\ude00"})"));
  REQUIRE(r);
  CHECK(r->payload.get_string("name") == raw);
  CHECK(r->payload.get_string("esc") == "\xc3\xa9\xf0\x9f\x98\x80");
  CHECK(serialize(r->payload) == R"({"name":")" + raw + R"(","esc":")" + "\xc3\xa9\xf0\x9f\x98\x80" + R"("})");
}

TEST_CASE("large and fractional numbers keep their original text") {
  auto r = jwt::decode(make_token(
      R"({"alg":"none"})", R"({"exp":99999999999999999999999,"big":9007199254740993,"f":1.50,"e":1E+2,"neg":-0})"));
  REQUIRE(r);
  CHECK(serialize(r->payload) ==
        R"({"exp":99999999999999999999999,"big":9007199254740993,"f":1.50,"e":1E+2,"neg":-0})");
}

TEST_CASE("nested objects and arrays keep their order and shape") {
  std::string payload = R"({"z":{"y":[1,{"x":[[],{}]},"s"],"a":null},"b":[true,false],"a":{}})";
  auto r = jwt::decode(make_token(R"({"alg":"none","crit":["b64"],"b64":false})", payload));
  REQUIRE(r);
  CHECK(serialize(r->payload) == payload);
  CHECK(serialize(r->header) == R"({"alg":"none","crit":["b64"],"b64":false})");
}

TEST_CASE("Entra-shaped v1 and v2 access tokens decode completely") {
  for (const auto& payload : {kEntraV1Payload, kEntraV2AppPayload}) {
    auto r = jwt::decode(make_token(kEntraHeader, payload, "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"));
    REQUIRE(r);
    CHECK(serialize(r->header) == kEntraHeader);
    CHECK(serialize(r->payload) == payload);
  }
}

TEST_CASE("surrounding whitespace, a Bearer prefix in any case, CR LF and a BOM are tolerated") {
  for (const std::string& wrapped :
       {"  " + kRfc7519Example + "\n", "\t" + kRfc7519Example + "\r\n", "Bearer " + kRfc7519Example,
        "bearer\t" + kRfc7519Example, "  BEARER   " + kRfc7519Example + "\n\n",
        "\xEF\xBB\xBF" + kRfc7519Example + "\r\n"}) {
    auto r = jwt::decode(wrapped);
    REQUIRE(r);
    CHECK(r->signature == "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
  }
  CHECK(jwt::strip_token_text(" Bearer  abc \n") == "abc");
  CHECK(jwt::strip_token_text("Bearerabc") == "Bearerabc");  // a word, not the prefix
}

TEST_CASE("empty input, whitespace and a bare Bearer are an empty token") {
  for (std::string_view empty : {"", " ", "\n\r\n\t", "Bearer", "Bearer \n", "\xEF\xBB\xBF"})
    CHECK(error_of(empty) == "the token is empty");
}

TEST_CASE("a five-part token is reported as an encrypted JWE") {
  CHECK(error_of("eyJhbGciOiJSU0EtT0FFUCJ9.a.b.c.d") ==
        "this is an encrypted token (JWE, 5 parts); it cannot be decoded without the key");
}

TEST_CASE("an opaque token names how many parts it has") {
  CHECK(error_of("EwBwA8l6BAAURSN") == "not a JWT: expected 3 dot-separated parts, found 1");
  CHECK(error_of("a.b") == "not a JWT: expected 3 dot-separated parts, found 2");
  CHECK(error_of("a.b.c.d") == "not a JWT: expected 3 dot-separated parts, found 4");
  CHECK(error_of("......") == "not a JWT: expected 3 dot-separated parts, found 7");
}

TEST_CASE("each malformed part gets a message naming it") {
  std::string header = base64url_encode(R"({"alg":"none"})");
  std::string payload = base64url_encode(R"({"sub":"x"})");
  CHECK(error_of("..") == "the header is empty");
  CHECK(error_of(header + "..") == "the payload is empty");
  CHECK(error_of("e*J." + payload + ".") == "the header is not valid base64url");
  CHECK(error_of(header + ".eyJ!.") == "the payload is not valid base64url");
  CHECK(error_of(header + ".eyJzdWIi OiJ4In0.") == "the payload is not valid base64url (it contains whitespace)");
  CHECK(error_of(header + "." + payload + ".abc$") == "the signature is not valid base64url");
  CHECK(error_of(header + "." + payload + ".a") == "the signature is not valid base64url");  // 1 mod 4
  CHECK(error_of(base64url_encode("[1,2]") + "." + payload + ".") == "the header is not a JSON object");
  CHECK(error_of(header + "." + base64url_encode("\"claims\"") + ".") == "the payload is not a JSON object");
  CHECK(error_of(header + "." + base64url_encode("{\"a\" 1}") + ".") ==
        "the payload is not valid JSON: at offset 5: expected ':'");
  CHECK(error_of(base64url_encode("{\"alg\":\"\xff\"}") + "." + payload + ".")
            .rfind("the header is not valid JSON: ", 0) == 0);
  CHECK(error_of(header + "." + base64url_encode(std::string(100, '[') + std::string(100, ']')) + ".")
            .rfind("the payload is not valid JSON: ", 0) == 0);
}

TEST_CASE("an unsecured JWT (empty signature) decodes with an empty signature") {
  auto r = jwt::decode(make_token(R"({"alg":"none"})", R"({"sub":"x"})", ""));
  REQUIRE(r);
  CHECK(r->signature.empty());
}

TEST_CASE("inputs beyond 1 MiB are refused before decoding, up to it they are decoded") {
  std::string huge(jwt::kMaxTokenBytes + 1, 'a');
  CHECK(error_of(huge) == jwt::kTooLargeMessage);
  std::string at_limit(jwt::kMaxTokenBytes, 'a');
  CHECK(error_of(at_limit) == "not a JWT: expected 3 dot-separated parts, found 1");
  // A 1 MB claim grows past 1 MiB once base64url-encoded: refused by size, whatever it holds.
  std::string big_claim(1000000 - 200, 'x');
  CHECK(error_of(make_token(R"({"alg":"none"})", R"({"blob":")" + big_claim + R"("})")) == jwt::kTooLargeMessage);
  // Below the bound even a very large token decodes completely.
  std::string fits(700000, 'x');
  auto ok = jwt::decode(make_token(R"({"alg":"none"})", R"({"blob":")" + fits + R"("})"));
  REQUIRE(ok);
  CHECK(ok->payload.get_string("blob").size() == fits.size());
}

TEST_CASE("binary garbage never crashes and is always an error") {
  std::mt19937 rng(12345);
  for (int round = 0; round < 2000; ++round) {
    std::string garbage(rng() % 300, '\0');
    for (char& c : garbage) c = static_cast<char>(rng() % 256);
    if (round % 3 == 0)
      garbage = garbage.substr(0, garbage.size() / 2) + "." + garbage.substr(garbage.size() / 2) + ".x";
    CHECK_FALSE(jwt::decode(garbage));
  }
  CHECK(error_of(std::string("\0\0\0", 3)) == "not a JWT: expected 3 dot-separated parts, found 1");
  CHECK(error_of(std::string("\0.\0.\0", 5)) == "the header is not valid base64url");
}
