#include "cli/token_input.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "cli/cli.h"
#include "core/context.h"
#include "core/jwt.h"
#include "core/profiles.h"
#include "core/token_cache.h"

namespace entratool::host {

namespace {

// Reads at most one byte past the bound: enough to know the input is too large without
// swallowing an endless stream (a device, `yes | entratool inspect`).
sdk::Result<std::string> read_bounded(int fd, const std::string& what) {
  std::string data;
  char buf[65536];
  while (data.size() <= jwt::kMaxTokenBytes) {
    size_t want = std::min(sizeof buf, jwt::kMaxTokenBytes + 1 - data.size());
    ssize_t n = ::read(fd, buf, want);
    if (n < 0) {
      if (errno == EINTR) continue;
      return sdk::Status::general("cannot read " + what + ": " + std::strerror(errno));
    }
    if (n == 0) break;
    data.append(buf, static_cast<size_t>(n));
  }
  if (data.size() > jwt::kMaxTokenBytes) return sdk::Status::general(jwt::kTooLargeMessage);
  return data;
}

sdk::Result<std::string> read_stdin() { return read_bounded(STDIN_FILENO, "standard input"); }

sdk::Result<std::string> read_token_file(const std::string& path) {
  if (path == "-") return read_stdin();
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return sdk::Status::general("cannot read '" + path + "': " + std::strerror(errno));
  auto data = read_bounded(fd, "'" + path + "'");
  ::close(fd);
  return data;
}

// The profile's most recently cached access token; it goes to the decoder and nowhere else.
sdk::Result<std::string> read_profile_token(Context& ctx, const std::string& name) {
  auto profile = ProfileStore(ctx.config_dir()).find(name);
  if (!profile) return profile.status();
  auto store = ctx.secret_store();
  if (!store) return store.status();
  auto latest = TokenCache(**store).latest_for_profile(name);
  if (!latest) return latest.status();
  if (!latest->has_value())
    return sdk::Status::general("profile '" + name + "' has no cached token; get one with 'entratool get-token -p " +
                                name + "'");
  return (*latest)->access_token;
}

}  // namespace

void declare_token_source_flags(ArgParser& parser) {
  parser.positional("TOKEN", "The token (or '-' to read it from standard input)")
      .option("token", 't', "TOKEN", "The token to decode")
      .option("file", 'f', "FILE", "Read the token from FILE ('-' for standard input)")
      .option("profile", 'p', "PROFILE", "Use the token cached for PROFILE by get-token");
}

namespace {
// The tutorial's `inspect $(cat last-token.txt)` with no such file, an empty --file or input:
// say where the token is instead of "not a JWT".
sdk::Result<std::string> non_empty(sdk::Result<std::string> text, std::string_view from, std::string_view command) {
  if (!text || !jwt::strip_token_text(*text).empty()) return text;
  return sdk::Status::general("the token " + std::string(from) +
                              " is empty; to decode the token get-token cached for a "
                              "profile use 'entratool " +
                              std::string(command) + " -p PROFILE'");
}
}  // namespace

sdk::Result<std::string> read_token_input(Context& ctx, const ArgParser& parser, std::string_view command) {
  const auto& positionals = parser.positionals();
  int sources = static_cast<int>(positionals.size());
  for (const char* flag : {"token", "file", "profile"}) sources += static_cast<int>(parser.values(flag).size());
  if (sources > 1)
    return sdk::Status::general("give the token one way only: as an argument, with -t, -f, -p, or on standard input");

  if (auto token = parser.value("token")) {
    if (token->size() > jwt::kMaxTokenBytes) return sdk::Status::general(jwt::kTooLargeMessage);
    return non_empty(*token, "given with -t", command);
  }
  if (auto file = parser.value("file"))
    return non_empty(read_token_file(*file), *file == "-" ? "on standard input" : "in '" + *file + "'", command);
  if (auto profile = parser.value("profile")) return read_profile_token(ctx, *profile);
  if (!positionals.empty()) {
    if (positionals.front() == "-") return non_empty(read_stdin(), "on standard input", command);
    if (positionals.front().size() > jwt::kMaxTokenBytes) return sdk::Status::general(jwt::kTooLargeMessage);
    return non_empty(positionals.front(), "given as the argument", command);
  }
  // Nothing given: a pipe or a redirected file is the token; a terminal would just hang.
  if (::isatty(STDIN_FILENO))
    return sdk::Status::general(
        "no token given: pass it as an argument, with -t TOKEN, -f FILE or -p PROFILE, or pipe it on standard input");
  return non_empty(read_stdin(), "on standard input", command);
}

}  // namespace entratool::host
