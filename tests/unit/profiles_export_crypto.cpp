// Guards the export encryption (entratool-crypto module): round trip, wrong passphrase, every
// tampered byte, truncation, KDF parameters out of bounds, and the text armor.
#include <doctest/doctest.h>

#include <string>

#include "cli/export_crypto.h"

using namespace entratool::host;

TEST_CASE("seal then open returns the plaintext; the header carries scrypt N=2^17 r=8 p=1") {
  auto sealed = export_crypto::seal("correct horse", "{\"profile\":1}");
  REQUIRE(sealed);
  CHECK(sealed->substr(0, 4) == "ETPX");
  CHECK(static_cast<int>((*sealed)[5]) == 17);
  CHECK(static_cast<int>((*sealed)[6]) == 8);
  CHECK(static_cast<int>((*sealed)[7]) == 1);
  auto opened = export_crypto::open("correct horse", *sealed);
  REQUIRE(opened);
  CHECK(*opened == "{\"profile\":1}");
  auto other = export_crypto::seal("correct horse", "{\"profile\":1}");
  CHECK(*other != *sealed);  // fresh salt and nonce every time
}

TEST_CASE("a wrong passphrase, a flipped byte or a truncated file is a clear error") {
  auto sealed = export_crypto::seal("pass-phrase", "secret-payload");
  REQUIRE(sealed);
  auto wrong = export_crypto::open("pass-phrasE", *sealed);
  REQUIRE_FALSE(wrong);
  CHECK(wrong.status().message().find("wrong passphrase") != std::string::npos);
  CHECK(wrong.status().exit_code() == 1);
  // Salt, nonce, ciphertext and tag bytes (the KDF bytes are checked separately: slow).
  for (size_t i : {size_t{8}, size_t{30}, size_t{36}, sealed->size() - 1}) {
    std::string t = *sealed;
    t[i] = static_cast<char>(t[i] ^ 0x01);
    CHECK_FALSE(export_crypto::open("pass-phrase", t));
  }
  CHECK_FALSE(export_crypto::open("pass-phrase", sealed->substr(0, sealed->size() - 1)));
  CHECK_FALSE(export_crypto::open("pass-phrase", sealed->substr(0, 20)));
  std::string bad_version = *sealed;
  bad_version[4] = 9;
  CHECK(export_crypto::open("pass-phrase", bad_version).status().message().find("version") != std::string::npos);
}

TEST_CASE("KDF parameters below the floor or above the ceiling are refused before deriving") {
  auto sealed = export_crypto::seal("pass-phrase", "x");
  REQUIRE(sealed);
  for (auto [index, value] : {std::pair<size_t, int>{5, 10}, {5, 30}, {6, 1}, {6, 200}, {7, 0}, {7, 64}}) {
    std::string t = *sealed;
    t[index] = static_cast<char>(value);
    auto r = export_crypto::open("pass-phrase", t);
    REQUIRE_FALSE(r);
    CHECK(r.status().message().find("out of the accepted range") != std::string::npos);
  }
}

TEST_CASE("armor is a header line plus base64 lines and reverses exactly") {
  std::string binary("\x00\x01\xff binary \n data", 17);
  std::string text = export_crypto::armor(binary);
  CHECK(text.rfind("entratool-profile-export v1\n", 0) == 0);
  auto back = export_crypto::dearmor("\n  " + text);
  REQUIRE(back);
  CHECK(*back == binary);
  CHECK_FALSE(export_crypto::dearmor("not an export"));
  CHECK_FALSE(export_crypto::dearmor("entratool-profile-export v1\n!!!!\n"));
  CHECK_FALSE(export_crypto::dearmor(""));
}

TEST_CASE("a PFX check on something that is not PKCS#12 fails clearly") {
  auto s = export_crypto::check_pfx("not a pfx", "pw");
  CHECK_FALSE(s);
  CHECK(s.message().find("PKCS#12") != std::string::npos);
}
