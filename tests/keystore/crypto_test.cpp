// The store's AES-256-GCM, both libsodium's and the OpenSSL fallback (OpenSSL's default provider
// called through its dispatch table, libcrypto dlopen()ed), against published test vectors and
// against OpenSSL's EVP interface in both directions, so that stores written by the OpenSSL-only
// versions stay readable and the two backends can never drift apart; libsodium's scrypt against
// OpenSSL's EVP_PBE_scrypt and RFC 7914; and the file-name digest against FIPS 180-4.

#include <doctest/doctest.h>
#include <openssl/evp.h>

#include <string>
#include <vector>

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

/// The backends this machine can run: the OpenSSL fallback always, libsodium where the CPU has
/// AES-NI (test machines do; if one does not, the fallback is what the store uses there).
std::vector<ks::AesBackend> backends() {
  std::vector<ks::AesBackend> out{ks::AesBackend::openssl};
  if (ks::seal_with(ks::AesBackend::libsodium, key_of(std::string(32, 'k')), std::string(12, 'n'), "", "x"))
    out.push_back(ks::AesBackend::libsodium);
  return out;
}

const char* name_of(ks::AesBackend b) { return b == ks::AesBackend::libsodium ? "libsodium" : "openssl"; }

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

TEST_CASE("AES-256-GCM matches the GCM specification's test cases 13 and 14, with either backend") {
  const std::string zero_key(32, '\0');
  const std::string zero_iv(12, '\0');
  for (ks::AesBackend b : backends()) {
    CAPTURE(name_of(b));
    // Test case 13: empty plaintext, no AAD.
    auto sealed = ks::seal_with(b, key_of(zero_key), zero_iv, "", "");
    REQUIRE(sealed);
    CHECK(hex(*sealed) == "530f8afbc74536b9a963b4f1c4cb738b");
    // Test case 14: one zero block.
    sealed = ks::seal_with(b, key_of(zero_key), zero_iv, "", std::string(16, '\0'));
    REQUIRE(sealed);
    CHECK(hex(*sealed) ==
          "cea7403d4d606b6e074ec5d3baf39d18"
          "d0d1c8a799996bf0265b98b5d48ab919");
    auto opened = ks::open_with(b, key_of(zero_key), zero_iv, "", *sealed);
    REQUIRE(opened);
    CHECK(*opened == std::string(16, '\0'));
  }
}

TEST_CASE("the store uses libsodium on a CPU with AES-NI (test machines have it)") {
  CHECK(backends().size() == 2);
  CHECK(ks::aes_backend() == ks::AesBackend::libsodium);
}

TEST_CASE("seal and open agree with OpenSSL's EVP AES-256-GCM in both directions, with either backend") {
  const std::string key = unhex("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308");
  const std::string nonce = unhex("cafebabefacedbaddecaf888");
  for (ks::AesBackend b : backends()) {
    for (size_t size : {size_t{0}, size_t{1}, size_t{15}, size_t{16}, size_t{17}, size_t{1000}, size_t{70000}}) {
      for (std::string aad : {std::string(), std::string("v1 header"), std::string(300, 'h')}) {
        CAPTURE(name_of(b));
        CAPTURE(size);
        CAPTURE(aad.size());
        std::string plain(size, '\0');
        for (size_t i = 0; i < size; ++i) plain[i] = static_cast<char>(i * 7 + 3);
        auto ours = ks::seal_with(b, key_of(key), nonce, aad, plain);
        REQUIRE(ours);
        const std::string theirs = evp_seal(key, nonce, aad, plain);
        CHECK(hex(*ours) == hex(theirs));
        // What the OpenSSL-only versions wrote (EVP) opens with this backend.
        auto opened = ks::open_with(b, key_of(key), nonce, aad, theirs);
        REQUIRE(opened);
        CHECK(*opened == plain);
      }
    }
  }
}

TEST_CASE("open refuses any change to ciphertext, tag, nonce, AAD or key, with either backend") {
  const std::string key(32, 'k');
  const std::string nonce(12, 'n');
  const std::string aad = "header";
  for (ks::AesBackend b : backends()) {
    CAPTURE(name_of(b));
    auto sealed = ks::seal_with(b, key_of(key), nonce, aad, "a secret value");
    REQUIRE(sealed);
    REQUIRE(ks::open_with(b, key_of(key), nonce, aad, *sealed));
    for (size_t i = 0; i < sealed->size(); ++i) {
      std::string bad = *sealed;
      bad[i] = static_cast<char>(bad[i] ^ 1);
      CAPTURE(i);
      CHECK_FALSE(ks::open_with(b, key_of(key), nonce, aad, bad));
    }
    CHECK_FALSE(ks::open_with(b, key_of(key), std::string(12, 'm'), aad, *sealed));
    CHECK_FALSE(ks::open_with(b, key_of(key), nonce, "Header", *sealed));
    CHECK_FALSE(ks::open_with(b, key_of(std::string(32, 'K')), nonce, aad, *sealed));
    CHECK_FALSE(ks::open_with(b, key_of(key), nonce, aad, sealed->substr(0, sealed->size() - 1)));
    CHECK_FALSE(ks::open_with(b, key_of(key), nonce, aad, sealed->substr(0, 15)));
  }
}

TEST_CASE("scrypt: libsodium derives the key OpenSSL's EVP_PBE_scrypt derived (and RFC 7914's vector)") {
  // RFC 7914 section 12, the third vector (N=16384, r=8, p=1), first 32 bytes.
  auto rfc = ks::derive_scrypt("pleaseletmein", "SodiumChloride", ks::ScryptParams{16384, 8, 1});
  REQUIRE(rfc);
  CHECK(hex(rfc->bytes()) == "7023bdcb3afd7348461c06cd81fd38ebfda8fbba904f8e3ea9b543f6545da1f2");
  struct Case {
    std::string passphrase, salt;
    ks::ScryptParams params;
  };
  const std::vector<Case> cases = {
      {"correct horse battery staple", std::string(16, '\x01'), {16384, 8, 1}},
      {"", "0123456789abcdef", {16384, 8, 1}},
      {std::string("p\0with nul\xff", 11), std::string(32, 's'), {32768, 8, 2}},
      {"r sixteen", "saltsaltsaltsalt", {16384, 16, 1}},
      {"the default cost", "a-sixteen-b-salt", ks::ScryptParams{}},
  };
  for (const Case& c : cases) {
    CAPTURE(c.params.n);
    CAPTURE(c.params.r);
    CAPTURE(c.params.p);
    auto ours = ks::derive_scrypt(c.passphrase, c.salt, c.params);
    REQUIRE(ours);
    std::string theirs(32, '\0');
    REQUIRE(EVP_PBE_scrypt(c.passphrase.data(), c.passphrase.size(),
                           reinterpret_cast<const unsigned char*>(c.salt.data()), c.salt.size(), c.params.n, c.params.r,
                           c.params.p, std::uint64_t{1} << 30, reinterpret_cast<unsigned char*>(theirs.data()),
                           theirs.size()) == 1);
    CHECK(hex(ours->bytes()) == hex(theirs));
  }
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
