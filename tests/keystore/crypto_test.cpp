// The store's AES-256-GCM (OpenSSL's default provider called through its dispatch table) against
// published test vectors and against OpenSSL's EVP interface, so the fast path can never drift
// from the standard cipher; and the file-name digest against FIPS 180-4.

#include <doctest/doctest.h>
#include <openssl/evp.h>

#include <string>

#include "crypto.h"

namespace ks = entratool::keystore;

namespace {

std::string unhex(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2)
    out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  return out;
}

std::string hex(std::string_view bytes) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char b : bytes) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 15]);
  }
  return out;
}

ks::DataKey key_of(std::string bytes) { return ks::DataKey(std::move(bytes)); }

// Reference: EVP with an explicitly fetched AES-256-GCM. Returns ciphertext || tag.
std::string evp_seal(const std::string& key, const std::string& nonce, const std::string& aad,
                     const std::string& plain) {
  EVP_CIPHER* cipher = EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr);
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  REQUIRE(cipher);
  REQUIRE(ctx);
  std::string out(plain.size() + 16, '\0');
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  int len = 0;
  int total = 0;
  REQUIRE(EVP_EncryptInit_ex2(ctx, cipher, reinterpret_cast<const unsigned char*>(key.data()),
                              reinterpret_cast<const unsigned char*>(nonce.data()), nullptr) == 1);
  if (!aad.empty())
    REQUIRE(EVP_EncryptUpdate(ctx, nullptr, &len, reinterpret_cast<const unsigned char*>(aad.data()),
                              static_cast<int>(aad.size())) == 1);
  if (!plain.empty()) {
    REQUIRE(EVP_EncryptUpdate(ctx, o, &len, reinterpret_cast<const unsigned char*>(plain.data()),
                              static_cast<int>(plain.size())) == 1);
    total = len;
  }
  REQUIRE(EVP_EncryptFinal_ex(ctx, o + total, &len) == 1);
  REQUIRE(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, 16, o + plain.size()) == 1);
  EVP_CIPHER_CTX_free(ctx);
  EVP_CIPHER_free(cipher);
  return out;
}

}  // namespace

TEST_CASE("AES-256-GCM matches the GCM specification's test cases 13 and 14") {
  const std::string zero_key(32, '\0');
  const std::string zero_iv(12, '\0');
  // Test case 13: empty plaintext, no AAD.
  auto sealed = ks::seal(key_of(zero_key), zero_iv, "", "");
  REQUIRE(sealed);
  CHECK(hex(*sealed) == "530f8afbc74536b9a963b4f1c4cb738b");
  // Test case 14: one zero block.
  sealed = ks::seal(key_of(zero_key), zero_iv, "", std::string(16, '\0'));
  REQUIRE(sealed);
  CHECK(hex(*sealed) ==
        "cea7403d4d606b6e074ec5d3baf39d18"
        "d0d1c8a799996bf0265b98b5d48ab919");
  auto opened = ks::open_sealed(key_of(zero_key), zero_iv, "", *sealed);
  REQUIRE(opened);
  CHECK(*opened == std::string(16, '\0'));
}

TEST_CASE("seal and open agree with OpenSSL's EVP AES-256-GCM in both directions") {
  const std::string key = unhex("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308");
  const std::string nonce = unhex("cafebabefacedbaddecaf888");
  for (size_t size : {size_t{0}, size_t{1}, size_t{15}, size_t{16}, size_t{17}, size_t{1000}, size_t{70000}}) {
    for (std::string aad : {std::string(), std::string("v1 header"), std::string(300, 'h')}) {
      CAPTURE(size);
      CAPTURE(aad.size());
      std::string plain(size, '\0');
      for (size_t i = 0; i < size; ++i) plain[i] = static_cast<char>(i * 7 + 3);
      auto ours = ks::seal(key_of(key), nonce, aad, plain);
      REQUIRE(ours);
      const std::string theirs = evp_seal(key, nonce, aad, plain);
      CHECK(hex(*ours) == hex(theirs));
      auto opened = ks::open_sealed(key_of(key), nonce, aad, theirs);
      REQUIRE(opened);
      CHECK(*opened == plain);
    }
  }
}

TEST_CASE("open refuses any change to ciphertext, tag, nonce, AAD or key") {
  const std::string key(32, 'k');
  const std::string nonce(12, 'n');
  const std::string aad = "header";
  auto sealed = ks::seal(key_of(key), nonce, aad, "a secret value");
  REQUIRE(sealed);
  REQUIRE(ks::open_sealed(key_of(key), nonce, aad, *sealed));
  for (size_t i = 0; i < sealed->size(); ++i) {
    std::string bad = *sealed;
    bad[i] = static_cast<char>(bad[i] ^ 1);
    CAPTURE(i);
    CHECK_FALSE(ks::open_sealed(key_of(key), nonce, aad, bad));
  }
  CHECK_FALSE(ks::open_sealed(key_of(key), std::string(12, 'm'), aad, *sealed));
  CHECK_FALSE(ks::open_sealed(key_of(key), nonce, "Header", *sealed));
  CHECK_FALSE(ks::open_sealed(key_of(std::string(32, 'K')), nonce, aad, *sealed));
  CHECK_FALSE(ks::open_sealed(key_of(key), nonce, aad, sealed->substr(0, sealed->size() - 1)));
  CHECK_FALSE(ks::open_sealed(key_of(key), nonce, aad, sealed->substr(0, 15)));
}

TEST_CASE("random bytes come in the size asked for and differ between calls") {
  auto a = ks::random_bytes(32);
  auto b = ks::random_bytes(32);
  REQUIRE(a);
  REQUIRE(b);
  CHECK(a->size() == 32);
  CHECK(*a != *b);
  auto none = ks::random_bytes(0);
  REQUIRE(none);
  CHECK(none->empty());
}

TEST_CASE("file names use standard SHA-256 (FIPS 180-4 'abc')") {
  CHECK(ks::sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}
