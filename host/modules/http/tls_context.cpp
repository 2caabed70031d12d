#include "tls_context.h"

#include <dirent.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <climits>
#include <cstdlib>
#include <map>
#include <mutex>
#include <vector>

namespace entratool::http {

namespace {

constexpr const char* kSystemCaDir = "/etc/ssl/certs";
constexpr const char* kCipherList = "HIGH:!aNULL:!MD5:!RC4";

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

// True when `dir` holds OpenSSL's hash links (<8 hex digits>.<n>, made by update-ca-certificates
// or `openssl rehash`); a folder of plain PEM files cannot be looked up by hash.
bool has_hash_links(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (!d) return false;
  bool found = false;
  while (const dirent* e = ::readdir(d)) {
    const char* n = e->d_name;
    size_t hex = 0;
    while (hex < 8 && std::isxdigit(static_cast<unsigned char>(n[hex]))) ++hex;
    if (hex == 8 && n[8] == '.' && std::isdigit(static_cast<unsigned char>(n[9]))) {
      found = true;
      break;
    }
  }
  ::closedir(d);
  return found;
}

// The system's trust as OpenSSL's default paths define it (the bundle file and the certificate
// folder, each overridable by SSL_CERT_FILE and SSL_CERT_DIR), but with the bundle replaced by a
// lookup by subject hash in the folder it is made from (X509_get_default_cert_dir(), Debian's
// /etc/ssl/certs): only the certificates a chain needs are read. Where that folder has no hash
// links, the bundle file is parsed, so the verification result is that of the default paths.
void add_system_trust(SSL_CTX* ssl, const std::string& ca_bundle) {
  std::vector<std::string> dirs;
  const std::string dir_env = env(X509_get_default_cert_dir_env());
  for (size_t start = 0; start < dir_env.size();) {  // OpenSSL's syntax: a ':'-separated list
    size_t end = std::min(dir_env.find(':', start), dir_env.size());
    if (end > start) dirs.push_back(dir_env.substr(start, end - start));
    start = end + 1;
  }
  bool system_hashed = false;
  for (const char* system : {X509_get_default_cert_dir(), kSystemCaDir}) {
    char real[PATH_MAX];
    if (!::realpath(system, real) || !has_hash_links(real)) continue;
    system_hashed = true;
    if (std::find(dirs.begin(), dirs.end(), real) == dirs.end()) dirs.emplace_back(real);
  }
  if (X509_LOOKUP* lookup = X509_STORE_add_lookup(SSL_CTX_get_cert_store(ssl), X509_LOOKUP_hash_dir()))
    for (const auto& dir : dirs) X509_LOOKUP_add_dir(lookup, dir.c_str(), X509_FILETYPE_PEM);
  const std::string file_env = env(X509_get_default_cert_file_env());
  if (!file_env.empty()) {
    if (file_env != ca_bundle) SSL_CTX_load_verify_locations(ssl, file_env.c_str(), nullptr);
  } else if (!system_hashed) {
    SSL_CTX_load_verify_locations(ssl, X509_get_default_cert_file(), nullptr);
  }
  ERR_clear_error();  // a missing SSL_CERT_FILE or default bundle is no failure, as with the default paths
}

std::string openssl_error() {
  const unsigned long e = ERR_peek_last_error();
  const char* reason = e ? ERR_reason_error_string(e) : nullptr;
  std::string text = reason ? reason : "unknown OpenSSL error";
  ERR_clear_error();
  return text;
}

SSL_CTX* make_context(const std::string& ca_bundle, std::string& error) {
  ERR_clear_error();
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  if (!ctx) {
    error = "cannot create a TLS context: " + openssl_error();
    return nullptr;
  }
  if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 || SSL_CTX_set_cipher_list(ctx, kCipherList) != 1) {
    error = "cannot configure TLS: " + openssl_error();
    SSL_CTX_free(ctx);
    return nullptr;
  }
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);  // no callback: a failed check fails the handshake
  SSL_CTX_set_verify_depth(ctx, 9);
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);  // one connection per request
  if (!ca_bundle.empty()) {
    struct stat st {};
    const bool dir = ::stat(ca_bundle.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
    if (SSL_CTX_load_verify_locations(ctx, dir ? nullptr : ca_bundle.c_str(), dir ? ca_bundle.c_str() : nullptr) != 1) {
      error = "cannot load the CA bundle '" + ca_bundle + "': " + openssl_error();
      SSL_CTX_free(ctx);
      return nullptr;
    }
  }
  add_system_trust(ctx, ca_bundle);
  return ctx;
}

}  // namespace

SSL_CTX* tls_context(const std::string& ca_bundle, std::string& error) {
  static std::mutex mutex;
  // Never freed (requests may run until exit), and reachable to the end, so no leak checker flags them.
  static auto* const contexts = new std::map<std::string, SSL_CTX*>;
  std::lock_guard<std::mutex> lock(mutex);
  if (auto it = contexts->find(ca_bundle); it != contexts->end()) return it->second;
  SSL_CTX* ctx = make_context(ca_bundle, error);
  if (ctx) contexts->emplace(ca_bundle, ctx);
  return ctx;
}

}  // namespace entratool::http
