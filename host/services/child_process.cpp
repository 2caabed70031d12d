#include "services/child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>

extern char** environ;

namespace entratool::host {

namespace {

// Read as secrets (or the files holding them) somewhere in entratool.
constexpr std::string_view kSecretVariables[] = {
    "AZURE_CLIENT_SECRET",
    "AZURE_CLIENT_CERTIFICATE_PASSWORD",
    "AZURE_CLIENT_CERTIFICATE_PATH",
    "AZURE_FEDERATED_TOKEN_FILE",
    "AZURE_PASSWORD",
    "ENTRATOOL_KEYSTORE_PASSPHRASE",
    "ENTRATOOL_EXPORT_PASSPHRASE",
    // The App Service / Functions identity endpoint's secret header (read by a flow plugin).
    "IDENTITY_HEADER",
};
// Any variable whose name says it holds a secret, whatever its prefix: the CI platforms' request
// tokens flow plugins read (ACTIONS_ID_TOKEN_REQUEST_TOKEN, SYSTEM_ACCESSTOKEN), GITHUB_TOKEN,
// MSI_SECRET, ... A browser needs none of them.
constexpr std::string_view kSecretWords[] = {"SECRET", "PASSWORD", "PASSPHRASE", "TOKEN"};

}  // namespace

bool is_secret_variable(std::string_view name) {
  for (auto v : kSecretVariables)
    if (name == v) return true;
  for (auto w : kSecretWords)
    if (name.find(w) != std::string_view::npos) return true;
  return false;
}

std::vector<std::string> scrubbed_environment(char** env) {
  std::vector<std::string> out;
  for (char** e = env; e && *e; ++e) {
    std::string_view entry(*e);
    if (!is_secret_variable(entry.substr(0, entry.find('=')))) out.emplace_back(entry);
  }
  return out;
}

bool program_exists(std::string_view program) {
  if (program.empty()) return false;
  if (program.find('/') != std::string_view::npos) return ::access(std::string(program).c_str(), X_OK) == 0;
  const char* path = std::getenv("PATH");
  std::string_view dirs = path ? path : "/usr/bin:/bin";
  while (true) {
    auto colon = dirs.find(':');
    std::string dir(dirs.substr(0, colon));
    if (dir.empty()) dir = ".";
    std::string candidate = dir + "/" + std::string(program);
    struct stat st {};
    if (::stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(candidate.c_str(), X_OK) == 0)
      return true;
    if (colon == std::string_view::npos) return false;
    dirs = dirs.substr(colon + 1);
  }
}

sdk::Result<ChildOutcome> run_child(const std::vector<std::string>& argv, std::chrono::milliseconds wait,
                                    const std::optional<std::string>& input) {
  if (argv.empty() || argv[0].empty()) return sdk::Status::general("no program to start");
  std::vector<std::string> args = argv;
  std::vector<char*> cargv;
  cargv.reserve(args.size() + 1);
  for (auto& a : args) cargv.push_back(a.data());
  cargv.push_back(nullptr);
  std::vector<std::string> env = scrubbed_environment(environ);
  std::vector<char*> cenv;
  cenv.reserve(env.size() + 1);
  for (auto& e : env) cenv.push_back(e.data());
  cenv.push_back(nullptr);

  // stderr goes to an unlinked temporary file: read if the child fails at once, and a browser
  // that keeps running may write there as much as it likes without ever blocking on a pipe.
  FILE* err = std::tmpfile();
  int in_pipe[2] = {-1, -1};
  if (input && ::pipe2(in_pipe, O_CLOEXEC) != 0) in_pipe[0] = in_pipe[1] = -1;

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);  // keep our stdout clean
  if (in_pipe[0] >= 0)
    posix_spawn_file_actions_adddup2(&actions, in_pipe[0], 0);
  else
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  if (err) posix_spawn_file_actions_adddup2(&actions, ::fileno(err), 2);
  pid_t pid = 0;
  int rc = posix_spawnp(&pid, cargv[0], &actions, nullptr, cargv.data(), cenv.data());
  posix_spawn_file_actions_destroy(&actions);
  if (in_pipe[0] >= 0) ::close(in_pipe[0]);
  if (rc != 0) {
    if (in_pipe[1] >= 0) ::close(in_pipe[1]);
    if (err) std::fclose(err);
    return sdk::Status::general("cannot start '" + argv[0] + "': " + std::strerror(rc));
  }
  if (in_pipe[1] >= 0) {
    // Clipboard payloads are small; a child that stops reading must not block us forever.
    ::signal(SIGPIPE, SIG_IGN);
    std::size_t sent = 0;
    while (sent < input->size()) {
      ssize_t n = ::write(in_pipe[1], input->data() + sent, input->size() - sent);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      sent += static_cast<std::size_t>(n);
    }
    ::close(in_pipe[1]);
  }

  ChildOutcome outcome;
  outcome.running = true;
  const auto until = std::chrono::steady_clock::now() + wait;
  for (;;) {
    int status = 0;
    pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) {
      outcome.running = false;
      outcome.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      break;
    }
    if (r < 0 && errno != EINTR) break;
    if (std::chrono::steady_clock::now() >= until) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (err) {
    if (!outcome.running && outcome.exit_code != 0) {
      std::rewind(err);
      char line[512];
      if (std::fgets(line, sizeof line, err)) {
        std::string s(line);
        while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
        for (char& c : s)
          if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
        outcome.stderr_first_line = s;
      }
    }
    std::fclose(err);
  }
  return outcome;
}

}  // namespace entratool::host
