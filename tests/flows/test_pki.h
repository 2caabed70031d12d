#pragma once
// A throwaway RSA client certificate in every file form the flows accept, made with OpenSSL.

#include <string>

namespace test_pki {

struct Files {
  std::string dir;
  std::string cert_pem;      ///< certificate only
  std::string key_pem;       ///< unencrypted PKCS#8 key
  std::string key_enc_pem;   ///< key encrypted with `password`
  std::string combined_pem;  ///< certificate + unencrypted key in one file
  std::string pfx;           ///< PKCS#12 protected by `password`
  std::string password;
  std::string cert_der;  ///< the certificate's DER, to compare thumbprints
};

/// Made once per test process in a fresh temporary folder.
const Files& files();

/// Verifies a JWS signature over `signing_input` with the certificate's public key.
bool verify(const std::string& alg, const std::string& signing_input, const std::string& signature);

}  // namespace test_pki
