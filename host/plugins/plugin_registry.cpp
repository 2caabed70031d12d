#include "plugins/plugin_registry.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <map>

#include "plugins/manifest.h"
#include "plugins/plugin_loader.h"

namespace entratool::host {

namespace {

using State = PluginCandidate::State;

// Vault's rule: code anyone else can replace is not trusted, however it got there.
bool writable_by_others(const struct stat& st) { return (st.st_mode & (S_IWGRP | S_IWOTH)) != 0; }

std::string canonical(const std::string& path) {
  char buf[PATH_MAX];
  return ::realpath(path.c_str(), buf) ? std::string(buf) : std::string();
}

std::string current_directory() {
  char buf[PATH_MAX];
  return ::getcwd(buf, sizeof buf) ? std::string(buf) : std::string();
}

// Explicit origins are the user's own request, so a folder missing there is worth saying;
// the default user and system folders usually do not exist, and that is normal.
bool explicit_origin(const std::string& origin) { return origin == "--plugin-dir" || origin == "ENTRATOOL_PLUGIN_PATH"; }

std::vector<std::string> manifest_names(DIR* dir) {
  std::vector<std::string> names;
  while (const dirent* e = ::readdir(dir)) {
    std::string name = e->d_name;
    if (name.size() > kManifestSuffix.size() && name[0] != '.' &&
        name.compare(name.size() - kManifestSuffix.size(), kManifestSuffix.size(), kManifestSuffix) == 0)
      names.push_back(std::move(name));
  }
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

std::string_view to_string(PluginCandidate::State state) {
  switch (state) {
    case State::available: return "available";
    case State::loaded: return "loaded";
    case State::shadowed: return "shadowed";
    case State::invalid: return "invalid";
    case State::refused: return "refused";
  }
  return "unknown";
}

struct PluginRegistry::Impl {
  std::vector<PluginCandidate> candidates;
  std::vector<LoadedPlugin> loaded;           // parallel to candidates
  std::vector<std::string> notes;
  std::map<std::string, size_t, std::less<>> winners;  // id -> index of the candidate that claimed it

  void scan(const PluginSearchDir& dir, std::vector<std::string>& scanned);
  void add_from_manifest(const std::string& folder, const std::string& name, const std::string& origin,
                         const std::string& folder_problem);
  void add(PluginCandidate c) {
    candidates.push_back(std::move(c));
    loaded.emplace_back();
  }
  sdk::Result<LoadedPlugin*> load(std::string_view id, std::string_view kind);
  std::string available_list(std::string_view kind) const;
};

void PluginRegistry::Impl::scan(const PluginSearchDir& dir, std::vector<std::string>& scanned) {
  std::string path = dir.path;
  if (path.empty()) return;
  if (path[0] != '/') {
    // A flag value is the user's explicit choice and means what it means in any command; a
    // relative entry in ENTRATOOL_PLUGIN_PATH (or an empty one, which shells read as ".") would
    // silently search wherever the tool happens to run, so it is dropped.
    if (dir.origin == "--plugin-dir") {
      path = current_directory() + "/" + path;
    } else {
      notes.push_back("ignoring relative plugin folder '" + path + "' from " + dir.origin +
                      ": plugin folders must be absolute paths");
      return;
    }
  }
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno != ENOENT || explicit_origin(dir.origin))
      notes.push_back("plugin folder '" + path + "' (" + dir.origin + ") " +
                      (errno == ENOENT ? std::string("does not exist") : std::string("cannot be read: ") + std::strerror(errno)));
    return;
  }
  if (!S_ISDIR(st.st_mode)) {
    notes.push_back("plugin folder '" + path + "' (" + dir.origin + ") is not a folder");
    return;
  }
  std::string real = canonical(path);
  if (real.empty()) real = path;
  if (std::find(scanned.begin(), scanned.end(), real) != scanned.end()) return;  // same folder twice
  scanned.push_back(real);

  std::string folder_problem;
  if (writable_by_others(st)) {
    folder_problem = "plugin folder '" + real + "' is group- or world-writable; fix with: chmod go-w '" + real + "'";
    notes.push_back(folder_problem + " (its plugins are ignored)");
  }
  DIR* d = ::opendir(real.c_str());
  if (!d) {
    notes.push_back("plugin folder '" + real + "' (" + dir.origin + ") cannot be read: " + std::strerror(errno));
    return;
  }
  std::vector<std::string> names = manifest_names(d);
  ::closedir(d);
  for (const auto& name : names) add_from_manifest(real, name, dir.origin, folder_problem);
}

void PluginRegistry::Impl::add_from_manifest(const std::string& folder, const std::string& name,
                                             const std::string& origin, const std::string& folder_problem) {
  PluginCandidate c;
  c.origin = origin;
  c.manifest = folder + "/" + name;
  c.id = name.substr(0, name.size() - kManifestSuffix.size());
  auto invalid = [&](std::string reason) {
    c.state = State::invalid;
    c.reason = std::move(reason);
    add(std::move(c));
  };

  struct stat st {};
  if (::stat(c.manifest.c_str(), &st) != 0) return invalid(std::string("cannot read manifest: ") + std::strerror(errno));
  if (!S_ISREG(st.st_mode)) return invalid("manifest is not a regular file");
  auto manifest = read_manifest(c.manifest);
  if (!manifest) return invalid(manifest.status().message());
  const Manifest& m = *manifest;
  c.id = m.id;
  c.kind = m.kind;
  c.version = m.version;
  c.sdk_version = std::to_string(m.sdk_major) + "." + std::to_string(m.sdk_minor);
  c.description = m.description;
  c.library = m.library;

  if (!folder_problem.empty()) return invalid(folder_problem);
  if (writable_by_others(st))
    return invalid("manifest is group- or world-writable; fix with: chmod go-w '" + c.manifest + "'");
  // The folder is already canonical and the manifest names a plain file in it, so only a
  // symlinked library needs realpath (which costs a readlink per path component).
  std::string library = m.library;
  if (::lstat(library.c_str(), &st) == 0 && S_ISLNK(st.st_mode)) library = canonical(library);
  if (library.empty() || ::stat(library.c_str(), &st) != 0) {
    std::string file = m.library.substr(m.library.find_last_of('/') + 1);
    return invalid("library '" + file + "' named by the manifest is missing");
  }
  c.library = library;
  if (!S_ISREG(st.st_mode)) return invalid("library is not a regular file");
  if (writable_by_others(st))
    return invalid("library is group- or world-writable; fix with: chmod go-w '" + library + "'");

  if (auto it = winners.find(c.id); it != winners.end()) {
    const PluginCandidate& w = candidates[it->second];
    c.state = State::shadowed;
    c.reason = "shadowed by " + w.library + " (" + w.origin + "), which comes first in the search order";
    add(std::move(c));
    return;
  }
  // A manifest that says which SDK it needs lets us refuse without running any of its code.
  if (auto s = check_sdk_version(c.id, m.sdk_major, m.sdk_minor); !s) {
    c.state = State::refused;
    c.reason = s.message();
  }
  winners.emplace(c.id, candidates.size());
  add(std::move(c));
}

std::string PluginRegistry::Impl::available_list(std::string_view kind) const {
  std::string list;
  for (const auto& [id, index] : winners) {
    const auto& c = candidates[index];
    if (!kind.empty() && c.kind != kind) continue;
    if (c.state != State::available && c.state != State::loaded) continue;
    list += (list.empty() ? "" : ", ") + id;
  }
  return list.empty() ? std::string("none found; see 'entratool plugins list'") : "available: " + list;
}

sdk::Result<LoadedPlugin*> PluginRegistry::Impl::load(std::string_view id, std::string_view kind) {
  auto it = winners.find(id);
  if (it == winners.end()) {
    for (const auto& c : candidates)
      if (c.id == id && c.state == State::invalid)
        return sdk::Status::general("plugin '" + c.id + "' (" + c.manifest + ") cannot be used: " + c.reason);
    return sdk::Status::general("no " + std::string(kind) + " plugin '" + std::string(id) + "' (" +
                                available_list(kind) + ")");
  }
  PluginCandidate& c = candidates[it->second];
  if (c.kind != kind)
    return sdk::Status::general("plugin '" + c.id + "' is a " + c.kind + ", not a " + std::string(kind));
  if (c.state == State::refused) return sdk::Status::general(c.reason);
  LoadedPlugin& slot = loaded[it->second];
  if (c.state == State::loaded) return &slot;

  Manifest m;
  m.id = c.id;
  m.kind = c.kind;
  m.version = c.version;
  m.path = c.manifest;
  auto result = load_plugin(m, c.library);
  if (!result) {
    c.state = State::refused;
    c.reason = result.status().message();
    return result.status();
  }
  slot = *result;
  const auto* d = slot.descriptor;
  c.state = State::loaded;
  c.sdk_version = std::to_string(d->sdk_major) + "." + std::to_string(d->sdk_minor);
  c.abi_tag = d->abi_tag ? d->abi_tag : "";
  if (d->description && *d->description) c.description = d->description;
  return &slot;
}

PluginRegistry::PluginRegistry(std::vector<PluginSearchDir> dirs) : impl_(std::make_unique<Impl>()) {
  std::vector<std::string> scanned;
  for (const auto& dir : dirs) impl_->scan(dir, scanned);
}

// Only host-side bookkeeping goes here: the libraries and plugin objects live on (plugin_loader).
PluginRegistry::~PluginRegistry() = default;

const std::vector<PluginCandidate>& PluginRegistry::candidates() const { return impl_->candidates; }
const std::vector<std::string>& PluginRegistry::notes() const { return impl_->notes; }

const PluginCandidate* PluginRegistry::find(std::string_view id) const {
  auto it = impl_->winners.find(id);
  return it == impl_->winners.end() ? nullptr : &impl_->candidates[it->second];
}

std::vector<std::string> PluginRegistry::ids_of_kind(std::string_view kind) const {
  std::vector<std::string> ids;
  for (const auto& [id, index] : impl_->winners) {
    const auto& c = impl_->candidates[index];
    if (c.kind == kind && (c.state == State::available || c.state == State::loaded)) ids.push_back(id);
  }
  return ids;  // std::map keeps them sorted
}

sdk::Result<sdk::Flow*> PluginRegistry::flow(std::string_view id) {
  auto p = impl_->load(id, "flow");
  if (!p) return p.status();
  return (*p)->flow;
}

sdk::Result<sdk::Formatter*> PluginRegistry::formatter(std::string_view id) {
  auto p = impl_->load(id, "formatter");
  if (!p) return p.status();
  return (*p)->formatter;
}

sdk::Result<sdk::SecretStore*> PluginRegistry::secret_store(std::string_view id) {
  auto p = impl_->load(id, "secret-store");
  if (!p) return p.status();
  return (*p)->secret_store;
}

void PluginRegistry::load_all() {
  for (const auto& [id, index] : impl_->winners) {
    const auto& c = impl_->candidates[index];
    if (c.state == State::available) (void)impl_->load(id, c.kind);
  }
}

}  // namespace entratool::host
