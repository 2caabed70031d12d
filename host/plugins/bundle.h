#pragma once
// Plugin bundles: a folder with libraries, their manifests, bundle.json (name, version, signer,
// and for each library its file, SHA-256, manifest and components) and bundle.json.sig (a
// detached Ed25519 signature over the exact bytes of bundle.json). Hashing and verifying run in
// the lazily loaded plugin-trust module (plugins/trust_crypto.h), signing in the crypto module
// (OpenSSL EVP); the executable never links OpenSSL.

#include <string>
#include <string_view>
#include <vector>

#include "entratool/sdk/status.h"
#include "plugins/policy.h"

namespace entratool::host {

inline constexpr std::string_view kBundleFile = "bundle.json";
inline constexpr std::string_view kBundleSignatureFile = "bundle.json.sig";

/// One library a bundle lists.
struct BundleLibrary {
  std::string file;                     ///< file name in the bundle folder
  std::string sha256;                   ///< lower-case hex
  std::string manifest;                 ///< its manifest's file name
  std::string manifest_sha256;          ///< lower-case hex
  std::vector<std::string> components;  ///< "kind:id"
};

/// A bundle as read from its folder, with what its signature check found.
struct Bundle {
  enum class Signature { unchecked, missing, valid, untrusted, bad };
  std::string folder, name, version;
  std::string signer_raw;  ///< the 32-byte public key bundle.json names
  std::vector<BundleLibrary> libraries;
  std::string bytes;      ///< bundle.json exactly as read
  std::string signature;  ///< bundle.json.sig (empty when absent)
  Signature state = Signature::unchecked;
  std::string signer;   ///< the trusted key's name (or its base64) once valid
  std::string problem;  ///< why the signature is not acceptable

  const BundleLibrary* find(std::string_view file) const;
};

/// Parses bundle.json text.
sdk::Result<Bundle> parse_bundle(std::string_view text);

/// Reads `folder`/bundle.json (and its signature, if any) after checking both files' owner and
/// mode. Ok with an empty name when the folder has no bundle.json.
sdk::Result<Bundle> read_bundle(const std::string& folder);

/// Checks the signature against the policy's trusted keys and sets state/signer/problem:
/// missing signature, signed by a key not in trusted_keys, or a signature that does not match
/// bundle.json (modified after signing). Loads the crypto module. Errors: module unavailable.
sdk::Status verify_bundle_signature(Bundle& bundle, const Policy& policy);

/// SHA-256 (lower-case hex) of what an open file descriptor holds, read through mmap.
sdk::Result<std::string> sha256_of_fd(int fd, const std::string& name);

/// SHA-256 of a file (for manifests and `bundle create`); refuses symlinks.
sdk::Result<std::string> sha256_of_file(const std::string& path);

/// What `plugins bundle create` made.
struct CreatedBundle {
  std::string bundle_json, public_key_base64;
  size_t libraries = 0;
};

/// Hashes every plugin (manifest + library) in `folder`, writes bundle.json and signs it with
/// the Ed25519 key in the PEM file `key_path`, writing bundle.json.sig. Both files 0644, atomic.
sdk::Result<CreatedBundle> create_bundle(const std::string& folder, const std::string& name, const std::string& version,
                                         const std::string& key_path);

}  // namespace entratool::host
