#include "core/output.h"

#include <cerrno>

namespace entratool::host {

namespace {
int g_quiet = 0;  // QuietStandardStreams alive
}  // namespace

Output& Output::operator<<(std::string_view text) {
  if (!file_) {
    text_.append(text);
    return *this;
  }
  if (failed_ || text.empty()) return *this;
  if (flush_first_) flush_first_->flush();
  if (std::fwrite(text.data(), 1, text.size(), file_) != text.size()) {
    failed_ = true;
    failure_ = errno;
  }
  return *this;
}

Output& Output::flush() {
  if (file_ && !failed_ && std::fflush(file_) != 0) {
    failed_ = true;
    failure_ = errno;
  }
  return *this;
}

Output& standard_output() {
  static Output out(stdout, nullptr);
  return out;
}

Output& standard_error() {
  static Output err(stderr, &standard_output());
  return err;
}

std::string read_standard_input() {
  std::string data;
  if (g_quiet) return data;
  standard_output().flush();
  char buffer[4096];
  for (;;) {
    std::size_t n = std::fread(buffer, 1, sizeof buffer, stdin);
    data.append(buffer, n);
    if (n < sizeof buffer) break;
  }
  return data;
}

bool read_standard_input_line(std::string& line) {
  line.clear();
  if (g_quiet) return false;
  standard_output().flush();
  int c = 0;
  bool any = false;
  while ((c = std::getc(stdin)) != EOF) {
    any = true;
    if (c == '\n') break;
    line += static_cast<char>(c);
  }
  return any;
}

QuietStandardStreams::QuietStandardStreams() : out_(standard_output().file_), err_(standard_error().file_) {
  standard_output().file_ = nullptr;
  standard_error().file_ = nullptr;
  ++g_quiet;
}

QuietStandardStreams::~QuietStandardStreams() {
  --g_quiet;
  standard_output().file_ = out_;
  standard_output().text_.clear();
  standard_error().file_ = err_;
  standard_error().text_.clear();
}

std::vector<std::string_view> lines_of(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    auto end = text.find('\n');
    lines.push_back(text.substr(0, end));
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
  }
  return lines;
}

}  // namespace entratool::host
