#pragma once
// Who may have put a file where entratool finds it: the ownership and mode checks made before any
// plugin code (or policy) is read. A file is acceptable when it and every folder from it up to
// "/" belong to an allowed owner (root or the user running entratool) and cannot be changed by
// group or others; a sticky folder (like /tmp) is fine as an ancestor, since nobody else can
// rename or replace what the user or root owns inside it. A symlink is judged by its target and
// every folder on the way to it. Results for folders are remembered for the process only.

#include <sys/stat.h>
#include <sys/types.h>

#include <string>
#include <vector>

namespace entratool::host {

/// The owners a check accepts; root (0) is always accepted.
struct AllowedOwners {
  std::vector<uid_t> uids;  ///< besides root
  /// Root and the effective user.
  static AllowedOwners root_or_self();
  bool accepts(uid_t uid) const;
};

/// What checking a path found.
struct PathCheck {
  std::string resolved;  ///< the path with every symlink resolved (when the walk got that far)
  std::string problem;   ///< empty when acceptable; otherwise one sentence naming the file and why
  bool ok() const { return problem.empty(); }
};

/// Checks `path` (absolute) and everything on the way to it. `what` names it in messages
/// ("plugin folder", "library", "policy file"). The path itself must never be writable by group
/// or others, even when sticky: a plugin folder others can write to can receive plugins of theirs.
PathCheck check_path(const std::string& path, const std::string& what, const AllowedOwners& owners);

/// Checks one file's own owner and mode (its folders already checked), from a stat of it.
std::string check_leaf(const struct stat& st, const std::string& path, const std::string& what,
                       const AllowedOwners& owners);

/// "user 'nobody' (uid 65534)" or "uid 4242" when the uid has no name.
std::string describe_owner(uid_t uid);

}  // namespace entratool::host
