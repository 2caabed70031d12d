#include "entratool/support/files.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <random>
#include <string_view>
#include <thread>

namespace entratool::support::files {

using sdk::Result;
using sdk::Status;

namespace {
std::string reason() { return std::strerror(errno); }

std::string parent_of(const std::string& path) {
  auto slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

bool write_all(int fd, const char* data, size_t size) {
  while (size > 0) {
    ssize_t n = ::write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}
}  // namespace

Status ensure_private_directory(const std::string& dir) {
  if (dir.empty()) return Status::general("empty folder name");
  struct stat st {};
  if (::lstat(dir.c_str(), &st) == 0) {
    if (!S_ISDIR(st.st_mode)) return Status::general("'" + dir + "' exists but is not a folder");
    if (st.st_uid != ::geteuid())
      return Status::general("folder '" + dir + "' belongs to another user; refusing to keep secrets in it");
    if (st.st_mode & 077)
      return Status::general("folder '" + dir + "' is accessible to other users; run 'chmod 700 " + dir +
                             "' and try again");
    return Status::ok();
  }
  if (errno != ENOENT) return Status::general("cannot use folder '" + dir + "': " + reason());
  std::string parent = parent_of(dir);
  if (parent != dir && !exists(parent)) {
    // Parents are ordinary folders (e.g. ~/.config); only the last one must be private.
    std::string partial;
    size_t pos = 0;
    while ((pos = parent.find('/', pos + 1)) != std::string::npos) {
      partial = parent.substr(0, pos);
      if (!partial.empty()) ::mkdir(partial.c_str(), 0755);
    }
    if (::mkdir(parent.c_str(), 0755) != 0 && errno != EEXIST)
      return Status::general("cannot create folder '" + parent + "': " + reason());
  }
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
    return Status::general("cannot create folder '" + dir + "': " + reason());
  return Status::ok();
}

ReadRules trusted_file_rules(const char* what) {
  ReadRules r;
  r.no_symlink = r.owned_by_user = r.not_writable_by_others = true;
  r.what = what;
  return r;
}

ReadRules secret_file_rules(const char* what) {
  ReadRules r = trusted_file_rules(what);
  r.private_to_user = true;
  return r;
}

namespace {
/// The rule an opened file breaks, as the one-line message to show; empty when it keeps them.
std::string broken_rule(const struct stat& st, const std::string& path, const std::string& name,
                        const ReadRules& rules) {
  if (rules.regular_only && !S_ISREG(st.st_mode))
    return name + " is not a regular file (a FIFO, device or folder); replace it with a regular file";
  if (rules.owned_by_user && st.st_uid != ::geteuid())
    return name + " belongs to another user (uid " + std::to_string(st.st_uid) +
           "); refusing to trust it - remove it and create your own";
  if (rules.not_writable_by_others && (st.st_mode & 022))
    return name + " can be changed by other users; run 'chmod go-w " + path + "' and try again";
  if (rules.private_to_user && (st.st_mode & 077))
    return name + " is accessible to other users; run 'chmod 600 " + path + "' and try again";
  return {};
}
}  // namespace

Result<std::string> read_file(const std::string& path, const ReadRules& rules) {
  // The file's name for messages, built only when there is one to give.
  auto name = [&] { return rules.what ? std::string(rules.what) + " '" + path + "'" : "'" + path + "'"; };
  int flags = O_RDONLY | O_CLOEXEC;
  if (rules.regular_only) flags |= O_NONBLOCK;  // a FIFO opens at once instead of waiting for a writer
  if (rules.no_symlink) flags |= O_NOFOLLOW;
  int fd = ::open(path.c_str(), flags);
  if (fd < 0) {
    if (errno == ELOOP && rules.no_symlink)
      return Status::general(name() + " is a symbolic link; refusing to follow it - replace it with the real file");
    return Status::general("cannot read " + name() + ": " + reason());
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    Status s = Status::general("cannot read " + name() + ": " + reason());
    ::close(fd);
    return s;
  }
  if (std::string broken = broken_rule(st, path, name(), rules); !broken.empty()) {
    ::close(fd);
    return Status::general(broken);
  }
  if (S_ISREG(st.st_mode) && static_cast<unsigned long long>(st.st_size) > rules.max_bytes) {
    ::close(fd);
    return Status::general(name() + " is too large (" + std::to_string(st.st_size) + " bytes, at most " +
                           std::to_string(rules.max_bytes) + ")");
  }
  // A regular file never returns EAGAIN; clear O_NONBLOCK for anything else we agreed to read.
  if (!S_ISREG(st.st_mode)) ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  // Read straight into the result, sized from fstat (one byte more, so the read that sees the end
  // needs no growth); what grows after that (a FIFO, or a file growing while read) doubles.
  const size_t limit = rules.max_bytes;
  std::string data(S_ISREG(st.st_mode) ? static_cast<size_t>(st.st_size) + 1 : size_t{4096}, '\0');
  size_t used = 0;
  for (;;) {
    if (used == data.size()) {
      if (used > limit) {
        ::close(fd);
        return Status::general(name() + " is too large (more than " + std::to_string(limit) + " bytes)");
      }
      data.resize(std::min<size_t>(std::max<size_t>(data.size() * 2, 4096), limit + 1));
    }
    ssize_t n = ::read(fd, data.data() + used, data.size() - used);
    if (n < 0) {
      if (errno == EINTR) continue;
      Status s = Status::general("cannot read " + name() + ": " + reason());
      ::close(fd);
      return s;
    }
    if (n == 0) break;
    used += static_cast<size_t>(n);
  }
  ::close(fd);
  if (used > limit) return Status::general(name() + " is too large (more than " + std::to_string(limit) + " bytes)");
  data.resize(used);
  return data;
}

Status check_trusted_directory(const std::string& dir) {
  struct stat st {};
  if (::lstat(dir.c_str(), &st) != 0) return Status::general("cannot use folder '" + dir + "': " + reason());
  if (S_ISLNK(st.st_mode))
    return Status::general("folder '" + dir +
                           "' is a symbolic link; refusing to trust what it points to - replace it with the real "
                           "folder");
  if (!S_ISDIR(st.st_mode)) return Status::general("'" + dir + "' exists but is not a folder");
  if (st.st_uid != ::geteuid())
    return Status::general("folder '" + dir + "' belongs to another user (uid " + std::to_string(st.st_uid) +
                           "); refusing to trust the files in it");
  if (st.st_mode & 022)
    return Status::general("folder '" + dir + "' can be changed by other users; run 'chmod 700 " + dir +
                           "' and try again");
  return Status::ok();
}

void remove_stale_temporaries(const std::string& path) {
  std::string dir = parent_of(path);
  std::string base = path.substr(path.find_last_of('/') == std::string::npos ? 0 : path.find_last_of('/') + 1);
  std::string prefix = base + ".tmp-";
  DIR* d = ::opendir(dir.c_str());
  if (!d) return;
  while (const dirent* e = ::readdir(d)) {
    std::string_view file = e->d_name;
    if (file.size() <= prefix.size() || file.compare(0, prefix.size(), prefix) != 0) continue;
    // "<base>.tmp-<pid>-<random>": a live writer's file is left alone.
    std::string_view rest = file.substr(prefix.size());
    size_t dash = rest.find('-');
    if (dash == 0 || dash == std::string_view::npos) continue;
    long pid = 0;
    bool digits = true;
    for (char c : rest.substr(0, dash)) {
      if (c < '0' || c > '9' || pid > 1L << 40) {
        digits = false;
        break;
      }
      pid = pid * 10 + (c - '0');
    }
    if (!digits) continue;
    if (pid == ::getpid() || (::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM)) continue;
    ::unlinkat(::dirfd(d), e->d_name, 0);
  }
  ::closedir(d);
}

bool exists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

Status atomic_write(const std::string& path, const std::string& data, unsigned mode) {
  std::random_device rd;
  std::string tmp;
  int fd = -1;
  for (int attempt = 0; attempt < 16 && fd < 0; ++attempt) {
    tmp = path + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(rd());
    fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
    if (fd < 0 && errno != EEXIST) return Status::general("cannot write '" + path + "': " + reason());
  }
  if (fd < 0) return Status::general("cannot create a temporary file beside '" + path + "'");
  if (!write_all(fd, data.data(), data.size()) || ::fsync(fd) != 0) {
    Status s = Status::general("cannot write '" + path + "': " + reason());
    ::close(fd);
    ::unlink(tmp.c_str());
    return s;
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    Status s = Status::general("cannot replace '" + path + "': " + reason());
    ::unlink(tmp.c_str());
    return s;
  }
  int dfd = ::open(parent_of(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return Status::ok();
}

FileLock::FileLock(FileLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
FileLock& FileLock::operator=(FileLock&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.fd_;
    other.fd_ = -1;
  }
  return *this;
}
FileLock::~FileLock() {
  if (fd_ >= 0) ::close(fd_);  // closing releases the flock
}

Result<FileLock> FileLock::acquire(const std::string& lock_path, int timeout_ms) {
  int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return Status::general("cannot open lock file '" + lock_path + "': " + reason());
  if (timeout_ms < 0) {
    while (::flock(fd, LOCK_EX) != 0) {
      if (errno != EINTR) {
        Status s = Status::general("cannot lock '" + lock_path + "': " + reason());
        ::close(fd);
        return s;
      }
    }
    return FileLock(fd);
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    if (::flock(fd, LOCK_EX | LOCK_NB) == 0) return FileLock(fd);
    if (errno != EWOULDBLOCK && errno != EINTR) {
      Status s = Status::general("cannot lock '" + lock_path + "': " + reason());
      ::close(fd);
      return s;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      ::close(fd);
      return Status::timeout("timed out waiting for lock '" + lock_path + "'");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

}  // namespace entratool::support::files
