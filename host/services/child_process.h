#pragma once
// Starting other programs (the browser opener, clipboard tools): never through a shell, always
// with a scrubbed environment, so a child never sees a secret entratool was given in its own
// environment (AZURE_CLIENT_SECRET, the store and export passphrases, ...).

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "entratool/sdk/status.h"

namespace entratool::host {

/// True for a variable a child must not inherit: one entratool or a flow reads a secret from (or
/// the path of one, IDENTITY_HEADER included), and any variable whose name says it holds a secret
/// (SECRET, PASSWORD, PASSPHRASE, TOKEN: also the CI platforms' request tokens).
bool is_secret_variable(std::string_view name);

/// `env` ("NAME=value" entries, null-terminated like environ) without the secret variables.
std::vector<std::string> scrubbed_environment(char** env);

/// The first word of PATH lookup: whether `program` (a name or a path) can be executed.
bool program_exists(std::string_view program);

/// How a child ended within the wait, or that it is still running.
struct ChildOutcome {
  bool running = false;           ///< still running when the wait ended (left to run; not an error)
  int exit_code = 0;              ///< valid when !running; 128+N for a signal
  std::string stderr_first_line;  ///< what it said on stderr before it ended, one line
};

/// Starts argv (PATH search for argv[0]) with the scrubbed environment, stdout to /dev/null,
/// stdin from `input` when given (else /dev/null), stderr captured. Waits up to `wait` for it to
/// end. Error (general) only when it cannot be started at all.
sdk::Result<ChildOutcome> run_child(const std::vector<std::string>& argv, std::chrono::milliseconds wait,
                                    const std::optional<std::string>& input = std::nullopt);

}  // namespace entratool::host
