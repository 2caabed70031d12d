#include "plugins/library_file.h"

#include <elf.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <vector>

namespace entratool::host {

namespace {

enum class Kind { whole, not_elf, truncated };

struct Verdict {
  Kind kind = Kind::whole;
  std::string why;
};

// `fd` is left open; `size` is its file's size.
Verdict inspect_open(int fd, uint64_t size) {
  Elf64_Ehdr eh{};
  Verdict v;
  if (::pread(fd, &eh, sizeof eh, 0) != static_cast<ssize_t>(sizeof eh) ||
      std::memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
      eh.e_phentsize != sizeof(Elf64_Phdr))
    return {Kind::not_elf, "is not a 64-bit shared library"};
  std::vector<Elf64_Phdr> ph(eh.e_phnum);
  const size_t bytes = ph.size() * sizeof(Elf64_Phdr);
  if (eh.e_phoff > size || bytes > size - eh.e_phoff ||
      ::pread(fd, ph.data(), bytes, static_cast<off_t>(eh.e_phoff)) != static_cast<ssize_t>(bytes))
    return {Kind::truncated, "is truncated: its program headers are missing"};
  for (const auto& h : ph)
    if (h.p_type == PT_LOAD && (h.p_offset > size || h.p_filesz > size - h.p_offset))
      return {Kind::truncated, "is truncated: " + std::to_string(size) + " bytes, its segments need " +
                                   std::to_string(h.p_offset + h.p_filesz)};
  return v;
}

Verdict inspect(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {Kind::not_elf, std::string("cannot be opened: ") + std::strerror(errno)};
  struct stat st {};
  Verdict v = ::fstat(fd, &st) == 0 ? inspect_open(fd, static_cast<uint64_t>(st.st_size))
                                    : Verdict{Kind::not_elf, std::string("cannot be read: ") + std::strerror(errno)};
  ::close(fd);
  return v;
}

}  // namespace

std::string truncated_library(int fd, uint64_t size) {
  Verdict v = inspect_open(fd, size);
  return v.kind == Kind::truncated ? v.why : std::string();
}

std::string damaged_library(const std::string& path) { return inspect(path).why; }

}  // namespace entratool::host
