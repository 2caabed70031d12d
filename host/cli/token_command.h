#pragma once
// What get-token and refresh share: their output flags (-o/--json/--file/--silent), printing a
// token through a formatter plugin, and the scope and duration flags.

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "entratool/sdk/status.h"
#include "entratool/sdk/token.h"

namespace entratool::host {

class ArgParser;
class Context;
struct AcquireOptions;

struct TokenOutput {
  std::string format = "token";  ///< a formatter plugin id, checked against the manifests
  std::string file;              ///< --file; empty: stdout
  bool silent = false;           ///< --silent
};

/// Declares -o/--output, --json, --file and -q/--silent.
void add_token_output_flags(ArgParser& parser);
/// Reads them, turns --silent on in the services, and checks the format against the manifests
/// before anything else happens (a typo costs no network call). `-o token.txt` is answered with
/// the --file spelling, as the guide's old form meant.
sdk::Result<TokenOutput> read_token_output_flags(Context& ctx, const ArgParser& parser);
/// Formats through the plugin and writes stdout, or --file (0600, atomic) with a note on stdout.
sdk::Status print_token(Context& ctx, const sdk::TokenResponse& token, const TokenOutput& output);

/// Declares --timeout, --authority-host, --cloud and --ca-bundle: where and how long to ask.
/// `signs_in`: the command may sign a person in (its --timeout help names the sign-in times).
void add_authority_flags(ArgParser& parser, bool signs_in = false);
/// Reads -p/--profile, -s/--scope and the authority flags into `options`.
sdk::Status read_acquire_flags(const ArgParser& parser, AcquireOptions& options);

/// -s/--scope values (repeatable, space- or comma-separated), de-duplicated in order.
sdk::Result<std::vector<std::string>> read_scope_flags(const ArgParser& parser);
/// A duration flag ("30s", "2m"); `fallback` when absent.
sdk::Result<std::chrono::milliseconds> read_duration_flag(const ArgParser& parser, std::string_view name,
                                                          std::chrono::milliseconds fallback, bool allow_zero);

}  // namespace entratool::host
