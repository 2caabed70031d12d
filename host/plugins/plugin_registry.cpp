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
#include <deque>
#include <map>

#include "plugins/bundle.h"
#include "plugins/library_file.h"
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
  // A search folder that exists and may be used, in search order.
  struct Dir {
    std::string path;  // canonical
    std::string origin;
    std::string problem;              // why its plugins are not trusted; empty when they may be
    int folder = -1;                  // index into folders
    bool system = false;              // bundled or system: the administrator's
    std::vector<std::string> probed;  // manifest names already looked for, before the full read
    bool names_read = false;          // `names` holds the folder's manifests
    std::vector<std::string> names;   // sorted
  };
  // One candidate and what the registry keeps about it. `c` points into `listed` or `probed`,
  // both deques, so pointers handed out stay valid while the registry lives.
  struct Entry {
    PluginCandidate* c = nullptr;
    int library = -1;         // index into libraries; -1 for an invalid manifest
    int dir = -1;             // index into dirs: the search order
    std::string name;         // the manifest's file name: the order inside a folder
    int component = 0;        // its place in the manifest
    bool primary = false;     // the manifest is named after this id (<id>.plugin.json)
    std::string refusal;      // refused before any decision (SDK version, policy); empty otherwise
    bool blocked = false;     // a user candidate kept from replacing a system one: never loaded
    bool from_probe = false;  // found by id before the full read; out of play once complete
    LoadedComponent component_loaded;
  };

  HostProvider host;
  RegistryOptions options;
  std::vector<Folder> folders;
  std::vector<Dir> dirs;
  std::deque<PluginCandidate> listed;  // every candidate once all folders are read, in search order
  std::deque<PluginCandidate> probed;  // candidates read by name before that
  std::deque<Entry> entries;           // one per candidate, listed and probed
  std::vector<Library> libraries;
  std::vector<std::string> notes;
  bool complete = false;  // every folder read: `listed` is the whole picture
  size_t manifests_read = 0;
  // id -> its winner (nullptr: none), decided once per id; all of them once complete.
  std::map<std::string, Entry*, std::less<>> winners;
  std::map<std::string, std::string, std::less<>> use_warnings;  // id -> warning shown when it is used

  const Policy& policy() const { return options.policy.policy; }
  bool strict() const { return policy().plugins != Policy::Plugins::any; }
  void warn(const std::string& text) {
    if (options.warn) options.warn(text);
  }
  void prepare(const PluginSearchDir& dir, std::vector<std::string>& seen);
  // `known`: the manifest's lstat when the caller has made it (read_one, to see it exists).
  std::vector<PluginCandidate> read_manifest_file(const Dir& dir, const std::string& name, std::vector<Entry>& made,
                                                  const struct stat* known = nullptr);
  void read_dir(size_t dir_index, std::vector<std::pair<PluginCandidate, Entry>>& out);
  void read_everything();
  const std::vector<std::string>& names_in(Dir& dir);
  void read_one(Dir& dir, const std::string& name);
  void probe(std::string_view id);
  bool in_play(const Entry& e) const { return complete ? !e.from_probe : e.from_probe; }
  Entry* decide(std::string_view id);
  Entry* choose(std::string_view id, bool primaries_only);
  Folder& bundle_of(int folder_index);
  std::string untrusted_reason(const Library& lib);
  sdk::Status check_trust(Library& lib, int fd, bool claims_of_any_bundle);
  void settle(size_t library_index, const sdk::Status& outcome);
  sdk::Result<LoadedComponent*> load(std::string_view id, std::string_view kind);
  void load_library(size_t index);
  std::string available_list(std::string_view kind);
  int library_for(const Manifest& m, const std::string& library_path, int folder_index);
  template <class F>
  void for_each_entry_of_library(int library, F f) {
    for (auto& e : entries)
      if (e.library == library) f(e);
  }
};

// A folder of the search path, checked before anything in it is read: it exists, is absolute,
// is owned and moded as it must be (and every folder above it), and was not seen before.
void PluginRegistry::Impl::prepare(const PluginSearchDir& dir, std::vector<std::string>& seen) {
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
  if (std::find(seen.begin(), seen.end(), real) != seen.end()) return;  // same folder twice
  seen.push_back(real);
  if (!check.problem.empty()) notes.push_back(check.problem + " (its plugins are ignored)");
  const int folder_index = static_cast<int>(folders.size());
  folders.push_back(Folder{real, false, sdk::Status::ok(), {}});
  dirs.push_back(Dir{real, dir.origin, check.problem, folder_index, is_system_origin(dir.origin), {}, false, {}});
}

int PluginRegistry::Impl::library_for(const Manifest& m, const std::string& library_path, int folder_index) {
  // A manifest read twice (found by id first, then in the full read) is one library.
  for (size_t i = 0; i < libraries.size(); ++i)
    if (libraries[i].manifest.path == m.path) return static_cast<int>(i);
  libraries.push_back(Library{m, library_path, folder_index, false, sdk::Status::ok(), {}, false, sdk::Status::ok()});
  return static_cast<int>(libraries.size() - 1);
}

// Reads one manifest of a checked folder into candidates (one per component, or one invalid
// candidate named after the file), with their entries in `made` (pointers not set yet).
std::vector<PluginCandidate> PluginRegistry::Impl::read_manifest_file(const Dir& dir, const std::string& name,
                                                                      std::vector<Entry>& made,
                                                                      const struct stat* known) {
  std::vector<PluginCandidate> out;
  PluginCandidate c;
  c.origin = dir.origin;
  c.manifest = dir.path + "/" + name;
  c.id = name.substr(0, name.size() - kManifestSuffix.size());
  c.library_id = c.id;
  const int dir_index = static_cast<int>(&dir - dirs.data());
  auto invalid = [&](std::string reason) {
    c.state = State::invalid;
    c.reason = std::move(reason);
    Entry e;
    e.dir = dir_index;
    e.name = name;
    e.primary = true;
    made.push_back(std::move(e));
    out.push_back(std::move(c));
    return out;
  };

  struct stat st {};
  if (known)
    st = *known;
  else if (::lstat(c.manifest.c_str(), &st) != 0)
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
  if (dir.problem.empty() && !manifest_problem.empty()) return invalid(manifest_problem);
  ++manifests_read;
  auto manifest = read_manifest(c.manifest);
  if (!manifest) return invalid(manifest.status().message());
  const Manifest& m = *manifest;
  c.version = m.version;
  c.sdk_version = std::to_string(m.sdk_major) + "." + std::to_string(m.sdk_minor);
  c.description = m.description;
  c.library = m.library;

  if (!dir.problem.empty()) return invalid(dir.problem);
  // The folder is already checked and canonical and the manifest names a plain file in it, so
  // only a symlinked library needs the walk (its target and every folder on the way).
  std::string library = m.library;
  std::string library_problem;
  const bool library_found = ::lstat(library.c_str(), &st) == 0;
  if (library_found && S_ISLNK(st.st_mode)) {
    PathCheck lc = check_path(library, "library", AllowedOwners::root_or_self());
    library_problem = lc.problem;
    library = lc.resolved;
    if (library_problem.empty() && ::stat(library.c_str(), &st) != 0) library.clear();
  } else if (library_found) {  // a plain file (or not a file: refused below) in the checked folder
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
  const int index = library_for(m, library, dir.folder);
  // Under "pinned" or "signed", what no bundle or pin names is refused before anything is hashed.
  std::string untrusted = strict() ? untrusted_reason(libraries[static_cast<size_t>(index)]) : std::string();
  if (!untrusted.empty() && version_ok) version_ok = sdk::Status::general(untrusted);
  if (const Bundle& b = bundle_of(dir.folder).bundle; !b.name.empty() && b.find(file_of(m.library)))
    c.bundle = b.name + " " + b.version;
  int position = 0;
  for (const auto& component : m.components) {
    PluginCandidate cc = c;
    cc.id = component.id;
    cc.kind = component.kind;
    cc.flow = component.flow;
    if (!component.description.empty()) cc.description = component.description;
    Entry e;
    e.library = index;
    e.dir = dir_index;
    e.name = name;
    e.component = position++;
    e.primary = component.id == c.library_id;
    if (!version_ok) e.refusal = version_ok.message();
    made.push_back(std::move(e));
    out.push_back(std::move(cc));
  }
  return out;
}

void PluginRegistry::Impl::read_dir(size_t dir_index, std::vector<std::pair<PluginCandidate, Entry>>& out) {
  Dir& dir = dirs[dir_index];
  for (const auto& name : names_in(dir)) {
    std::vector<Entry> made;
    std::vector<PluginCandidate> found = read_manifest_file(dir, name, made);
    for (size_t i = 0; i < found.size(); ++i) out.emplace_back(std::move(found[i]), std::move(made[i]));
  }
}

// The manifests of a folder, listed once.
const std::vector<std::string>& PluginRegistry::Impl::names_in(Dir& dir) {
  if (dir.names_read) return dir.names;
  dir.names_read = true;
  DIR* d = ::opendir(dir.path.c_str());
  if (!d) {
    notes.push_back("plugin folder '" + dir.path + "' (" + dir.origin + ") cannot be read: " + std::strerror(errno));
    return dir.names;
  }
  dir.names = manifest_names(d);
  ::closedir(d);
  return dir.names;
}

// Reads every folder: from now on `listed` holds every candidate in search order, and every id
// is decided among them (a manifest read by name before is read again; its library is the same).
void PluginRegistry::Impl::read_everything() {
  if (complete) return;
  complete = true;
  std::vector<std::pair<PluginCandidate, Entry>> found;
  for (size_t i = 0; i < dirs.size(); ++i) read_dir(i, found);
  for (auto& [c, e] : found) {
    listed.push_back(std::move(c));
    e.c = &listed.back();
    entries.push_back(std::move(e));
  }
  winners.clear();
  use_warnings.clear();
  std::vector<std::string> ids;
  for (const auto& c : listed) ids.push_back(c.id);
  for (const auto& id : ids) (void)decide(id);
  for (size_t i = 0; i < libraries.size(); ++i)
    if (libraries[i].attempted) settle(i, libraries[i].outcome);
}

// Reads one manifest of a folder by name, once, before the full read.
void PluginRegistry::Impl::read_one(Dir& dir, const std::string& name) {
  if (std::find(dir.probed.begin(), dir.probed.end(), name) != dir.probed.end()) return;
  dir.probed.push_back(name);
  struct stat st {};
  if (::lstat((dir.path + "/" + name).c_str(), &st) != 0) return;
  std::vector<Entry> made;
  std::vector<PluginCandidate> found = read_manifest_file(dir, name, made, &st);
  for (size_t i = 0; i < found.size(); ++i) {
    probed.push_back(std::move(found[i]));
    made[i].c = &probed.back();
    made[i].from_probe = true;
    entries.push_back(std::move(made[i]));
  }
}

// Looks for <id>.plugin.json in every folder.
void PluginRegistry::Impl::probe(std::string_view id) {
  if (complete || !is_valid_plugin_id(id)) return;
  const std::string name = std::string(id).append(kManifestSuffix);
  for (auto& dir : dirs) read_one(dir, name);
}

// The rule for an id: a manifest named after it (<id>.plugin.json) claims it first, in search
// order; only when no folder has one does a component of another manifest, again in search
// order. So a look-up by id needs only the files named after it.
PluginRegistry::Impl::Entry* PluginRegistry::Impl::choose(std::string_view id, bool primaries_only) {
  auto earlier = [](const Entry* a, const Entry* b) {
    if (a->dir != b->dir) return a->dir < b->dir;
    if (a->name != b->name) return a->name < b->name;
    return a->component < b->component;
  };
  Entry* primary = nullptr;
  Entry* other = nullptr;
  for (auto& e : entries) {
    if (!in_play(e) || e.c->id != id || e.c->state == State::invalid) continue;
    Entry*& best = e.primary ? primary : other;
    if (!best || earlier(&e, best)) best = &e;
  }
  return primary || primaries_only ? primary : other;
}

// Decides an id once: its winner, the candidates it shadows, and whether a user candidate must
// give way to a system one (a secret store or flow from a user folder may not replace a bundled
// or system one unless the user's config allows it; a formatter may, with a warning).
PluginRegistry::Impl::Entry* PluginRegistry::Impl::decide(std::string_view id) {
  if (auto it = winners.find(id); it != winners.end()) return it->second;
  Entry* w = nullptr;
  if (!complete) {
    probe(id);
    w = choose(id, true);
    // No manifest is named after it: a component of any manifest in any folder may claim it.
    if (!w) read_everything();
  }
  if (complete) {
    if (auto it = winners.find(id); it != winners.end()) return it->second;
    w = choose(id, false);
  }
  if (w && !is_system_origin(w->c->origin)) {
    // Any component of a system manifest may be the one it would replace: read them all (few).
    if (!complete)
      for (auto& dir : dirs)
        if (dir.system)
          for (const auto& name : names_in(dir)) read_one(dir, name);
    Entry* sys = nullptr;  // the system candidate it would replace: the first in search order
    for (auto& e : entries)
      if (in_play(e) && e.c->id == id && e.c->state != State::invalid && is_system_origin(e.c->origin) &&
          (!sys || e.dir < sys->dir))
        sys = &e;
    if (sys) {
      const std::string kind = protected_kind(sys->c->kind) ? sys->c->kind : w->c->kind;
      if (protected_kind(kind) && !options.allow_shadowing) {
        // The safe default: the user's candidate is refused and the system one is used.
        w->blocked = true;
        w->c->state = State::refused;
        w->c->reason = std::string("refused: ").append(kind) + " plugin '" + std::string(id) + "' from " +
                       w->c->library + " (" + w->c->origin + ") would replace the " + sys->c->origin + " one at " +
                       sys->c->library + "; to allow this deliberately, set \"allow_shadowing\": true in " +
                       options.config_path;
        use_warnings[std::string(id)] = "ignoring " + w->c->reason.substr(std::string("refused: ").size());
        w = sys;
      } else if (!protected_kind(kind)) {
        use_warnings[std::string(id)] = w->c->kind + " '" + std::string(id) + "' from " + w->c->library + " (" +
                                        w->c->origin + ") shadows the " + sys->c->origin + " one at " + sys->c->library;
      }
    }
  }
  if (w && w->c->state == State::available && !w->refusal.empty()) {
    w->c->state = State::refused;
    w->c->reason = w->refusal;
  }
  for (auto& e : entries) {
    if (!in_play(e) || &e == w || e.blocked || e.c->id != id || e.c->state == State::invalid) continue;
    e.c->state = State::shadowed;
    e.c->reason = "shadowed by " + w->c->library + " (" + w->c->origin + "), which comes first in the search order";
    if (w->primary && !e.primary)
      e.c->reason = "shadowed by " + w->c->library + " (" + w->c->origin + "), whose manifest is named after the id";
  }
  winners.emplace(std::string(id), w);
  return w;
}

std::string PluginRegistry::Impl::available_list(std::string_view kind) {
  read_everything();
  std::string list;
  for (const auto& [id, w] : winners) {
    if (!w) continue;
    const auto& c = *w->c;
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
  const int lib_index = static_cast<int>(&lib - libraries.data());
  for_each_entry_of_library(lib_index, [&](Entry& e) { e.c->sha256 = *hash; });

  bool bundle_trusted = false;
  if (entry) {
    if (auto s = verify_bundle_signature(b, policy()); !s) return s;
    bundle_trusted = b.state == Bundle::Signature::valid;
    if (bundle_trusted) for_each_entry_of_library(lib_index, [&](Entry& e) { e.c->signer = b.signer; });
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
  for_each_entry_of_library(static_cast<int>(index), [&](Entry& e) {
    PluginCandidate& c = *e.c;
    if (c.state == State::shadowed || c.state == State::invalid || e.blocked) return;
    if (!outcome) {
      c.state = State::refused;
      c.reason = outcome.message();
      return;
    }
    const auto* d = lib.loaded.descriptor;
    c.state = State::loaded;
    c.reason.clear();
    c.sdk_version = std::to_string(d->sdk_major) + "." + std::to_string(d->sdk_minor);
    c.built_with = d->built_with ? d->built_with : "";
    for (const auto& component : lib.loaded.components)
      if (component.kind == c.kind && component.id == c.id) e.component_loaded = component;
  });
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
  // After the hash (a changed file is named as such): glibc maps the segments the program
  // headers name, and a file cut short is SIGBUS inside dlopen.
  if (s)
    if (auto cut = truncated_library(fd, static_cast<uint64_t>(st.st_size)); !cut.empty())
      s = sdk::Status::general(who + " cannot be loaded: the file " + cut + "; reinstall the plugin");
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

sdk::Result<LoadedComponent*> PluginRegistry::Impl::load(std::string_view id, std::string_view kind) {
  if (!options.policy.error) return options.policy.error;
  Entry* w = decide(id);
  if (!w) {
    read_everything();
    for (const auto& c : listed)
      if (c.id == id && c.state == State::invalid)
        return sdk::Status::general("plugin '" + c.id + "' (" + c.manifest + ") cannot be used: " + c.reason);
    return sdk::Status::general("no " + std::string(kind) + " plugin '" + std::string(id) + "' (" +
                                available_list(kind) + ")");
  }
  if (auto warning = use_warnings.find(id); warning != use_warnings.end()) {
    warn(warning->second);
    use_warnings.erase(warning);
  }
  PluginCandidate& c = *w->c;
  if (c.kind != kind)
    return sdk::Status::general("plugin '" + c.id + "' is a " + c.kind + ", not a " + std::string(kind));
  if (c.state == State::refused) return sdk::Status::general(c.reason);
  if (c.state == State::available) load_library(static_cast<size_t>(w->library));
  if (c.state != State::loaded) return sdk::Status::general(c.reason);
  return &w->component_loaded;
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
  // The folders are checked now; their manifests are read by name as questions need them, and
  // all of them only when a question is about everything (read_everything).
  std::vector<std::string> seen;
  for (const auto& dir : dirs) impl_->prepare(dir, seen);
}

const Policy& PluginRegistry::policy() const { return impl_->policy(); }
const sdk::Status& PluginRegistry::policy_error() const { return impl_->options.policy.error; }

void PluginRegistry::verify(const std::string& folder) {
  impl_->read_everything();
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
    impl_->for_each_entry_of_library(static_cast<int>(i), [&](Impl::Entry& e) {
      if (e.c->state == State::invalid) return;
      e.c->state = State::refused;
      e.c->reason = lib.trust.message();
    });
  }
}

// Only host-side bookkeeping goes here: the libraries and plugin objects live on (plugin_loader).
PluginRegistry::~PluginRegistry() = default;

const std::deque<PluginCandidate>& PluginRegistry::candidates() const {
  impl_->read_everything();
  return impl_->listed;
}
const std::vector<std::string>& PluginRegistry::notes() const {
  impl_->read_everything();  // a folder that cannot be listed is noted then
  return impl_->notes;
}
size_t PluginRegistry::manifests_read() const { return impl_->manifests_read; }

const PluginCandidate* PluginRegistry::find(std::string_view id) const {
  const Impl::Entry* w = impl_->decide(id);
  return w ? w->c : nullptr;
}

// Every winner of the complete picture, in id order (a std::map).
template <class F>
void PluginRegistry::for_each_winner(F f) const {
  impl_->read_everything();
  for (const auto& [id, w] : impl_->winners)
    if (w) f(id, *w->c);
}

std::vector<std::string> PluginRegistry::ids_of_kind(std::string_view kind) const {
  std::vector<std::string> ids;
  for_each_winner([&](const std::string& id, const PluginCandidate& c) {
    if (c.kind == kind && (c.state == State::available || c.state == State::loaded)) ids.push_back(id);
  });
  return ids;
}

std::string PluginRegistry::resolve_flow_name(std::string_view name) const {
  // The flow's own id, found by its manifest's name alone.
  if (is_valid_plugin_id(name))
    if (const PluginCandidate* c = find(name); c && c->kind == "flow") return c->id;
  const std::string folded = fold_name(name);
  if (folded.empty()) return lower(name);
  std::string found;
  for_each_winner([&](const std::string& id, const PluginCandidate& c) {
    if (found.empty() && c.kind == "flow" && fold_name(id) == folded) found = id;
  });
  for_each_winner([&](const std::string& id, const PluginCandidate& c) {
    if (!found.empty() || c.kind != "flow") return;
    for (const auto& alias : c.flow.aliases)
      if (fold_name(alias) == folded) found = id;
  });
  return found.empty() ? lower(name) : found;
}

std::string PluginRegistry::default_flow_for(std::string_view auth_method) const {
  auto declares = [&](const PluginCandidate& c) {
    return c.kind == "flow" && c.state != State::invalid &&
           std::find(c.flow.default_for.begin(), c.flow.default_for.end(), auth_method) != c.flow.default_for.end();
  };
  // The first candidate in search order that declares it and wins its id. The flow the host
  // picks on its own is an administrator's: from bundled or system folders only, so a plugin
  // dropped in a user folder cannot take the client secret of every profile without a flow;
  // from any folder when the user's config allows shadowing.
  const bool any_origin = impl_->options.allow_shadowing;
  auto wins = [&](const PluginCandidate& c) {
    const PluginCandidate* w = find(c.id);
    return w && w->manifest == c.manifest && declares(*w) && (any_origin || is_system_origin(w->origin));
  };
  if (any_origin) impl_->read_everything();
  if (impl_->complete) {
    for (const auto& c : impl_->listed)
      if ((any_origin || is_system_origin(c.origin)) && declares(c) && wins(c)) return c.id;
    return {};
  }
  // Without the full read: the system folders' manifests one by one, in order, until one declares it.
  for (size_t i = 0; i < impl_->dirs.size(); ++i) {
    if (!impl_->dirs[i].system) continue;
    const std::vector<std::string> names = impl_->names_in(impl_->dirs[i]);
    for (const auto& name : names) {
      impl_->read_one(impl_->dirs[i], name);
      std::vector<std::string> declared;
      for (const auto& e : impl_->entries)
        if (e.from_probe && e.dir == static_cast<int>(i) && e.name == name && declares(*e.c))
          declared.push_back(e.c->id);
      for (const auto& id : declared) {
        const PluginCandidate* w = find(id);
        if (impl_->complete) return default_flow_for(auth_method);  // deciding it needed everything
        if (w && declares(*w) && is_system_origin(w->origin)) return id;
      }
    }
  }
  return {};
}

std::string PluginRegistry::refresh_flow() const {
  std::string found;
  for_each_winner([&](const std::string& id, const PluginCandidate& c) {
    if (found.empty() && c.kind == "flow" && c.flow.refresh_tokens == FlowDeclaration::RefreshTokens::redeems)
      found = id;
  });
  return found;
}

std::string PluginRegistry::browserless_sign_in_flow() const {
  std::string found;
  for_each_winner([&](const std::string& id, const PluginCandidate& c) {
    if (found.empty() && c.kind == "flow" && c.flow.interactive && !c.flow.browser) found = id;
  });
  return found;
}

std::string PluginRegistry::environment_flow(const std::function<bool(const std::string&)>& is_set) const {
  std::string best;
  size_t best_count = 0;
  for_each_winner([&](const std::string& id, const PluginCandidate& c) {  // in id order: ties go to the lower id
    if (c.kind != "flow" || c.flow.environment.empty() || c.flow.environment.size() <= best_count) return;
    bool all = true;
    for (const auto& name : c.flow.environment) all = all && is_set(name);
    if (all) best = id, best_count = c.flow.environment.size();
  });
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
  impl_->read_everything();
  std::vector<std::pair<std::string, std::string>> todo;
  for (const auto& [id, w] : impl_->winners)
    if (w && w->c->state == State::available) todo.emplace_back(id, w->c->kind);
  for (const auto& [id, kind] : todo) (void)impl_->load(id, kind);
}

}  // namespace entratool::host
