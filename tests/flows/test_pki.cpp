#include "test_pki.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <stdexcept>

#include "services/signer.h"

namespace test_pki {

namespace {

EVP_PKEY* g_key = nullptr;
X509* g_cert = nullptr;

void write_bio(const std::string& path, BIO* bio) {
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  std::ofstream(path, std::ios::binary).write(data, len);
  ::chmod(path.c_str(), 0600);  // key files others can read are refused (issue 14 item 3)
}

Files make() {
  Files f;
  char tmpl[] = "/tmp/entratool-flows-pki-XXXXXX";
  if (!mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
  f.dir = tmpl;
  f.password = "p%ss +:w rd";
  g_key = EVP_RSA_gen(2048);
  g_cert = X509_new();
  ASN1_INTEGER_set(X509_get_serialNumber(g_cert), 42);
  X509_gmtime_adj(X509_getm_notBefore(g_cert), -60);
  X509_gmtime_adj(X509_getm_notAfter(g_cert), 86400);
  X509_set_pubkey(g_cert, g_key);
  X509_NAME* name = X509_get_subject_name(g_cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("entratool-unit"), -1, -1,
                             0);
  X509_set_issuer_name(g_cert, name);
  X509_sign(g_cert, g_key, EVP_sha256());

  f.cert_pem = f.dir + "/cert.pem";
  f.key_pem = f.dir + "/key.pem";
  f.key_enc_pem = f.dir + "/key.enc.pem";
  f.combined_pem = f.dir + "/both.pem";
  f.pfx = f.dir + "/cert.pfx";
  BIO* b = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(b, g_cert);
  write_bio(f.cert_pem, b);
  BIO* k = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(k, g_key, nullptr, nullptr, 0, nullptr, nullptr);
  write_bio(f.key_pem, k);
  PEM_write_bio_PrivateKey(b, g_key, nullptr, nullptr, 0, nullptr, nullptr);
  write_bio(f.combined_pem, b);
  BIO_free(b);
  BIO_free(k);
  BIO* e = BIO_new(BIO_s_mem());
  PEM_write_bio_PKCS8PrivateKey(e, g_key, EVP_aes_256_cbc(), f.password.data(), static_cast<int>(f.password.size()),
                                nullptr, nullptr);
  write_bio(f.key_enc_pem, e);
  BIO_free(e);
  PKCS12* p12 = PKCS12_create(f.password.c_str(), "entratool", g_key, g_cert, nullptr, 0, 0, 0, 0, 0);
  BIO* p = BIO_new(BIO_s_mem());
  i2d_PKCS12_bio(p, p12);
  write_bio(f.pfx, p);
  BIO_free(p);
  PKCS12_free(p12);
  int len = i2d_X509(g_cert, nullptr);
  f.cert_der.resize(static_cast<size_t>(len));
  auto* out = reinterpret_cast<unsigned char*>(f.cert_der.data());
  i2d_X509(g_cert, &out);
  return f;
}

}  // namespace

const Files& files() {
  // The host's signer loads certificates through the crypto module; use the one just built.
  static const bool module = (entratool::host::set_crypto_module_path_for_testing(ENTRATOOL_CRYPTO_MODULE), true);
  (void)module;
  static const Files f = make();
  return f;
}

bool verify(const std::string& alg, const std::string& signing_input, const std::string& signature) {
  files();
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_PKEY_CTX* pctx = nullptr;
  bool ok = EVP_DigestVerifyInit(ctx, &pctx, EVP_sha256(), nullptr, g_key) == 1;
  if (ok && alg == "PS256") {
    ok = EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
         EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 32) == 1;
  }
  ok = ok && EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                              reinterpret_cast<const unsigned char*>(signing_input.data()), signing_input.size()) == 1;
  EVP_MD_CTX_free(ctx);
  return ok;
}

}  // namespace test_pki
