#pragma once
/// \file files.h
/// Safe file handling for anything that holds secrets or state (support library): private
/// folders, atomic writes, and advisory locks that serialise read-modify-write across processes.

#include <cstddef>
#include <string>

#include "entratool/sdk/status.h"

namespace entratool::support::files {

/// Creates `dir` (and missing parents) with mode 0700. An existing folder is accepted when it is
/// a real folder owned by us; a folder that is group- or world-accessible is an error that says
/// how to fix it ("chmod 700 ...").
sdk::Status ensure_private_directory(const std::string& dir);

/// What read_file accepts. The defaults refuse anything that is not a regular file (a FIFO or a
/// device is opened O_NONBLOCK and refused, so it never hangs) and bound the size; the trust
/// rules are checked on the opened file (fstat), so a file swapped in between cannot slip through.
struct ReadRules {
  bool regular_only = true;                       ///< false: a pipe (e.g. `--file <(cmd)`) is read too, still bounded
  bool no_symlink = false;                        ///< refuse a symbolic link as the last path component
  bool owned_by_user = false;                     ///< refuse a file another user owns
  bool not_writable_by_others = false;            ///< refuse a group- or world-writable file ("chmod go-w")
  bool private_to_user = false;                   ///< refuse a file group or others can read ("chmod 600")
  std::size_t max_bytes = std::size_t{64} << 20;  ///< larger files are an error, never read whole
  const char* what = nullptr;  ///< how messages name the file ("the profiles file"); default: its path
};

/// The rules for a file whose content decides where secrets go (profiles.json, config.json):
/// no symlink, owned by the user, not writable by others. \since support 1.2
ReadRules trusted_file_rules(const char* what);
/// trusted_file_rules plus private_to_user: for secret and key files. \since support 1.2
ReadRules secret_file_rules(const char* what);

/// Reads a whole file under `rules`. ErrorCategory::general with the path, the system's reason or
/// the rule broken, and the command that fixes it (e.g. "run 'chmod 600 FILE'") on failure.
sdk::Result<std::string> read_file(const std::string& path, const ReadRules& rules = {});
/// Checks a folder holding trusted files: a real folder (no symlink), owned by the user, not
/// writable by group or others. \since support 1.2
sdk::Status check_trusted_directory(const std::string& dir);
/// Removes the temporary files atomic_write leaves when a writer is killed ("<file>.tmp-<pid>-*")
/// for `path`, when their writer process is gone. Call it while holding the lock that serialises
/// writers of `path`. \since support 1.2
void remove_stale_temporaries(const std::string& path);
/// True when something exists at `path` (not following a final symlink).
bool exists(const std::string& path);

/// Writes `data` to `path` atomically: a temporary file in the same folder created
/// O_CREAT|O_EXCL|O_NOFOLLOW with `mode` (default 0600, never chmod-ed after), written, fsync-ed,
/// renamed over `path`, then the folder fsync-ed. Readers see the old file or the new one.
sdk::Status atomic_write(const std::string& path, const std::string& data, unsigned mode = 0600);

/// An exclusive flock(2) on a lock file that is created 0600 and never deleted (deleting lock
/// files is what breaks other tools under parallel jobs). Released by the destructor.
class FileLock {
 public:
  FileLock() = default;
  FileLock(FileLock&& other) noexcept;
  FileLock& operator=(FileLock&& other) noexcept;
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;
  ~FileLock();

  /// Blocks until the lock is held (or `timeout_ms` passes: ErrorCategory::timeout; <0 = forever).
  static sdk::Result<FileLock> acquire(const std::string& lock_path, int timeout_ms = -1);
  bool held() const noexcept { return fd_ >= 0; }

 private:
  explicit FileLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace entratool::support::files
