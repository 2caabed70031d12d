// host/core/output.h, the host's iostream-free text output: numbers print as a stream printed
// them, stderr's writes flush stdout first (std::cerr's tie), lines split as std::getline split
// them, and QuietStandardStreams keeps a describing command off the real streams.
#include <doctest/doctest.h>
#include <unistd.h>

#include <climits>
#include <cstdio>
#include <string>

#include "core/output.h"

using entratool::host::lines_of;
using entratool::host::Output;

namespace {

// What has reached the file's descriptor (not what stdio still buffers).
std::string written(std::FILE* f) {
  std::string data(4096, '\0');
  ssize_t n = ::pread(fileno(f), data.data(), data.size(), 0);
  data.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
  return data;
}

}  // namespace

TEST_CASE("text, characters and integers are written as a stream wrote them") {
  Output out;
  out << "a" << std::string("b") << std::string_view("c") << 'd' << 0 << ' ' << -42 << ' ' << LLONG_MIN << ' '
      << static_cast<unsigned long long>(ULLONG_MAX) << ' ' << std::size_t{7} << ' ' << static_cast<short>(-3);
  CHECK(out.str() == "abcd0 -42 -9223372036854775808 18446744073709551615 7 -3");
}

TEST_CASE("a write to stderr flushes stdout first, so the two keep their order on one pipe") {
  std::FILE* out_file = std::tmpfile();
  std::FILE* err_file = std::tmpfile();
  REQUIRE(out_file);
  REQUIRE(err_file);
  {
    Output out(out_file, nullptr);
    Output err(err_file, &out);
    out << "summary\n";
    CHECK(written(out_file).empty());  // stdio buffers a file
    err << "error\n";
    CHECK(written(out_file) == "summary\n");
    out << "more";
    out.flush();
    CHECK(written(out_file) == "summary\nmore");
  }
  std::fclose(out_file);
  std::fclose(err_file);
}

TEST_CASE("lines split as std::getline splits them") {
  using V = std::vector<std::string_view>;
  CHECK(lines_of("") == V{});
  CHECK(lines_of("\n") == V{""});
  CHECK(lines_of("a") == V{"a"});
  CHECK(lines_of("a\n") == V{"a"});
  CHECK(lines_of("a\n\nb") == V{"a", "", "b"});
  CHECK(lines_of("a\nb\n\n") == V{"a", "b", ""});
}

TEST_CASE("while standard streams are quiet, writes are dropped and stdin reads as empty") {
  {
    entratool::host::QuietStandardStreams quiet;
    entratool::host::standard_output() << "not shown\n";
    entratool::host::standard_error() << "not shown either\n";
    CHECK(entratool::host::standard_output().str() == "not shown\n");  // held, never written
    CHECK(entratool::host::read_standard_input().empty());
    std::string line = "x";
    CHECK_FALSE(entratool::host::read_standard_input_line(line));
    CHECK(line.empty());
  }
  CHECK(entratool::host::standard_output().str().empty());
  CHECK(entratool::host::standard_error().str().empty());
}
