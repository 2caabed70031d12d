#pragma once
// The command table's entries. Each command lives in its own cmd_<name>.cpp and returns a
// Status; main() turns that into the exit code (docs/exit-codes.md). A command prints its
// own output on ctx.out and nothing else there.

#include <string>
#include <string_view>
#include <vector>

#include "entratool/sdk/status.h"

namespace entratool::host {

class Context;
class Output;
using Args = std::vector<std::string>;
using CommandFn = sdk::Status (*)(Context& ctx, const Args& args);

struct Command {
  std::string_view name;
  std::string_view summary;
  CommandFn run;
};

/// The table, in --help order. Names starting with "__" are hidden (not in --help, the man
/// page or completion). Shell completion and the man page run every command with --help
/// (command_model.h), so --help must do nothing else; a command that dispatches subcommands
/// itself lists them under a "Subcommands:" heading in its help, as config does.
const std::vector<Command>& commands();

/// The program's --help: usage, the table's commands, global options, exit codes.
/// The program's --help text (the command list and the global options).
void print_program_help(Output& out);

/// Parses global flags, dispatches, prints the error line. Returns the exit code.
int run_cli(int argc, char** argv);

sdk::Status cmd_get_token(Context& ctx, const Args& args);
sdk::Status cmd_refresh(Context& ctx, const Args& args);
sdk::Status cmd_inspect(Context& ctx, const Args& args);
sdk::Status cmd_discover(Context& ctx, const Args& args);
sdk::Status cmd_config(Context& ctx, const Args& args);
/// `config store [migrate --to ID]` (cmd_config_store.cpp), a subcommand of cmd_config.
sdk::Status cmd_config_store(Context& ctx, const Args& args);
sdk::Status cmd_create_profile(Context& ctx, const Args& args);
sdk::Status cmd_plugins(Context& ctx, const Args& args);
sdk::Status cmd_lock(Context& ctx, const Args& args);
sdk::Status cmd_cache(Context& ctx, const Args& args);
sdk::Status cmd_git_credential(Context& ctx, const Args& args);
sdk::Status cmd_help(Context& ctx, const Args& args);
sdk::Status cmd_doctor(Context& ctx, const Args& args);
sdk::Status cmd_completion(Context& ctx, const Args& args);
sdk::Status cmd_complete(Context& ctx, const Args& args);
sdk::Status cmd_man(Context& ctx, const Args& args);

}  // namespace entratool::host
