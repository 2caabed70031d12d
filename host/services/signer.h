#pragma once
// What signs client assertions (RFC 7523) for the client authentication service: a certificate
// and a key that never leaves the signer. The default implementation loads PEM or PFX files
// through the entratool-crypto module (OpenSSL, loaded on first use, so the entratool binary
// never links libcrypto); an HSM, TPM or Key Vault signer can implement the same interface
// without an exportable key.

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/crypto_module.h"  // set_crypto_module_path_for_testing, for tests
#include "entratool/sdk/status.h"

namespace entratool::host {

struct Acquisition;

class Signer {
 public:
  virtual ~Signer() = default;
  /// The certificate in DER.
  virtual const std::string& certificate_der() const = 0;
  /// DER of the certificate, then any chain certificates, for x5c.
  virtual const std::vector<std::string>& chain_der() const = 0;
  /// base64url(SHA-1(DER)): the JWS "x5t" header.
  virtual std::string x5t() const = 0;
  /// base64url(SHA-256(DER)): the JWS "x5t#S256" header.
  virtual std::string x5t_s256() const = 0;
  /// Signs `data` with SHA-256 and RSASSA-PSS (alg "PS256", salt = digest length) or
  /// RSASSA-PKCS1-v1_5 ("RS256"). Returns the raw signature.
  virtual sdk::Result<std::string> sign(std::string_view alg, std::string_view data) = 0;
};

/// Makes the signer for an acquisition (its certificate settings), e.g. load_certificate_signer.
using SignerFactory = std::function<sdk::Result<std::unique_ptr<Signer>>(const Acquisition&)>;

/// Loads `certificate_path`: a PEM certificate with `key_path` (PEM key, encrypted or not:
/// `password` decrypts it), a PEM file holding both (key_path empty), or a PFX/PKCS#12 file with
/// `password` (key_path empty). Checks that the key is RSA and matches the certificate. Errors
/// are general, name the file and never hold the password.
sdk::Result<std::unique_ptr<Signer>> load_certificate_signer(const std::string& certificate_path,
                                                             const std::string& key_path, const std::string& password);

/// load_certificate_signer with the acquisition's certificate_path, private_key_path and
/// certificate_password: the default SignerFactory.
sdk::Result<std::unique_ptr<Signer>> certificate_signer_for(const Acquisition& acquisition);

}  // namespace entratool::host
