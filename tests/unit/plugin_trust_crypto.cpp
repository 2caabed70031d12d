// Guards plugin trust's primitives as the host reaches them: loaded from the build's
// lib/entratool/entratool-trust.so (beside tests/, as beside bin/), SHA-256 (FIPS 180-2 vectors)
// and Ed25519 verification (RFC 8032 test 1), wrong sizes and any changed byte invalid.
#include <doctest/doctest.h>

#include <string>

#include "entratool/support/encoding.h"
#include "plugins/trust_crypto.h"

namespace trust_crypto = entratool::host::trust_crypto;
using entratool::support::hex_encode;

namespace {
std::string hex_sha256(std::string_view data) {
  auto d = trust_crypto::sha256(data);
  REQUIRE_MESSAGE(d, d.status().message());
  return hex_encode(std::string_view(reinterpret_cast<const char*>(d->data()), d->size()));
}
std::string unhex(std::string_view hex) {
  std::string raw;
  for (size_t i = 0; i + 1 < hex.size(); i += 2)
    raw.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  return raw;
}
}  // namespace

TEST_CASE("the module is found beside the executable's folder") {
  CHECK(trust_crypto::module_path() == std::string(ENTRATOOL_BUILD_DIR) + "/lib/entratool/entratool-trust.so");
}

TEST_CASE("sha256 gives the FIPS 180-2 digests") {
  CHECK(hex_sha256("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(hex_sha256("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(hex_sha256(std::string(1000000, 'a')) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST_CASE("ed25519_verify accepts RFC 8032 test 1 and nothing else") {
  const std::string key = unhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
  const std::string sig = unhex(
      "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24"
      "655141438e7a100b");
  auto ok = trust_crypto::ed25519_verify(key, "", sig);
  REQUIRE_MESSAGE(ok, ok.status().message());
  CHECK(*ok);
  auto other_message = trust_crypto::ed25519_verify(key, "x", sig);
  REQUIRE(other_message);
  CHECK_FALSE(*other_message);
  std::string flipped = sig;
  flipped[10] = static_cast<char>(flipped[10] ^ 1);
  CHECK_FALSE(*trust_crypto::ed25519_verify(key, "", flipped));
  CHECK_FALSE(*trust_crypto::ed25519_verify(key.substr(1), "", sig));
  CHECK_FALSE(*trust_crypto::ed25519_verify(key, "", sig.substr(1)));
}
