#include "plugins/policy.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>

#include "entratool/support/encoding.h"
#include "entratool/support/json.h"
#include "plugins/trust.h"

namespace entratool::host {

namespace {

namespace json = support::json;

sdk::Status bad(const std::string& what) { return sdk::Status::general(what); }

bool is_hex64(const std::string& s) {
  if (s.size() != 64) return false;
  for (char c : s)
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

sdk::Result<TrustedKey> parse_key(const json::Value& v, size_t index) {
  const std::string where = "\"trusted_keys\"[" + std::to_string(index) + "]";
  TrustedKey key;
  if (v.is_string()) {
    key.base64 = v.text();
  } else if (v.is_object()) {
    for (const auto& [name, value] : v.members()) {
      if (name != "key" && name != "name")
        return bad(std::string(where) + ": unknown field '" + name + "' (known: key, name)");
      if (!value.is_string()) return bad(std::string(where) + ": \"" + name + "\" must be a string");
    }
    key.base64 = v.get_string("key");
    key.name = v.get_string("name");
  } else {
    return bad(where + " must be a base64 string or {\"key\": \"<base64>\", \"name\": \"<name>\"}");
  }
  auto raw = support::base64_decode(key.base64);
  if (!raw || raw->size() != 32)
    return bad(
        where +
        " is not the base64 of a 32-byte Ed25519 public key (see 'entratool plugins bundle create --public-key')");
  key.raw = *raw;
  return key;
}

}  // namespace

const TrustedKey* Policy::trusted(std::string_view raw) const {
  for (const auto& k : trusted_keys)
    if (k.raw == raw) return &k;
  return nullptr;
}

std::string_view to_string(Policy::Plugins plugins) {
  switch (plugins) {
    case Policy::Plugins::any:
      return "any";
    case Policy::Plugins::pinned:
      return "pinned";
    case Policy::Plugins::signed_:
      return "signed";
  }
  return "any";
}

std::string_view to_string(Policy::Search search) { return search == Policy::Search::system ? "system" : "all"; }

sdk::Result<Policy> parse_policy(std::string_view text) {
  auto doc = json::parse(text);
  if (!doc) return bad("not valid JSON: " + doc.status().message());
  if (!doc->is_object()) return bad("must be a JSON object");
  Policy p;
  for (const auto& [name, value] : doc->members()) {
    if (name == "plugins") {
      if (!value.is_string()) return bad("\"plugins\" must be \"any\", \"pinned\" or \"signed\"");
      if (value.text() == "any")
        p.plugins = Policy::Plugins::any;
      else if (value.text() == "pinned")
        p.plugins = Policy::Plugins::pinned;
      else if (value.text() == "signed")
        p.plugins = Policy::Plugins::signed_;
      else
        return bad("\"plugins\" is '" + value.text() + "'; use \"any\", \"pinned\" or \"signed\"");
    } else if (name == "search") {
      if (!value.is_string()) return bad("\"search\" must be \"all\" or \"system\"");
      if (value.text() == "all")
        p.search = Policy::Search::all;
      else if (value.text() == "system")
        p.search = Policy::Search::system;
      else
        return bad("\"search\" is '" + value.text() + "'; use \"all\" or \"system\"");
    } else if (name == "pins") {
      if (!value.is_object()) return bad("\"pins\" must be an object {\"<plugin id>\": \"<sha256 hex>\"}");
      for (const auto& [id, hash] : value.members()) {
        if (!hash.is_string() || !is_hex64(hash.text()))
          return bad("pin for '" + id + "' must be 64 hex digits (a SHA-256)");
        p.pins[id] = lower(hash.text());
      }
    } else if (name == "trusted_keys") {
      if (!value.is_array()) return bad("\"trusted_keys\" must be an array of Ed25519 public keys");
      for (size_t i = 0; i < value.items().size(); ++i) {
        auto key = parse_key(value.items()[i], i);
        if (!key) return key.status();
        p.trusted_keys.push_back(std::move(*key));
      }
    } else if (name == "secret_store") {
      if (!value.is_string() || value.text().empty()) return bad("\"secret_store\" must be a secret store plugin id");
      p.secret_store = value.text();
    } else {
      return bad("unknown field '" + name + "' (known: plugins, pins, trusted_keys, search, secret_store)");
    }
  }
  if (p.plugins == Policy::Plugins::signed_ && p.trusted_keys.empty())
    return bad("\"plugins\": \"signed\" needs at least one key in \"trusted_keys\"");
  return p;
}

PolicyLoad load_policy(const std::string& path, uid_t executable_owner) {
  PolicyLoad out;
  out.policy.path = path;
  struct stat st {};
  if (path.empty() || ::lstat(path.c_str(), &st) != 0) {
    if (!path.empty() && errno != ENOENT && errno != ENOTDIR)
      out.error = bad("the system policy '" + path + "' cannot be read: " + std::strerror(errno) +
                      "; ask your administrator to fix it");
    return out;
  }
  AllowedOwners owners{{executable_owner}};
  PathCheck check = check_path(path, "policy file", owners);
  auto ignore = [&](const std::string& why) {
    out.warnings.push_back("ignoring the system policy: " + why);
    return out;
  };
  if (!check.ok()) return ignore(check.problem);
  // The file and its own folder must belong to root or the executable's owner (not merely the user).
  const std::string folder = check.resolved.substr(0, check.resolved.find_last_of('/'));
  struct stat fst {};
  if (::stat(folder.c_str(), &fst) == 0 && !owners.accepts(fst.st_uid))
    return ignore("its folder '" + folder + "' is owned by " + describe_owner(fst.st_uid) +
                  ", not by root or the owner of entratool");
  int fd = ::open(check.resolved.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    out.error = bad("the system policy '" + path + "' cannot be read: " + std::strerror(errno) +
                    "; ask your administrator to fix it");
    return out;
  }
  std::string text;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0 && text.size() < (1u << 20)) text.append(buf, static_cast<size_t>(n));
  struct stat rst {};
  bool same = ::fstat(fd, &rst) == 0 && owners.accepts(rst.st_uid) && !(rst.st_mode & (S_IWGRP | S_IWOTH));
  ::close(fd);
  if (!same) return ignore("policy file '" + path + "' changed owner or mode while it was read");
  auto parsed = parse_policy(text);
  if (!parsed) {
    out.error = bad("the system policy '" + path + "' is invalid: " + parsed.status().message() +
                    "; ask your administrator to fix it");
    return out;
  }
  out.policy = std::move(*parsed);
  out.policy.path = path;
  out.policy.present = true;
  return out;
}

}  // namespace entratool::host
