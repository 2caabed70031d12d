#pragma once
// What can be told about a shared library from its file before dlopen() maps it. glibc maps a
// library's segments as its program headers describe them, and code or data of a truncated file
// (a copy cut short, a full disk during an install) is SIGBUS the moment the loader or the
// library touches a page past the file's end: the host would die instead of naming the file.

#include <cstdint>
#include <string>

namespace entratool::host {

/// Why the 64-bit ELF file open as `fd`, of `size` bytes, cannot be whole: its program headers or
/// a loadable segment lie past its end ("truncated: ..."). Empty when it is whole, and also when
/// it is not a 64-bit ELF file: dlopen() then says what it is. Read with pread; `fd` stays open.
std::string truncated_library(int fd, uint64_t size);

/// As truncated_library for the file at `path`, but anything other than a readable 64-bit ELF
/// file is a reason too (for the host's own modules, which are never anything else).
std::string damaged_library(const std::string& path);

}  // namespace entratool::host
