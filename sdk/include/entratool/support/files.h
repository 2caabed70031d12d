#pragma once
/// \file files.h
/// Safe file handling for anything that holds secrets or state (support library): private
/// folders, atomic writes, and advisory locks that serialise read-modify-write across processes.

#include <string>

#include "entratool/sdk/status.h"

namespace entratool::support::files {

/// Creates `dir` (and missing parents) with mode 0700. An existing folder is accepted when it is
/// a real folder owned by us; a folder that is group- or world-accessible is an error that says
/// how to fix it ("chmod 700 ...").
sdk::Status ensure_private_directory(const std::string& dir);

/// Reads a whole file. ErrorCategory::general with the path and the system's reason on failure.
sdk::Result<std::string> read_file(const std::string& path);
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
