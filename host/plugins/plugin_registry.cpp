#include "plugins/plugin_registry.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <map>

#include "plugins/bundle.h"
#include "plugins/plugin_loader.h"
#include "plugins/trust.h"

namespace entratool::host {

namespace {

using State = PluginCandidate::State;

std::string file_of(const std::string& path) { return path.substr(path.find_last_of('/') + 1); }

// Kinds that hold or use the user's secrets: a user-placed plugin may not replace a system one.
bool protected_kind(const std::string& kind) { return kind == "secret-store" || kind == "flow"; }

// dlopen("/proc/self/fd/N") loads exactly the file that was checked and hashed; without /proc
// only the path is left, which a "pinned" or "signed" policy does not accept.
bool proc_fd_available() {
  static const bool available = ::access("/proc/self/fd", X_OK) == 0;
  return available;
}

std::string current_directory() {
  char buf[PATH_MAX];
  return ::getcwd(buf, sizeof buf) ? std::string(buf) : std::string();
}

// Explicit origins are the user's own request, so a folder missing there is worth saying;
// the default user and system folders usually do not exist, and that is normal.
bool explicit_origin(const std::string& origin) {
  return origin == "--plugin-dir" || origin == "ENTRATOOL_PLUGIN_PATH";
}

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
    case State::available:
      return "available";
    case State::loaded:
      return "loaded";
    case State::shadowed:
      return "shadowed";
    case State::invalid:
      return "invalid";
    case State::refused:
      return "refused";
  }
  return "unknown";
}

bool is_system_origin(std::string_view origin) { return origin == "system" || origin == "bundled"; }

struct PluginRegistry::Impl {
  // One manifest that parsed, and what became of loading its library.
  struct Library {
    Manifest manifest;
    std::string path;  // canonical library path
    int folder = -1;   // index into folders
    bool attempted = false;
    sdk::Status outcome;
    LoadedLibrary loaded;
    bool verified = false;  // trust checked (hash, signature) for verify/list
    sdk::Status trust;      // its outcome
  };
  // A plugin folder and its bundle (read when the policy or a check needs it).
  struct Folder {
    std::string path;
    bool bundle_read = false;
    sdk::Status bundle_error;
    Bundle bundle;
  };

  HostProvider host;
  RegistryOptions options;
  std::vector<Folder> folders;
  std::vector<std::string> warned;  // ids already warned about
  std::vector<PluginCandidate> candidates;
  std::vector<int> library_of;              // parallel to candidates; -1 for invalid manifests
  std::vector<LoadedComponent> components;  // parallel to candidates; set once loaded
  std::vector<Library> libraries;
  std::vector<std::string> notes;
  std::map<std::string, size_t, std::less<>> winners;            // id -> index of the candidate that claimed it
  std::map<std::string, std::string, std::less<>> use_warnings;  // id -> warning shown when it is used

  const Policy& policy() const { return options.policy.policy; }
  bool strict() const { return policy().plugins != Policy::Plugins::any; }
  void warn(const std::string& text) {
    if (options.warn) options.warn(text);
  }
  void scan(const PluginSearchDir& dir, std::vector<std::string>& scanned);
  void add_from_manifest(const std::string& folder, const std::string& name, const std::string& origin,
                         const std::string& folder_problem, int folder_index);
  void protect_system_plugins();
  Folder& bundle_of(int folder_index);
  std::string untrusted_reason(const Library& lib);
  sdk::Status check_trust(Library& lib, int fd, bool claims_of_any_bundle);
  void settle(size_t library_index, const sdk::Status& outcome);
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
  if (policy().search == Policy::Search::system && !is_system_origin(dir.origin)) {
    notes.push_back("ignoring plugin folder '" + path + "' (" + dir.origin + "): the system policy '" + policy().path +
                    "' allows only system plugin folders (\"search\": \"system\")");
    return;
  }
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
      notes.push_back(
          "plugin folder '" + path + "' (" + dir.origin + ") " +
          (errno == ENOENT ? std::string("does not exist") : std::string("cannot be read: ") + std::strerror(errno)));
    return;
  }
  if (!S_ISDIR(st.st_mode)) {
    notes.push_back("plugin folder '" + path + "' (" + dir.origin + ") is not a folder");
    return;
  }
  // Owner and mode of the folder and of every folder on the way to it (symlinks resolved).
  PathCheck check = check_path(path, "plugin folder", AllowedOwners::root_or_self());
  std::string real = check.resolved.empty() ? path : check.resolved;
  if (std::find(scanned.begin(), scanned.end(), real) != scanned.end()) return;  // same folder twice
  scanned.push_back(real);

  std::string folder_problem = check.problem;
  if (!folder_problem.empty()) notes.push_back(folder_problem + " (its plugins are ignored)");
  const int folder_index = static_cast<int>(folders.size());
  folders.push_back(Folder{real, false, sdk::Status::ok(), {}});
  DIR* d = ::opendir(real.c_str());
  if (!d) {
    notes.push_back("plugin folder '" + real + "' (" + dir.origin + ") cannot be read: " + std::strerror(errno));
    return;
  }
  std::vector<std::string> names = manifest_names(d);
  ::closedir(d);
  for (const auto& name : names) add_from_manifest(real, name, dir.origin, folder_problem, folder_index);
}

void PluginRegistry::Impl::add_from_manifest(const std::string& folder, const std::string& name,
                                             const std::string& origin, const std::string& folder_problem,
                                             int folder_index) {
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
  if (::lstat(c.manifest.c_str(), &st) != 0)
    return invalid(std::string("cannot read manifest: ") + std::strerror(errno));
  std::string manifest_problem;
  if (S_ISLNK(st.st_mode)) {
    PathCheck mc = check_path(c.manifest, "manifest", AllowedOwners::root_or_self());
    manifest_problem = mc.problem;
    if (::stat(c.manifest.c_str(), &st) != 0)
      return invalid(std::string("cannot read manifest: ") + std::strerror(errno));
  } else {
    manifest_problem = check_leaf(st, c.manifest, "manifest", AllowedOwners::root_or_self());
  }
  if (!S_ISREG(st.st_mode)) return invalid("manifest is not a regular file");
  // Nothing of a manifest anyone else can change is read.
  if (folder_problem.empty() && !manifest_problem.empty()) return invalid(manifest_problem);
  auto manifest = read_manifest(c.manifest);
  if (!manifest) return invalid(manifest.status().message());
  const Manifest& m = *manifest;
  c.version = m.version;
  c.sdk_version = std::to_string(m.sdk_major) + "." + std::to_string(m.sdk_minor);
  c.description = m.description;
  c.library = m.library;

  if (!folder_problem.empty()) return invalid(folder_problem);
  // The folder is already checked and canonical and the manifest names a plain file in it, so
  // only a symlinked library needs the walk (its target and every folder on the way).
  std::string library = m.library;
  std::string library_problem;
  if (::lstat(library.c_str(), &st) == 0 && S_ISLNK(st.st_mode)) {
    PathCheck lc = check_path(library, "library", AllowedOwners::root_or_self());
    library_problem = lc.problem;
    library = lc.resolved;
    if (library_problem.empty() && ::stat(library.c_str(), &st) != 0) library.clear();
  } else if (::stat(library.c_str(), &st) == 0) {
    library_problem = check_leaf(st, library, "library", AllowedOwners::root_or_self());
  } else {
    library.clear();
  }
  if (library.empty() && library_problem.empty()) {
    std::string file = m.library.substr(m.library.find_last_of('/') + 1);
    return invalid("library '" + file + "' named by the manifest is missing");
  }
  if (!library.empty()) c.library = library;
  if (!library_problem.empty()) return invalid(library_problem);
  if (!S_ISREG(st.st_mode)) return invalid("library is not a regular file");

  // A manifest that says which SDK it needs lets us refuse without running any of its code.
  sdk::Status version_ok = check_sdk_version(m.id, m.sdk_major, m.sdk_minor);
  const int index = static_cast<int>(libraries.size());
  libraries.push_back(Library{m, library, folder_index, false, sdk::Status::ok(), {}, false, sdk::Status::ok()});
  // Under "pinned" or "signed", what no bundle or pin names is refused before anything is hashed.
  std::string untrusted = strict() ? untrusted_reason(libraries.back()) : std::string();
  if (!untrusted.empty() && version_ok) version_ok = sdk::Status::general(untrusted);
  if (const Bundle& b = bundle_of(folder_index).bundle; !b.name.empty() && b.find(file_of(m.library)))
    c.bundle = b.name + " " + b.version;
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

PluginRegistry::Impl::Folder& PluginRegistry::Impl::bundle_of(int folder_index) {
  Folder& f = folders[static_cast<size_t>(folder_index)];
  if (!f.bundle_read) {
    f.bundle_read = true;
    auto b = read_bundle(f.path);
    if (b)
      f.bundle = std::move(*b);
    else
      f.bundle_error = b.status();
  }
  return f;
}

std::string PluginRegistry::Impl::untrusted_reason(const Library& lib) {
  const std::string who = "plugin '" + lib.manifest.id + "' (" + lib.path + ")";
  Folder& f = bundle_of(lib.folder);
  if (!f.bundle_error) return who + " cannot be checked: " + f.bundle_error.message();
  const std::string file = file_of(lib.manifest.library);
  const bool listed = !f.bundle.name.empty() && f.bundle.find(file);
  if (policy().plugins == Policy::Plugins::signed_ && !listed)
    return who + " is not in a bundle: no bundle.json in '" + f.path + "' lists '" + file + "'; the system policy '" +
           policy().path + "' allows only plugins of bundles signed by a trusted key (\"plugins\": \"signed\")";
  if (policy().plugins == Policy::Plugins::pinned && !listed) {
    bool pinned = policy().pins.count(lib.manifest.id) > 0;
    for (const auto& c : lib.manifest.components) pinned = pinned || policy().pins.count(c.id) > 0;
    if (!pinned)
      return who + " is neither pinned nor in a bundle; the system policy '" + policy().path +
             "' allows only pinned plugins (\"plugins\": \"pinned\"): add its SHA-256 to \"pins\" or ship it in a "
             "signed bundle";
  }
  return {};
}

sdk::Status PluginRegistry::Impl::check_trust(Library& lib, int fd, bool claims_of_any_bundle) {
  using sdk::Status;
  const std::string who = "plugin '" + lib.manifest.id + "' (" + lib.path + ")";
  Folder& f = bundle_of(lib.folder);
  if (!f.bundle_error) return Status::general(who + " cannot be checked: " + f.bundle_error.message());
  Bundle& b = f.bundle;
  const BundleLibrary* entry = b.name.empty() ? nullptr : b.find(file_of(lib.manifest.library));
  const std::string* pin = nullptr;
  for (const auto& id : [&] {
         std::vector<std::string> ids{lib.manifest.id};
         for (const auto& c : lib.manifest.components) ids.push_back(c.id);
         return ids;
       }())
    if (auto it = policy().pins.find(id); !pin && it != policy().pins.end()) pin = &it->second;
  const auto mode = policy().plugins;
  if (mode == Policy::Plugins::any && !claims_of_any_bundle) return Status::ok();
  if (mode != Policy::Plugins::any && !entry && !pin) return Status::general(untrusted_reason(lib));

  // The hash of exactly the bytes that will be loaded: the open descriptor's.
  auto hash = sha256_of_fd(fd, lib.path);
  if (!hash) return hash.status();
  for (size_t i = 0; i < candidates.size(); ++i)
    if (library_of[i] >= 0 && &libraries[static_cast<size_t>(library_of[i])] == &lib) candidates[i].sha256 = *hash;

  bool bundle_trusted = false;
  if (entry) {
    if (auto s = verify_bundle_signature(b, policy()); !s) return s;
    bundle_trusted = b.state == Bundle::Signature::valid;
    if (bundle_trusted)
      for (size_t i = 0; i < candidates.size(); ++i)
        if (library_of[i] >= 0 && &libraries[static_cast<size_t>(library_of[i])] == &lib)
          candidates[i].signer = b.signer;
  }
  auto bundle_claims = [&]() -> Status {
    if (entry->sha256 != *hash)
      return Status::general(who + " does not match bundle '" + b.name + " " + b.version + "': its SHA-256 is " +
                             *hash + ", bundle.json lists " + entry->sha256 +
                             "; the file was changed after the bundle was made");
    auto manifest_hash = sha256_of_file(lib.manifest.path);
    if (!manifest_hash) return manifest_hash.status();
    if (!entry->manifest_sha256.empty() && entry->manifest_sha256 != *manifest_hash)
      return Status::general("manifest '" + lib.manifest.path + "' does not match bundle '" + b.name + " " + b.version +
                             "': its SHA-256 is " + *manifest_hash + ", bundle.json lists " + entry->manifest_sha256);
    return Status::ok();
  };
  const std::string suffix = "; the system policy '" + policy().path + "' requires ";
  switch (mode) {
    case Policy::Plugins::signed_:
      if (!bundle_trusted) return Status::general(who + ": " + b.problem + suffix + "a signature by a trusted key");
      return bundle_claims();
    case Policy::Plugins::pinned:
      if (pin) {
        if (*pin != *hash)
          return Status::general(who + " does not match its pin: its SHA-256 is " + *hash + ", the system policy '" +
                                 policy().path + "' pins " + *pin);
        return Status::ok();
      }
      if (!bundle_trusted)
        return Status::general(who + ": " + b.problem + suffix +
                               "a pin or a bundle signed by a trusted key (\"plugins\": \"pinned\")");
      return bundle_claims();
    case Policy::Plugins::any:
      if (!entry) return Status::ok();
      if (b.state == Bundle::Signature::bad) return Status::general(who + ": " + b.problem);
      return bundle_claims();
  }
  return Status::ok();
}

// Settles the state of every candidate a library holds after loading (or refusing) it.
void PluginRegistry::Impl::settle(size_t index, const sdk::Status& outcome) {
  Library& lib = libraries[index];
  for (size_t i = 0; i < candidates.size(); ++i) {
    if (library_of[i] != static_cast<int>(index)) continue;
    PluginCandidate& c = candidates[i];
    if (c.state == State::shadowed || c.state == State::invalid) continue;
    if (!outcome) {
      c.state = State::refused;
      c.reason = outcome.message();
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

// Loads a library once: the file is opened first, its owner and mode are checked on the open
// descriptor, and when the policy asks it is hashed from that descriptor and that same file is
// what dlopen maps (/proc/self/fd/N), so swapping the path in between changes nothing.
void PluginRegistry::Impl::load_library(size_t index) {
  Library& lib = libraries[index];
  if (lib.attempted) return;
  lib.attempted = true;
  const std::string who = "plugin '" + lib.manifest.id + "' (" + lib.path + ")";
  int fd = ::open(lib.path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  sdk::Status s;
  struct stat st {};
  if (fd < 0 || ::fstat(fd, &st) != 0) {
    s = sdk::Status::general(who + " cannot be opened: " + std::strerror(errno));
  } else if (auto why = check_leaf(st, lib.path, "library", AllowedOwners::root_or_self()); !why.empty()) {
    s = sdk::Status::general(why);
  } else if (strict() && !proc_fd_available()) {
    s = sdk::Status::general(who + " cannot be loaded safely: /proc/self/fd is not available, and the system policy '" +
                             policy().path + "' requires loading the checked file itself");
  } else if (strict()) {
    s = check_trust(lib, fd, false);
  }
  if (s) {
    // Under "any" nothing was hashed, and the owner checks already mean only root or the user
    // could swap the file, so it is loaded by its path (debuggers, perf and backtraces then name
    // the real file). What was hashed is loaded through its descriptor.
    const std::string from = strict() ? "/proc/self/fd/" + std::to_string(fd) : std::string();
    auto result = load_plugin(lib.manifest, lib.path, host ? host() : nullptr, from);
    if (!result)
      s = result.status();
    else
      lib.loaded = std::move(*result);
    // Once dlopen has seen it, the descriptor stays open until exit, even when a later check
    // refused the library (which stays mapped, never unloaded): glibc knows the library by the
    // name "/proc/self/fd/N" and would hand it out again if that number named another file.
  } else if (fd >= 0) {
    ::close(fd);
  }
  lib.outcome = s;
  settle(index, s);
}

void PluginRegistry::Impl::protect_system_plugins() {
  for (auto& [id, index] : winners) {
    PluginCandidate& w = candidates[index];
    if (is_system_origin(w.origin)) continue;
    for (size_t j = index + 1; j < candidates.size(); ++j) {
      PluginCandidate& sys = candidates[j];
      if (sys.id != id || sys.state != State::shadowed || !is_system_origin(sys.origin)) continue;
      const std::string kind = protected_kind(sys.kind) ? sys.kind : w.kind;
      if (protected_kind(kind) && !options.allow_shadowing) {
        // The safe default: the user's candidate is refused and the system one is used.
        w.state = State::refused;
        w.reason = std::string("refused: ").append(kind) + " plugin '" + id + "' from " + w.library + " (" + w.origin +
                   ") would replace the " + sys.origin + " one at " + sys.library +
                   "; to allow this deliberately, set \"allow_shadowing\": true in " + options.config_path;
        use_warnings[id] = "ignoring " + w.reason.substr(std::string("refused: ").size());
        sys.state = State::available;
        sys.reason.clear();
        index = j;
      } else if (!protected_kind(kind)) {
        use_warnings[id] = w.kind + " '" + id + "' from " + w.library + " (" + w.origin + ") shadows the " +
                           sys.origin + " one at " + sys.library;
      }
      break;
    }
  }
}

sdk::Result<LoadedComponent*> PluginRegistry::Impl::load(std::string_view id, std::string_view kind) {
  if (!options.policy.error) return options.policy.error;
  auto it = winners.find(id);
  if (it == winners.end()) {
    for (const auto& c : candidates)
      if (c.id == id && c.state == State::invalid)
        return sdk::Status::general("plugin '" + c.id + "' (" + c.manifest + ") cannot be used: " + c.reason);
    return sdk::Status::general("no " + std::string(kind) + " plugin '" + std::string(id) + "' (" +
                                available_list(kind) + ")");
  }
  const size_t index = it->second;
  if (auto w = use_warnings.find(id); w != use_warnings.end()) {
    warn(w->second);
    use_warnings.erase(w);
  }
  if (candidates[index].kind != kind)
    return sdk::Status::general("plugin '" + candidates[index].id + "' is a " + candidates[index].kind + ", not a " +
                                std::string(kind));
  if (candidates[index].state == State::refused) return sdk::Status::general(candidates[index].reason);
  if (candidates[index].state == State::available) load_library(static_cast<size_t>(library_of[index]));
  if (candidates[index].state != State::loaded) return sdk::Status::general(candidates[index].reason);
  return &components[index];
}

PluginRegistry::PluginRegistry(const std::vector<PluginSearchDir>& dirs, HostProvider host)
    : PluginRegistry(dirs, std::move(host), RegistryOptions{}) {}

PluginRegistry::PluginRegistry(const std::vector<PluginSearchDir>& dirs, HostProvider host, RegistryOptions options)
    : impl_(std::make_unique<Impl>()) {
  impl_->host = std::move(host);
  impl_->options = std::move(options);
  if (impl_->options.config_path.empty()) impl_->options.config_path = config_dir() + "/config.json";
  for (const auto& w : impl_->options.policy.warnings) impl_->warn(w);
  if (!impl_->options.policy.error) return;  // fail closed: no candidates, every use reports the error
  std::vector<std::string> scanned;
  for (const auto& dir : dirs) impl_->scan(dir, scanned);
  impl_->protect_system_plugins();
}

const Policy& PluginRegistry::policy() const { return impl_->policy(); }
const sdk::Status& PluginRegistry::policy_error() const { return impl_->options.policy.error; }

void PluginRegistry::verify(const std::string& folder) {
  for (size_t i = 0; i < impl_->libraries.size(); ++i) {
    auto& lib = impl_->libraries[i];
    if (lib.verified) continue;
    if (!folder.empty() && impl_->folders[static_cast<size_t>(lib.folder)].path != folder) continue;
    lib.verified = true;
    const std::string who = "plugin '" + lib.manifest.id + "' (" + lib.path + ")";
    int fd = ::open(lib.path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    struct stat st {};
    if (fd < 0 || ::fstat(fd, &st) != 0)
      lib.trust = sdk::Status::general(who + " cannot be opened: " + std::strerror(errno));
    else if (auto why = check_leaf(st, lib.path, "library", AllowedOwners::root_or_self()); !why.empty())
      lib.trust = sdk::Status::general(why);
    else
      lib.trust = impl_->check_trust(lib, fd, true);
    if (fd >= 0) ::close(fd);
    if (lib.trust) continue;
    for (size_t c = 0; c < impl_->candidates.size(); ++c) {
      auto& cand = impl_->candidates[c];
      if (impl_->library_of[c] != static_cast<int>(i) || cand.state == State::invalid) continue;
      cand.state = State::refused;
      cand.reason = lib.trust.message();
    }
  }
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

std::string PluginRegistry::environment_flow(const std::function<bool(const std::string&)>& is_set) const {
  std::string best;
  size_t best_count = 0;
  for (const auto& [id, index] : impl_->winners) {  // in id order, so ties go to the lower id
    const auto& c = impl_->candidates[index];
    if (c.kind != "flow" || c.flow.environment.empty() || c.flow.environment.size() <= best_count) continue;
    bool all = true;
    for (const auto& name : c.flow.environment) all = all && is_set(name);
    if (all) best = id, best_count = c.flow.environment.size();
  }
  return best;
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
