#include "cli/export_crypto.h"

#include "core/crypto_module.h"
#include "entratool/support/encoding.h"

namespace entratool::host::export_crypto {

namespace {

const unsigned char* bytes(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }

}  // namespace

sdk::Result<std::string> seal(std::string_view passphrase, std::string_view plain) {
  auto m = crypto_module();
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
  auto m = crypto_module();
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
  auto m = crypto_module();
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
