// The default signer: a certificate and its key from PEM or PFX files, held by the
// entratool-crypto module (core/crypto_module.h: a C boundary, loaded on first use).
#include "services/signer.h"

#include <cerrno>
#include <cstring>

#include "core/acquisition.h"
#include "core/crypto_module.h"
#include "entratool/support/encoding.h"
#include "entratool/support/files.h"

namespace entratool::host {

namespace {

// A file holding a private key is refused when others can read it (as ssh does); a regular file
// only, opened without blocking, of bounded size.
sdk::Result<std::string> read_all(const std::string& path, const char* what, bool holds_key) {
  support::files::ReadRules rules;
  rules.private_to_user = holds_key;
  rules.max_bytes = std::size_t{1} << 20;
  rules.what = what;
  return support::files::read_file(path, rules);
}

void wipe(std::string& s) {
  volatile char* p = s.data();
  for (size_t i = 0; i < s.size(); ++i) p[i] = 0;
  s.clear();
}

const unsigned char* bytes(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }

class FileCertificateSigner final : public Signer {
 public:
  FileCertificateSigner(const CryptoModule& m, entratool_crypto_cert* cert) : m_(m), cert_(cert) {
    const size_t n = m_.cert_count(cert_);
    for (size_t i = 0; i < n; ++i) {
      const unsigned char* der = nullptr;
      size_t len = 0;
      if (m_.cert_der(cert_, i, &der, &len) == 0) chain_.emplace_back(reinterpret_cast<const char*>(der), len);
    }
    if (chain_.empty()) chain_.emplace_back();
  }
  ~FileCertificateSigner() override { m_.cert_free(cert_); }
  FileCertificateSigner(const FileCertificateSigner&) = delete;
  FileCertificateSigner& operator=(const FileCertificateSigner&) = delete;

  const std::string& certificate_der() const override { return chain_.front(); }
  const std::vector<std::string>& chain_der() const override { return chain_; }
  std::string x5t() const override { return support::base64url_encode(digest(1)); }
  std::string x5t_s256() const override { return support::base64url_encode(digest(256)); }

  sdk::Result<std::string> sign(std::string_view alg, std::string_view data) override {
    const bool pss = alg == "PS256";
    if (!pss && alg != "RS256")
      return sdk::Status::general("unsupported assertion algorithm '" + std::string(alg) + "' (PS256 or RS256)");
    char err[512] = {};
    size_t size = 0;
    if (m_.cert_sign(cert_, pss ? 1 : 0, bytes(data), data.size(), nullptr, 0, &size, err, sizeof err) != 0)
      return sdk::Status::general(err);
    std::string sig(size, '\0');
    if (m_.cert_sign(cert_, pss ? 1 : 0, bytes(data), data.size(), reinterpret_cast<unsigned char*>(sig.data()),
                     sig.size(), &size, err, sizeof err) != 0)
      return sdk::Status::general(err);
    sig.resize(size);
    return sig;
  }

 private:
  std::string digest(int algorithm) const {
    unsigned char out[64];
    size_t len = 0;
    const std::string& der = certificate_der();
    if (m_.digest(algorithm, bytes(der), der.size(), out, sizeof out, &len) != 0) return {};
    return std::string(reinterpret_cast<const char*>(out), len);
  }

  const CryptoModule& m_;
  entratool_crypto_cert* cert_;
  std::vector<std::string> chain_;
};

}  // namespace

sdk::Result<std::unique_ptr<Signer>> load_certificate_signer(const std::string& certificate_path,
                                                             const std::string& key_path, const std::string& password) {
  if (certificate_path.empty()) return sdk::Status::general("no client certificate configured");
  // Without a separate key file the certificate file holds the key (a PFX or a combined PEM).
  auto data = read_all(certificate_path, "the certificate", key_path.empty());
  if (!data) return data.status();
  std::string key;
  if (!key_path.empty()) {
    auto k = read_all(key_path, "the private key", true);
    if (!k) return k.status();
    key = std::move(*k);
  }
  auto m = crypto_module();
  if (!m) {
    wipe(key);
    return m.status();
  }
  entratool_crypto_cert* cert = nullptr;
  char err[1024] = {};
  int rc = (*m)->cert_load(bytes(*data), data->size(), certificate_path.c_str(), bytes(key), key.size(),
                           key_path.c_str(), password.data(), password.size(), &cert, err, sizeof err);
  wipe(key);
  wipe(*data);  // a combined PEM holds the key
  if (rc != 0 || !cert) return sdk::Status::general(err[0] ? err : "cannot load the client certificate");
  return std::unique_ptr<Signer>(std::make_unique<FileCertificateSigner>(**m, cert));
}

sdk::Result<std::unique_ptr<Signer>> certificate_signer_for(const Acquisition& a) {
  return load_certificate_signer(a.certificate_path, a.private_key_path, a.certificate_password);
}

}  // namespace entratool::host
