#pragma once
// Where the host's text goes: stdout, stderr, or a string; and how it reads stdin. The host uses
// no iostreams: a program that links libstdc++ statically runs std::ios_base::Init at start-up
// for every translation unit that includes <iostream>, and that builds the classic std::locale
// with its ~30 facets (5% of a cached get-token's instructions, their pages faulted in).
// tests/integration/test_no_iostream_start_up.py keeps it out of the executable.
//
// The standard streams behave as std::cout, std::cerr and std::cin did (sync_with_stdio, the
// default): every write goes straight to C's stdout or stderr, so the buffering is stdio's
// (stdout fully buffered on a pipe or file, line-buffered on a terminal; stderr unbuffered);
// stdout is flushed before each write to stderr and before each read of stdin (std::cerr's and
// std::cin's tie). A write that fails (a full disk, a closed descriptor) drops what follows, like a
// stream's badbit, and run_cli reports it once the command is done (exit 1: a script must not take
// an empty token for one); a closed pipe ends the process with SIGPIPE, as for any Unix filter.

#include <charconv>
#include <cstdio>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace entratool::host {

class Output {
 public:
  /// Collects the text in memory: str() (describing commands, tests).
  Output() = default;
  /// Writes to `file` (stdout or stderr); `flush_first` is flushed before each write.
  Output(std::FILE* file, Output* flush_first) : file_(file), flush_first_(flush_first) {}
  Output(const Output&) = delete;
  Output& operator=(const Output&) = delete;

  Output& operator<<(std::string_view text);
  Output& operator<<(const char* text) { return *this << std::string_view(text); }
  Output& operator<<(char c) { return *this << std::string_view(&c, 1); }
  /// In decimal, as a stream prints it.
  template <typename T,
            std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool> && !std::is_same_v<T, char> &&
                                 !std::is_same_v<T, signed char> && !std::is_same_v<T, unsigned char>,
                             int> = 0>
  Output& operator<<(T value) {
    char digits[24];
    auto end = std::to_chars(digits, digits + sizeof digits, value).ptr;
    return *this << std::string_view(digits, static_cast<std::size_t>(end - digits));
  }
  // A stream would print 1/0, a number's digits or a pointer's address: say which text is meant.
  Output& operator<<(bool) = delete;
  template <typename T, std::enable_if_t<std::is_floating_point_v<T>, int> = 0>
  Output& operator<<(T) = delete;

  /// Writes what stdio holds for the file.
  Output& flush();
  /// Whether a write to the file failed (a full disk, a closed descriptor), and its errno.
  bool failed() const { return failed_; }
  int failure() const { return failure_; }
  /// What was collected (in-memory Output only).
  const std::string& str() const { return text_; }

 private:
  friend class QuietStandardStreams;
  std::FILE* file_ = nullptr;
  Output* flush_first_ = nullptr;
  bool failed_ = false;
  int failure_ = 0;
  std::string text_;
};

/// stdout, for what the user asked for.
Output& standard_output();
/// stderr, for messages; flushes stdout before each write.
Output& standard_error();

/// All of stdin (stdout flushed first).
std::string read_standard_input();
/// The next line of stdin without its '\n', as std::getline: false at the end of input with
/// nothing read.
bool read_standard_input_line(std::string& line);

/// While it lives, what goes to stdout and stderr is dropped and stdin reads as empty (commands
/// run to describe themselves, command_model.cpp).
class QuietStandardStreams {
 public:
  QuietStandardStreams();
  ~QuietStandardStreams();
  QuietStandardStreams(const QuietStandardStreams&) = delete;
  QuietStandardStreams& operator=(const QuietStandardStreams&) = delete;

 private:
  std::FILE* out_;
  std::FILE* err_;
};

/// The lines of `text` as std::getline gives them: split at '\n', without a last empty one.
std::vector<std::string_view> lines_of(std::string_view text);

}  // namespace entratool::host
