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
using Args = std::vector<std::string>;
using CommandFn = sdk::Status (*)(Context& ctx, const Args& args);

struct Command {
  std::string_view name;
  std::string_view summary;
  CommandFn run;
};

/// The table, in --help order.
const std::vector<Command>& commands();

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

}  // namespace entratool::host
