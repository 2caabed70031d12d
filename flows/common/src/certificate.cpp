#include "entratool/flows/certificate.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/provider.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <mutex>

#include "entratool/support/encoding.h"

namespace entratool::flows {

namespace {

struct Deleter {
  void operator()(X509* p) const { X509_free(p); }
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(BIO* p) const { BIO_free(p); }
  void operator()(PKCS12* p) const { PKCS12_free(p); }
  void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
  void operator()(STACK_OF(X509) * p) const { sk_X509_pop_free(p, X509_free); }
};
template <class T>
using Ptr = std::unique_ptr<T, Deleter>;

// The first OpenSSL error as text, and the queue cleared so it does not leak into later calls.
std::string openssl_error() {
  unsigned long code = ERR_get_error();
  std::string out;
  if (code) {
    char buf[256];
    ERR_error_string_n(code, buf, sizeof buf);
    const char* reason = ERR_reason_error_string(code);
    out = reason ? reason : buf;
  }
  ERR_clear_error();
  return out.empty() ? "unknown error" : out;
}

sdk::Result<std::string> read_all(const std::string& path, const char* what) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return sdk::Status::general(std::string("cannot read the ") + what + " '" + path + "': " + std::strerror(errno));
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::string to_der(X509* cert) {
  int len = i2d_X509(cert, nullptr);
  if (len <= 0) return {};
  std::string out(static_cast<size_t>(len), '\0');
  auto* p = reinterpret_cast<unsigned char*>(out.data());
  i2d_X509(cert, &p);
  return out;
}

std::string digest(const EVP_MD* md, const std::string& data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), out, &len, md, nullptr);
  return std::string(reinterpret_cast<char*>(out), len);
}

// PEM passwords come through a callback; an empty password means "none given".
int password_cb(char* buf, int size, int /*rwflag*/, void* u) {
  const auto* pw = static_cast<const std::string*>(u);
  if (!pw || pw->empty()) return -1;
  int n = static_cast<int>(std::min<size_t>(pw->size(), static_cast<size_t>(size)));
  std::memcpy(buf, pw->data(), static_cast<size_t>(n));
  return n;
}

// PFX files exported by older Windows tools use RC2/3DES, which OpenSSL 3 keeps in its legacy
// provider; load it only when a PFX needs it.
void load_legacy_provider() {
  static std::once_flag once;
  std::call_once(once, [] {
    OSSL_PROVIDER_load(nullptr, "legacy");
    OSSL_PROVIDER_load(nullptr, "default");
  });
}

bool is_pem(const std::string& data) { return data.find("-----BEGIN ") != std::string::npos; }

}  // namespace

struct ClientCertificate::Impl {
  Ptr<X509> cert;
  Ptr<EVP_PKEY> key;
  std::string der;
  std::vector<std::string> chain;
};

ClientCertificate::ClientCertificate(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ClientCertificate::ClientCertificate(ClientCertificate&&) noexcept = default;
ClientCertificate& ClientCertificate::operator=(ClientCertificate&&) noexcept = default;
ClientCertificate::~ClientCertificate() = default;

sdk::Result<ClientCertificate> ClientCertificate::load(const std::string& certificate_path, const std::string& key_path,
                                                       const std::string& password) {
  if (certificate_path.empty()) return sdk::Status::general("no client certificate configured");
  auto data = read_all(certificate_path, "certificate");
  if (!data) return data.status();
  auto impl = std::make_unique<Impl>();
  ERR_clear_error();

  if (is_pem(*data)) {
    Ptr<BIO> bio(BIO_new_mem_buf(data->data(), static_cast<int>(data->size())));
    impl->cert.reset(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    if (!impl->cert)
      return sdk::Status::general("no PEM certificate in '" + certificate_path + "' (" + openssl_error() + ")");
    impl->der = to_der(impl->cert.get());
    impl->chain.push_back(impl->der);
    while (Ptr<X509> extra{PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)})
      impl->chain.push_back(to_der(extra.get()));
    ERR_clear_error();

    std::string key_data;
    std::string key_source = key_path.empty() ? certificate_path : key_path;
    if (key_path.empty()) {
      key_data = *data;
    } else {
      auto k = read_all(key_path, "private key");
      if (!k) return k.status();
      key_data = std::move(*k);
    }
    Ptr<BIO> kbio(BIO_new_mem_buf(key_data.data(), static_cast<int>(key_data.size())));
    impl->key.reset(PEM_read_bio_PrivateKey(kbio.get(), nullptr, password_cb, const_cast<std::string*>(&password)));
    if (!impl->key) {
      std::string why = openssl_error();
      if (key_data.find("ENCRYPTED") != std::string::npos)
        return sdk::Status::general(password.empty()
                                        ? "the private key '" + key_source + "' is encrypted: give its password"
                                        : "cannot decrypt the private key '" + key_source + "': wrong password?");
      if (key_path.empty())
        return sdk::Status::general("no private key in '" + certificate_path +
                                    "': give the key file too, or use a PFX with its password");
      return sdk::Status::general("cannot read the private key '" + key_source + "' (" + why + ")");
    }
  } else {
    if (!key_path.empty())
      return sdk::Status::general("'" + certificate_path +
                                  "' is not a PEM certificate; a PFX needs no separate key file");
    const auto* p = reinterpret_cast<const unsigned char*>(data->data());
    Ptr<PKCS12> p12(d2i_PKCS12(nullptr, &p, static_cast<long>(data->size())));
    if (!p12)
      return sdk::Status::general("'" + certificate_path + "' is neither a PEM certificate nor a PFX/PKCS#12 file");
    const char* pw = password.c_str();
    if (!PKCS12_verify_mac(p12.get(), pw, static_cast<int>(password.size()))) {
      // Some tools write PFX files with no password at all (NULL rather than "").
      if (!(password.empty() && PKCS12_verify_mac(p12.get(), nullptr, 0))) {
        ERR_clear_error();
        return sdk::Status::general(password.empty() ? "the PFX '" + certificate_path + "' needs its password"
                                                     : "wrong password for the PFX '" + certificate_path + "'");
      }
      pw = nullptr;
    }
    EVP_PKEY* key = nullptr;
    X509* cert = nullptr;
    STACK_OF(X509)* ca = nullptr;
    if (!PKCS12_parse(p12.get(), pw, &key, &cert, &ca)) {
      ERR_clear_error();
      load_legacy_provider();
      if (!PKCS12_parse(p12.get(), pw, &key, &cert, &ca))
        return sdk::Status::general("cannot read the PFX '" + certificate_path + "' (" + openssl_error() + ")");
    }
    impl->key.reset(key);
    impl->cert.reset(cert);
    Ptr<STACK_OF(X509)> chain(ca);
    if (!impl->cert || !impl->key)
      return sdk::Status::general("the PFX '" + certificate_path + "' lacks a certificate or a private key");
    impl->der = to_der(impl->cert.get());
    impl->chain.push_back(impl->der);
    for (int i = 0; chain && i < sk_X509_num(chain.get()); ++i)
      impl->chain.push_back(to_der(sk_X509_value(chain.get(), i)));
  }

  if (EVP_PKEY_get_base_id(impl->key.get()) != EVP_PKEY_RSA)
    return sdk::Status::general(
        "the client certificate's key must be RSA (Entra ID signs assertions with PS256 or RS256)");
  if (X509_check_private_key(impl->cert.get(), impl->key.get()) != 1) {
    ERR_clear_error();
    return sdk::Status::general("the private key does not belong to the certificate '" + certificate_path + "'");
  }
  return ClientCertificate(std::move(impl));
}

const std::string& ClientCertificate::der() const { return impl_->der; }
const std::vector<std::string>& ClientCertificate::chain_der() const { return impl_->chain; }
std::string ClientCertificate::x5t() const { return support::base64url_encode(digest(EVP_sha1(), impl_->der)); }
std::string ClientCertificate::x5t_s256() const { return support::base64url_encode(digest(EVP_sha256(), impl_->der)); }

sdk::Result<std::string> ClientCertificate::sign(std::string_view alg, std::string_view data) const {
  const bool pss = alg == "PS256";
  if (!pss && alg != "RS256")
    return sdk::Status::general("unsupported assertion algorithm '" + std::string(alg) + "' (PS256 or RS256)");
  Ptr<EVP_MD_CTX> ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  if (!ctx || EVP_DigestSignInit(ctx.get(), &pctx, EVP_sha256(), nullptr, impl_->key.get()) != 1)
    return sdk::Status::general("cannot sign the client assertion (" + openssl_error() + ")");
  if (pss && (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
              EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) != 1 ||
              EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha256()) != 1))
    return sdk::Status::general("cannot set up PS256 signing (" + openssl_error() + ")");
  size_t len = 0;
  const auto* in = reinterpret_cast<const unsigned char*>(data.data());
  if (EVP_DigestSign(ctx.get(), nullptr, &len, in, data.size()) != 1)
    return sdk::Status::general("cannot sign the client assertion (" + openssl_error() + ")");
  std::string sig(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, in, data.size()) != 1)
    return sdk::Status::general("cannot sign the client assertion (" + openssl_error() + ")");
  sig.resize(len);
  return sig;
}

}  // namespace entratool::flows
