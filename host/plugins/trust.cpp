#include "plugins/trust.h"

#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <deque>
#include <map>

namespace entratool::host {

namespace {

bool writable_by_others(const struct stat& st) { return (st.st_mode & (S_IWGRP | S_IWOTH)) != 0; }

std::string join(const std::string& folder, const std::string& name) {
  return folder == "/" ? "/" + name : folder + "/" + name;
}

std::string parent_of(const std::string& p) {
  auto slash = p.find_last_of('/');
  return slash == std::string::npos || slash == 0 ? std::string("/") : p.substr(0, slash);
}

void split_into(const std::string& path, std::deque<std::string>& out, bool front) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    std::string part = path.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    if (!part.empty() && part != ".") parts.push_back(part);
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  if (front)
    out.insert(out.begin(), parts.begin(), parts.end());
  else
    out.insert(out.end(), parts.begin(), parts.end());
}

// Ancestor folders seen in this process, with their verdict (only for one owner set: the
// common case). Nothing is written anywhere, so nothing an attacker could edit is trusted.
std::map<std::string, std::string>& ancestor_cache() {
  static auto* cache = new std::map<std::string, std::string>();
  return *cache;
}

// A folder this process already found to be a trusted folder (so it is no symlink either).
bool known_good_folder(const std::string& folder, bool cacheable) {
  if (!cacheable) return false;
  auto it = ancestor_cache().find(folder);
  return it != ancestor_cache().end() && it->second.empty();
}

// `known`: the folder's lstat when the caller has just made it.
std::string check_ancestor(const std::string& folder, const std::string& path, const std::string& what,
                           const AllowedOwners& owners, bool cacheable, const struct stat* known = nullptr) {
  if (cacheable) {
    auto it = ancestor_cache().find(folder);
    if (it != ancestor_cache().end())
      return it->second.empty() ? std::string() : what + " '" + path + "': " + it->second;
  }
  struct stat st {};
  std::string why;
  if (known) st = *known;
  if (!known && ::lstat(folder.c_str(), &st) != 0)
    why = "folder '" + folder + "' cannot be read: " + std::strerror(errno);
  else if (!S_ISDIR(st.st_mode))
    why = "'" + folder + "' on its way is not a folder";
  else if (!owners.accepts(st.st_uid))
    why = "folder '" + folder + "' on its way is owned by " + describe_owner(st.st_uid) + ", not by root or you";
  else if (writable_by_others(st) && !(st.st_mode & S_ISVTX))
    why = "folder '" + folder + "' on its way is group- or world-writable (and not sticky); fix with: chmod go-w '" +
          folder + "'";
  if (cacheable) ancestor_cache()[folder] = why;
  return why.empty() ? why : what + " '" + path + "': " + why;
}

}  // namespace

AllowedOwners AllowedOwners::root_or_self() {
  static const uid_t self = ::geteuid();  // the host never changes its user
  return AllowedOwners{{self}};
}

bool AllowedOwners::accepts(uid_t uid) const {
  return uid == 0 || std::find(uids.begin(), uids.end(), uid) != uids.end();
}

std::string describe_owner(uid_t uid) {
  struct passwd pw {};
  struct passwd* found = nullptr;
  char buf[1024];
  if (::getpwuid_r(uid, &pw, buf, sizeof buf, &found) == 0 && found)
    return "user '" + std::string(found->pw_name) + "' (uid " + std::to_string(uid) + ")";
  return "uid " + std::to_string(uid);
}

std::string check_leaf(const struct stat& st, const std::string& path, const std::string& what,
                       const AllowedOwners& owners) {
  if (!owners.accepts(st.st_uid))
    return what + " '" + path + "' is owned by " + describe_owner(st.st_uid) +
           ", not by root or you; only files of root or your own are trusted";
  if (writable_by_others(st))
    return what + " '" + path + "' is group- or world-writable; fix with: chmod go-w '" + path + "'";
  return {};
}

PathCheck check_path(const std::string& path, const std::string& what, const AllowedOwners& owners) {
  PathCheck result;
  const AllowedOwners self = AllowedOwners::root_or_self();
  const bool cacheable = owners.uids == self.uids;
  std::deque<std::string> pending;
  split_into(path, pending, false);
  std::string current = "/";
  if (auto why = check_ancestor("/", path, what, owners, cacheable); !why.empty()) {
    result.problem = why;
    return result;
  }
  int links = 0;
  while (!pending.empty()) {
    std::string part = pending.front();
    pending.pop_front();
    if (part == "..") {
      current = parent_of(current);
      continue;
    }
    std::string next = join(current, part);
    if (!pending.empty() && known_good_folder(next, cacheable)) {  // checked before in this process
      current = next;
      continue;
    }
    struct stat st {};
    if (::lstat(next.c_str(), &st) != 0) {
      result.problem = std::string(what) + " '" + path + "' cannot be read: " + std::strerror(errno) +
                       (next == path ? std::string() : " ('" + next + "')");
      return result;
    }
    if (S_ISLNK(st.st_mode)) {
      // The link itself lives in `current`, already checked; what it points to is checked next.
      if (++links > 40) {
        result.problem = std::string(what) + " '" + path + "' has too many levels of symbolic links";
        return result;
      }
      char buf[PATH_MAX];
      ssize_t n = ::readlink(next.c_str(), buf, sizeof buf - 1);
      if (n <= 0) {
        result.problem = std::string(what) + " '" + path + "': the symlink '";
        result.problem.append(next).append("' cannot be read");
        return result;
      }
      std::string target(buf, static_cast<size_t>(n));
      if (target[0] == '/') current = "/";
      split_into(target, pending, true);
      continue;
    }
    if (!pending.empty()) {
      if (auto why = check_ancestor(next, path, what, owners, cacheable, &st); !why.empty()) {
        result.problem = why;
        return result;
      }
    } else {
      std::string why = check_leaf(st, next, what, owners);
      if (!why.empty()) {
        // Name the file the user gave, and the target when a symlink led elsewhere.
        result.problem = next == path ? why : std::string(why) + " (reached through '" + path + "')";
        result.resolved = next;
        return result;
      }
    }
    current = next;
  }
  result.resolved = current;
  return result;
}

}  // namespace entratool::host
