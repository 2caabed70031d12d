#include "plugins/plugin_registry.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <map>

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

// How flow names are compared: lower case, without '-' and '_' ("ClientCredentials" ==
// "client-credentials" == "client_credentials").
std::string fold_name(std::string_view name) {
  std::string folded;
  for (char c : name) {
    char l = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (l != '-' && l != '_') folded += l;
  }
  return folded;
}

std::string lower(std::string_view name) {
  std::string out;
  for (char c : name) out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
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
  // One manifest that parsed, and what became of loading its library.
  struct Library {
    Manifest manifest;
    std::string path;  // canonical library path
    bool attempted = false;
    sdk::Status outcome;
    LoadedLibrary loaded;
  };

  HostProvider host;
  std::vector<PluginCandidate> candidates;
  std::vector<int> library_of;                // parallel to candidates; -1 for invalid manifests
  std::vector<LoadedComponent> components;    // parallel to candidates; set once loaded
  std::vector<Library> libraries;
  std::vector<std::string> notes;
  std::map<std::string, size_t, std::less<>> winners;  // id -> index of the candidate that claimed it

  void scan(const PluginSearchDir& dir, std::vector<std::string>& scanned);
  void add_from_manifest(const std::string& folder, const std::string& name, const std::string& origin,
                         const std::string& folder_problem);
  void add(PluginCandidate c, int library) {
    candidates.push_back(std::move(c));
    library_of.push_back(library);
    components.emplace_back();
  }
  sdk::Result<LoadedComponent*> load(std::string_view id, std::string_view kind);
  void load_library(size_t index);
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
  c.library_id = c.id;
  auto invalid = [&](std::string reason) {
    c.state = State::invalid;
    c.reason = std::move(reason);
    add(std::move(c), -1);
  };

  struct stat st {};
  if (::stat(c.manifest.c_str(), &st) != 0) return invalid(std::string("cannot read manifest: ") + std::strerror(errno));
  if (!S_ISREG(st.st_mode)) return invalid("manifest is not a regular file");
  auto manifest = read_manifest(c.manifest);
  if (!manifest) return invalid(manifest.status().message());
  const Manifest& m = *manifest;
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

  // A manifest that says which SDK it needs lets us refuse without running any of its code.
  sdk::Status version_ok = check_sdk_version(m.id, m.sdk_major, m.sdk_minor);
  const int index = static_cast<int>(libraries.size());
  libraries.push_back(Library{m, library, false, sdk::Status::ok(), {}});
  for (const auto& component : m.components) {
    PluginCandidate cc = c;
    cc.id = component.id;
    cc.kind = component.kind;
    cc.flow = component.flow;
    if (!component.description.empty()) cc.description = component.description;
    if (auto it = winners.find(cc.id); it != winners.end()) {
      const PluginCandidate& w = candidates[it->second];
      cc.state = State::shadowed;
      cc.reason = "shadowed by " + w.library + " (" + w.origin + "), which comes first in the search order";
      add(std::move(cc), index);
      continue;
    }
    if (!version_ok) {
      cc.state = State::refused;
      cc.reason = version_ok.message();
    }
    winners.emplace(cc.id, candidates.size());
    add(std::move(cc), index);
  }
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

// Loads a library once and settles the state of every candidate it holds.
void PluginRegistry::Impl::load_library(size_t index) {
  Library& lib = libraries[index];
  if (lib.attempted) return;
  lib.attempted = true;
  auto result = load_plugin(lib.manifest, lib.path, host ? host() : nullptr);
  if (!result) lib.outcome = result.status();
  else lib.loaded = std::move(*result);
  for (size_t i = 0; i < candidates.size(); ++i) {
    if (library_of[i] != static_cast<int>(index)) continue;
    PluginCandidate& c = candidates[i];
    if (c.state == State::shadowed || c.state == State::invalid) continue;
    if (!lib.outcome) {
      c.state = State::refused;
      c.reason = lib.outcome.message();
      continue;
    }
    const auto* d = lib.loaded.descriptor;
    c.state = State::loaded;
    c.sdk_version = std::to_string(d->sdk_major) + "." + std::to_string(d->sdk_minor);
    c.built_with = d->built_with ? d->built_with : "";
    for (const auto& component : lib.loaded.components)
      if (component.kind == c.kind && component.id == c.id) components[i] = component;
  }
}

sdk::Result<LoadedComponent*> PluginRegistry::Impl::load(std::string_view id, std::string_view kind) {
  auto it = winners.find(id);
  if (it == winners.end()) {
    for (const auto& c : candidates)
      if (c.id == id && c.state == State::invalid)
        return sdk::Status::general("plugin '" + c.id + "' (" + c.manifest + ") cannot be used: " + c.reason);
    return sdk::Status::general("no " + std::string(kind) + " plugin '" + std::string(id) + "' (" +
                                available_list(kind) + ")");
  }
  const size_t index = it->second;
  if (candidates[index].kind != kind)
    return sdk::Status::general("plugin '" + candidates[index].id + "' is a " + candidates[index].kind + ", not a " +
                                std::string(kind));
  if (candidates[index].state == State::refused) return sdk::Status::general(candidates[index].reason);
  if (candidates[index].state == State::available) load_library(static_cast<size_t>(library_of[index]));
  if (candidates[index].state != State::loaded) return sdk::Status::general(candidates[index].reason);
  return &components[index];
}

PluginRegistry::PluginRegistry(const std::vector<PluginSearchDir>& dirs, HostProvider host) : impl_(std::make_unique<Impl>()) {
  impl_->host = std::move(host);
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

std::string PluginRegistry::resolve_flow_name(std::string_view name) const {
  const std::string folded = fold_name(name);
  if (folded.empty()) return lower(name);
  for (const auto& [id, index] : impl_->winners) {
    const auto& c = impl_->candidates[index];
    if (c.kind != "flow") continue;
    if (fold_name(id) == folded) return id;
  }
  for (const auto& [id, index] : impl_->winners) {
    const auto& c = impl_->candidates[index];
    if (c.kind != "flow") continue;
    for (const auto& alias : c.flow.aliases)
      if (fold_name(alias) == folded) return id;
  }
  return lower(name);
}

std::string PluginRegistry::default_flow_for(std::string_view auth_method) const {
  for (const auto& [id, index] : impl_->winners) {
    const auto& c = impl_->candidates[index];
    if (c.kind != "flow") continue;
    for (const auto& m : c.flow.default_for)
      if (m == auth_method) return id;
  }
  return {};
}

std::string PluginRegistry::refresh_flow() const {
  for (const auto& [id, index] : impl_->winners) {
    const auto& c = impl_->candidates[index];
    if (c.kind == "flow" && c.flow.refresh_tokens == FlowDeclaration::RefreshTokens::redeems) return id;
  }
  return {};
}

std::string PluginRegistry::browserless_sign_in_flow() const {
  for (const auto& [id, index] : impl_->winners) {
    const auto& c = impl_->candidates[index];
    if (c.kind == "flow" && c.flow.interactive && !c.flow.browser) return id;
  }
  return {};
}

const FlowDeclaration* PluginRegistry::flow_declaration(std::string_view id) const {
  const PluginCandidate* c = find(id);
  return c && c->kind == "flow" ? &c->flow : nullptr;
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
