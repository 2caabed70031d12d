// SHA-256 names the token cache's entries; a wrong digest would silently orphan every cached
// token. Vectors from FIPS 180-4 / NIST CSRC examples.
#include <doctest/doctest.h>

#include <string>

#include "entratool/support/sha256.h"

using entratool::support::Sha256;
using entratool::support::sha256_hex;

TEST_CASE("sha256 matches the FIPS 180-4 examples") {
  CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  CHECK(sha256_hex("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmno"
                   "pqrstnopqrstu") == "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
  CHECK(sha256_hex(std::string(1000000, 'a')) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST_CASE("sha256 padding boundaries: 55, 56, 63, 64 and 65 bytes") {
  // Reference digests computed with `printf 'a%.0s' {1..N} | sha256sum`.
  CHECK(sha256_hex(std::string(55, 'a')) == "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318");
  CHECK(sha256_hex(std::string(56, 'a')) == "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a");
  CHECK(sha256_hex(std::string(63, 'a')) == "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34");
  CHECK(sha256_hex(std::string(64, 'a')) == "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb");
  CHECK(sha256_hex(std::string(65, 'a')) == "635361c48bb9eab14198e76ea8ab7f1a41685d6ad62aa9146d301d4f17eb0ae0");
}

TEST_CASE("sha256 gives the same digest however the input is split") {
  std::string message;
  for (int i = 0; i < 300; ++i) message += static_cast<char>(i * 7 + 3);
  const std::string whole = sha256_hex(message);
  for (size_t chunk : {1u, 3u, 63u, 64u, 65u, 127u}) {
    Sha256 h;
    for (size_t at = 0; at < message.size(); at += chunk) h.update(std::string_view(message).substr(at, chunk));
    auto d = h.finish();
    std::string hex;
    static const char kHex[] = "0123456789abcdef";
    for (auto b : d) {
      hex += kHex[b >> 4];
      hex += kHex[b & 15];
    }
    CHECK_MESSAGE(hex == whole, "chunk size " << chunk);
  }
}

TEST_CASE("sha256 reset starts a new message") {
  Sha256 h;
  h.update("something else");
  h.finish();
  h.reset();
  h.update("abc");
  auto d = h.finish();
  CHECK(d[0] == 0xba);
  CHECK(d[31] == 0xad);
}
