#include "plugins/bundle.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "core/crypto_module.h"
#include "entratool/support/encoding.h"
#include "entratool/support/files.h"
#include "entratool/support/json.h"
#include "plugins/manifest.h"
#include "plugins/trust.h"
#include "plugins/trust_crypto.h"

namespace entratool::host {

namespace {

namespace json = support::json;

const unsigned char* bytes(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }

// `name` is the file hashed, for the message when the plugin-trust module cannot be used.
sdk::Result<std::string> digest_hex(std::string_view data, const std::string& name) {
  const auto digest = trust_crypto::sha256(data);
  if (!digest) return sdk::Status::general("cannot check '" + name + "': " + digest.status().message());
  return support::hex_encode(std::string_view(reinterpret_cast<const char*>(digest->data()), digest->size()));
}

// Reads a small file of a bundle through an fd, after its owner and mode were checked.
sdk::Result<std::string> read_checked(const std::string& path, const std::string& what, bool& missing) {
  missing = false;
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) {
      missing = true;
      return std::string();
    }
    return sdk::Status::general(what + " '" + path + "' cannot be read: " + std::strerror(errno));
  }
  PathCheck check = check_path(path, what, AllowedOwners::root_or_self());
  if (!check.ok()) return sdk::Status::general(check.problem);
  return support::files::read_file(check.resolved);
}

std::string lower(std::string s) {
  for (char& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return s;
}

}  // namespace

const BundleLibrary* Bundle::find(std::string_view file) const {
  for (const auto& l : libraries)
    if (l.file == file) return &l;
  return nullptr;
}

sdk::Result<Bundle> parse_bundle(std::string_view text) {
  auto doc = json::parse(text);
  if (!doc || !doc->is_object()) return sdk::Status::general("bundle.json is not a JSON object");
  Bundle b;
  b.name = doc->get_string("bundle");
  b.version = doc->get_string("version");
  if (b.name.empty() || b.version.empty()) return sdk::Status::general("bundle.json lacks \"bundle\" or \"version\"");
  if (doc->get_string("signer").size()) {
    auto raw = support::base64_decode(doc->get_string("signer"));
    if (!raw || raw->size() != 32) return sdk::Status::general("bundle.json: \"signer\" is not a base64 Ed25519 key");
    b.signer_raw = *raw;
  }
  const json::Value* libs = doc->find("libraries");
  if (!libs || !libs->is_array()) return sdk::Status::general("bundle.json lacks the \"libraries\" array");
  for (const auto& l : libs->items()) {
    if (!l.is_object()) return sdk::Status::general("bundle.json: each library must be an object");
    BundleLibrary lib;
    lib.file = l.get_string("file");
    lib.sha256 = lower(l.get_string("sha256"));
    lib.manifest = l.get_string("manifest");
    lib.manifest_sha256 = lower(l.get_string("manifest_sha256"));
    if (lib.file.empty() || lib.file.find('/') != std::string::npos || lib.sha256.size() != 64)
      return sdk::Status::general("bundle.json: a library lacks a plain \"file\" name or a SHA-256");
    if (const auto* comps = l.find("components"); comps && comps->is_array())
      for (const auto& c : comps->items())
        if (c.is_object()) lib.components.push_back(c.get_string("kind") + ":" + c.get_string("id"));
    b.libraries.push_back(std::move(lib));
  }
  return b;
}

sdk::Result<Bundle> read_bundle(const std::string& folder) {
  bool missing = false;
  auto text = read_checked(folder + "/" + std::string(kBundleFile), "bundle manifest", missing);
  if (!text) return text.status();
  if (missing) return Bundle{};
  auto bundle = parse_bundle(*text);
  if (!bundle) return sdk::Status::general("'" + folder + "/bundle.json': " + bundle.status().message());
  bundle->folder = folder;
  bundle->bytes = std::move(*text);
  auto sig = read_checked(folder + "/" + std::string(kBundleSignatureFile), "bundle signature", missing);
  if (!sig) return sig.status();
  bundle->signature = std::move(*sig);
  return bundle;
}

sdk::Status verify_bundle_signature(Bundle& b, const Policy& policy) {
  if (b.state != Bundle::Signature::unchecked) return sdk::Status::ok();
  const std::string where = "bundle '" + b.name + "' (" + b.folder + "/bundle.json)";
  if (b.signature.empty()) {
    b.state = Bundle::Signature::missing;
    b.problem = where + " is not signed (no bundle.json.sig)";
    return sdk::Status::ok();
  }
  auto valid = trust_crypto::ed25519_verify(b.signer_raw, b.bytes, b.signature);
  if (!valid) return sdk::Status::general("cannot check the signature of " + where + ": " + valid.status().message());
  if (!*valid) {
    b.state = Bundle::Signature::bad;
    b.problem = where + " has a bad signature: bundle.json was changed after it was signed, or bundle.json.sig " +
                "belongs to another file";
    return sdk::Status::ok();
  }
  const TrustedKey* key = policy.trusted(b.signer_raw);
  if (!key) {
    b.state = Bundle::Signature::untrusted;
    b.signer = support::base64_encode(b.signer_raw);
    b.problem = where + " is signed by an unknown key " + b.signer + " (not in the policy's \"trusted_keys\")";
    return sdk::Status::ok();
  }
  b.state = Bundle::Signature::valid;
  b.signer = key->name.empty() ? key->base64 : key->name;
  return sdk::Status::ok();
}

sdk::Result<std::string> sha256_of_fd(int fd, const std::string& name) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return sdk::Status::general("cannot read '" + name + "': " + std::strerror(errno));
  if (st.st_size == 0) return digest_hex({}, name);
  void* map = ::mmap(nullptr, static_cast<size_t>(st.st_size), PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
  if (map == MAP_FAILED) return sdk::Status::general("cannot read '" + name + "': " + std::strerror(errno));
  auto hex = digest_hex(std::string_view(static_cast<const char*>(map), static_cast<size_t>(st.st_size)), name);
  ::munmap(map, static_cast<size_t>(st.st_size));
  return hex;
}

sdk::Result<std::string> sha256_of_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return sdk::Status::general("cannot read '" + path + "': " + std::strerror(errno));
  auto hex = sha256_of_fd(fd, path);
  ::close(fd);
  return hex;
}

sdk::Result<CreatedBundle> create_bundle(const std::string& folder, const std::string& name, const std::string& version,
                                         const std::string& key_path) {
  auto key = support::files::read_file(key_path);
  if (!key) return sdk::Status::general("cannot read the signing key '" + key_path + "'; check the path");
  DIR* d = ::opendir(folder.c_str());
  if (!d) return sdk::Status::general("cannot read the bundle folder '" + folder + "': " + std::strerror(errno));
  std::vector<std::string> names;
  while (const dirent* e = ::readdir(d)) {
    std::string n = e->d_name;
    if (n.size() > kManifestSuffix.size() && n[0] != '.' &&
        n.compare(n.size() - kManifestSuffix.size(), kManifestSuffix.size(), kManifestSuffix) == 0)
      names.push_back(n);
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  if (names.empty())
    return sdk::Status::general("no plugin manifests (*.plugin.json) in '" + folder + "'; nothing to bundle");

  auto libs = json::Value::array();
  for (const auto& n : names) {
    const std::string manifest_path = std::string(folder) + "/" + n;
    auto m = read_manifest(manifest_path);
    if (!m) return sdk::Status::general("'" + manifest_path + "': " + m.status().message());
    const std::string file = m->library.substr(m->library.find_last_of('/') + 1);
    auto lib_hash = sha256_of_file(std::string(folder) + "/" + file);
    if (!lib_hash) return sdk::Status::general(lib_hash.status().message() + " (named by " + manifest_path + ")");
    auto man_hash = sha256_of_file(manifest_path);
    if (!man_hash) return man_hash.status();
    auto comps = json::Value::array();
    for (const auto& c : m->components) {
      auto o = json::Value::object();
      o.set("kind", json::Value::string(c.kind));
      o.set("id", json::Value::string(c.id));
      comps.push_back(std::move(o));
    }
    auto l = json::Value::object();
    l.set("file", json::Value::string(file));
    l.set("sha256", json::Value::string(*lib_hash));
    l.set("manifest", json::Value::string(n));
    l.set("manifest_sha256", json::Value::string(*man_hash));
    l.set("components", std::move(comps));
    libs.push_back(std::move(l));
  }
  // Sign first with an empty message to learn the public key, which bundle.json names.
  auto c = crypto_module();
  if (!c) return c.status();
  unsigned char sig[64], pub[32];
  char err[256] = "";
  if ((*c)->ed25519_sign(bytes(*key), key->size(), bytes(""), 0, sig, pub, err, sizeof err) != 0)
    return sdk::Status::general("the signing key '" + key_path + "' " + err);
  CreatedBundle out;
  out.public_key_base64 = support::base64_encode(std::string_view(reinterpret_cast<const char*>(pub), 32));
  auto doc = json::Value::object();
  doc.set("format", json::Value::number(1LL));
  doc.set("bundle", json::Value::string(name));
  doc.set("version", json::Value::string(version));
  doc.set("signer", json::Value::string(out.public_key_base64));
  out.libraries = libs.items().size();
  doc.set("libraries", std::move(libs));
  out.bundle_json = json::serialize(doc, 2) + "\n";
  if ((*c)->ed25519_sign(bytes(*key), key->size(), bytes(out.bundle_json), out.bundle_json.size(), sig, pub, err,
                         sizeof err) != 0)
    return sdk::Status::general("the signing key '" + key_path + "' " + err);
  if (auto s = support::files::atomic_write(folder + "/" + std::string(kBundleFile), out.bundle_json, 0644); !s)
    return s;
  if (auto s = support::files::atomic_write(folder + "/" + std::string(kBundleSignatureFile),
                                            std::string(reinterpret_cast<const char*>(sig), 64), 0644);
      !s)
    return s;
  return out;
}

}  // namespace entratool::host
