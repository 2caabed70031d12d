#pragma once
/// \file certificate.h
/// A client certificate with its private key, loaded from PEM files or a PFX (flows/common).

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "entratool/sdk/status.h"

namespace entratool::flows {

/// Owns the OpenSSL objects; movable, not copyable. Not thread-safe.
class ClientCertificate {
 public:
  /// Loads `certificate_path`: a PEM certificate with `key_path` (PEM key, encrypted or not:
  /// `password` decrypts it), a PEM file holding both (key_path empty), or a PFX/PKCS#12 file with
  /// `password` (key_path empty). Checks that the key is RSA and matches the certificate.
  static sdk::Result<ClientCertificate> load(const std::string& certificate_path, const std::string& key_path,
                                             const std::string& password);

  ClientCertificate(ClientCertificate&&) noexcept;
  ClientCertificate& operator=(ClientCertificate&&) noexcept;
  ~ClientCertificate();

  /// The certificate in DER.
  const std::string& der() const;
  /// DER of the certificate, then any chain certificates from the file, for x5c.
  const std::vector<std::string>& chain_der() const;
  /// base64url(SHA-1(DER)): the JWS "x5t" header.
  std::string x5t() const;
  /// base64url(SHA-256(DER)): the JWS "x5t#S256" header.
  std::string x5t_s256() const;
  /// Signs `data` with SHA-256 and RSASSA-PSS (alg "PS256", salt = digest length) or
  /// RSASSA-PKCS1-v1_5 ("RS256"). Returns the raw signature.
  sdk::Result<std::string> sign(std::string_view alg, std::string_view data) const;

 private:
  struct Impl;
  explicit ClientCertificate(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace entratool::flows
