// The default signer: a certificate and its key from PEM or PFX files, held by the
// entratool-crypto module (host/modules/crypto, a C boundary), which is loaded on first use.
#include "services/signer.h"

#include <boost/dll/shared_library.hpp>

#include <cerrno>
#include <cstring>
#include <mutex>

#include "core/acquisition.h"
#include "core/module_path.h"
#include "entratool/support/encoding.h"
#include "entratool/support/files.h"
#include "modules/crypto/crypto_api.h"
#include "plugins/library_file.h"

namespace entratool::host {

namespace {

struct CryptoModule {
  boost::dll::shared_library library;
  decltype(&entratool_crypto_cert_load) load = nullptr;
  decltype(&entratool_crypto_cert_count) count = nullptr;
  decltype(&entratool_crypto_cert_der) der = nullptr;
  decltype(&entratool_crypto_cert_sign) sign = nullptr;
  decltype(&entratool_crypto_cert_free) free = nullptr;
  decltype(&entratool_crypto_digest) digest = nullptr;
};

std::string& module_path_override() {
  static std::string path;
  return path;
}

template <class Fn>
Fn symbol(boost::dll::shared_library& lib, const char* name) {
  return &lib.get<std::remove_pointer_t<Fn>>(name);
}

// Loaded once and kept until exit (signers run its code until then); a failure is remembered.
sdk::Result<CryptoModule*> crypto_module() {
  static std::mutex mutex;
  static CryptoModule* loaded = nullptr;
  static sdk::Status failure;
  std::lock_guard<std::mutex> lock(mutex);
  if (loaded) return loaded;
  if (!failure.is_ok()) return failure;
  const std::string path = crypto_module_path();
  const std::string fix = "; reinstall entratool";
  if (path.empty()) {
    failure = sdk::Status::general("cannot locate the encryption module (unknown executable path)" + fix);
    return failure;
  }
  if (auto why = truncated_library(path); !why.empty()) {
    failure = sdk::Status::general("the encryption module '" + path + "' " + why + fix);
    return failure;
  }
  auto m = std::make_unique<CryptoModule>();
  boost::dll::fs::error_code ec;
  m->library.load(path, boost::dll::load_mode::rtld_now, ec);
  if (ec) {
    failure = sdk::Status::general("cannot load the encryption module '" + path + "' (" + ec.message() + ")" + fix);
    return failure;
  }
  for (const char* name : {"entratool_crypto_abi_version", "entratool_crypto_cert_load", "entratool_crypto_cert_count",
                           "entratool_crypto_cert_der", "entratool_crypto_cert_sign", "entratool_crypto_cert_free",
                           "entratool_crypto_digest"}) {
    if (!m->library.has(name)) {
      failure = sdk::Status::general(
          std::string("the encryption module '").append(path).append("' lacks '").append(name).append("'").append(fix));
      return failure;
    }
  }
  int abi = m->library.get<int()>("entratool_crypto_abi_version")();
  if (abi != ENTRATOOL_CRYPTO_ABI_VERSION) {
    failure = sdk::Status::general("the encryption module '" + path + "' has interface version " + std::to_string(abi) +
                                   ", this entratool needs " + std::to_string(ENTRATOOL_CRYPTO_ABI_VERSION) + fix);
    return failure;
  }
  m->load = symbol<decltype(m->load)>(m->library, "entratool_crypto_cert_load");
  m->count = symbol<decltype(m->count)>(m->library, "entratool_crypto_cert_count");
  m->der = symbol<decltype(m->der)>(m->library, "entratool_crypto_cert_der");
  m->sign = symbol<decltype(m->sign)>(m->library, "entratool_crypto_cert_sign");
  m->free = symbol<decltype(m->free)>(m->library, "entratool_crypto_cert_free");
  m->digest = symbol<decltype(m->digest)>(m->library, "entratool_crypto_digest");
  loaded = m.release();  // never unloaded
  return loaded;
}

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
  FileCertificateSigner(CryptoModule& m, entratool_crypto_cert* cert) : m_(m), cert_(cert) {
    const size_t n = m_.count(cert_);
    for (size_t i = 0; i < n; ++i) {
      const unsigned char* der = nullptr;
      size_t len = 0;
      if (m_.der(cert_, i, &der, &len) == 0) chain_.emplace_back(reinterpret_cast<const char*>(der), len);
    }
    if (chain_.empty()) chain_.emplace_back();
  }
  ~FileCertificateSigner() override { m_.free(cert_); }
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
    if (m_.sign(cert_, pss ? 1 : 0, bytes(data), data.size(), nullptr, 0, &size, err, sizeof err) != 0)
      return sdk::Status::general(err);
    std::string sig(size, '\0');
    if (m_.sign(cert_, pss ? 1 : 0, bytes(data), data.size(), reinterpret_cast<unsigned char*>(sig.data()), sig.size(),
                &size, err, sizeof err) != 0)
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

  CryptoModule& m_;
  entratool_crypto_cert* cert_;
  std::vector<std::string> chain_;
};

}  // namespace

std::string crypto_module_path() {
  if (!module_path_override().empty()) return module_path_override();
  return host_module_path("entratool-crypto.so");
}

void set_crypto_module_path_for_testing(std::string path) { module_path_override() = std::move(path); }

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
  int rc = (*m)->load(bytes(*data), data->size(), certificate_path.c_str(), bytes(key), key.size(), key_path.c_str(),
                      password.data(), password.size(), &cert, err, sizeof err);
  wipe(key);
  wipe(*data);  // a combined PEM holds the key
  if (rc != 0 || !cert) return sdk::Status::general(err[0] ? err : "cannot load the client certificate");
  return std::unique_ptr<Signer>(std::make_unique<FileCertificateSigner>(**m, cert));
}

sdk::Result<std::unique_ptr<Signer>> certificate_signer_for(const Acquisition& a) {
  return load_certificate_signer(a.certificate_path, a.private_key_path, a.certificate_password);
}

}  // namespace entratool::host
