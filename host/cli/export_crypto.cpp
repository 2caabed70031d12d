#include "cli/export_crypto.h"

#include <boost/dll/shared_library.hpp>

#include <memory>

#include "core/module_path.h"
#include "entratool/support/encoding.h"
#include "modules/crypto/crypto_api.h"
#include "plugins/library_file.h"

namespace entratool::host::export_crypto {

namespace {

using AbiFn = int();
using SealFn = int(const char*, size_t, const unsigned char*, size_t, unsigned char*, size_t, size_t*, char*, size_t);
using PfxFn = int(const unsigned char*, size_t, const char*, size_t, char*, size_t);

struct Module {
  boost::dll::shared_library library;
  SealFn* seal = nullptr;
  SealFn* open = nullptr;
  PfxFn* pfx_check = nullptr;
};

// Loaded once and kept until exit: nothing from it may outlive the library.
sdk::Result<Module*> module() {
  static std::unique_ptr<Module> loaded;
  static sdk::Status failure;
  if (loaded) return loaded.get();
  if (!failure.is_ok()) return failure;
  const std::string path = host_module_path("entratool-crypto.so");
  if (path.empty())
    return failure = sdk::Status::general(
               "cannot locate the encryption module (unknown executable path); reinstall entratool");
  if (auto why = truncated_library(path); !why.empty())
    return failure = sdk::Status::general("the encryption module '" + path + "' " + why + "; reinstall entratool");
  auto m = std::make_unique<Module>();
  boost::dll::fs::error_code ec;
  m->library.load(path, boost::dll::load_mode::rtld_now, ec);
  if (ec) {
    failure = sdk::Status::general("cannot load the encryption module '" + path + "' (" + ec.message() +
                                   "); reinstall entratool");
    return failure;
  }
  const char* missing = nullptr;
  for (const char* symbol :
       {"entratool_crypto_abi_version", "entratool_crypto_seal", "entratool_crypto_open", "entratool_crypto_pfx_check"})
    if (!missing && !m->library.has(symbol)) missing = symbol;
  if (missing) {
    failure = sdk::Status::general("the encryption module '" + path + "' lacks '" + missing + "'; reinstall entratool");
    return failure;
  }
  int abi = m->library.get<AbiFn>("entratool_crypto_abi_version")();
  if (abi != ENTRATOOL_CRYPTO_ABI_VERSION) {
    failure = sdk::Status::general("the encryption module '" + path + "' has interface version " + std::to_string(abi) +
                                   ", this entratool needs " + std::to_string(ENTRATOOL_CRYPTO_ABI_VERSION) +
                                   "; reinstall entratool");
    return failure;
  }
  m->seal = &m->library.get<SealFn>("entratool_crypto_seal");
  m->open = &m->library.get<SealFn>("entratool_crypto_open");
  m->pfx_check = &m->library.get<PfxFn>("entratool_crypto_pfx_check");
  loaded = std::move(m);
  return loaded.get();
}

const unsigned char* bytes(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }

}  // namespace

sdk::Result<std::string> seal(std::string_view passphrase, std::string_view plain) {
  auto m = module();
  if (!m) return m.status();
  std::string out(plain.size() + ENTRATOOL_CRYPTO_SEAL_OVERHEAD, '\0');
  size_t len = 0;
  char err[256] = {};
  if ((*m)->seal(passphrase.data(), passphrase.size(), bytes(plain), plain.size(),
                 reinterpret_cast<unsigned char*>(out.data()), out.size(), &len, err, sizeof err) != 0)
    return sdk::Status::general(std::string("cannot encrypt the export: ") + err);
  out.resize(len);
  return out;
}

sdk::Result<std::string> open(std::string_view passphrase, std::string_view sealed) {
  auto m = module();
  if (!m) return m.status();
  std::string out(sealed.size(), '\0');
  size_t len = 0;
  char err[256] = {};
  int rc = (*m)->open(passphrase.data(), passphrase.size(), bytes(sealed), sealed.size(),
                      reinterpret_cast<unsigned char*>(out.data()), out.size(), &len, err, sizeof err);
  if (rc != 0) return sdk::Status::general(std::string("cannot decrypt the export: ") + err);
  out.resize(len);
  return out;
}

sdk::Status check_pfx(std::string_view data, std::string_view password) {
  auto m = module();
  if (!m) return m.status();
  char err[256] = {};
  if ((*m)->pfx_check(bytes(data), data.size(), password.data(), password.size(), err, sizeof err) != 0)
    return sdk::Status::general(err);
  return sdk::Status::ok();
}

std::string armor(std::string_view binary) {
  std::string b64 = support::base64_encode(binary);
  std::string out(kArmorHeader);
  out += "\n";
  for (size_t i = 0; i < b64.size(); i += 64) out += b64.substr(i, 64) + "\n";
  return out;
}

sdk::Result<std::string> dearmor(std::string_view text) {
  size_t start = text.find_first_not_of(" \t\r\n");
  if (start == std::string_view::npos) return sdk::Status::general("the export is empty");
  text.remove_prefix(start);
  if (text.substr(0, kArmorHeader.size()) != kArmorHeader)
    return sdk::Status::general("this is not an entratool profile export (it must start with '" +
                                std::string(kArmorHeader) + "')");
  std::string b64;
  for (char c : text.substr(kArmorHeader.size()))
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n') b64 += c;
  auto decoded = support::base64_decode(b64);
  if (!decoded || decoded->empty())
    return sdk::Status::general("the export is damaged (its text is not valid base64); copy it again completely");
  return std::move(*decoded);
}

}  // namespace entratool::host::export_crypto
