// `entratool help [COMMAND [SUBCOMMAND]]`: the same text as `entratool COMMAND --help`, produced by
// the command itself, so the two can never differ.

#include "cli/commands.h"
#include "core/context.h"

namespace entratool::host {

sdk::Status cmd_help(Context& ctx, const Args& args) {
  if (args.empty() || args.front() == "help" || args.front() == "--help" || args.front() == "-h") {
    print_program_help(ctx.out);
    return sdk::Status::ok();
  }
  std::string names;
  for (const auto& c : commands()) {
    if (c.name == args.front()) {
      Args rest(args.begin() + 1, args.end());
      rest.emplace_back("--help");
      return c.run(ctx, rest);
    }
    names.append(names.empty() ? "" : ", ").append(c.name);
  }
  return sdk::Status::general("unknown command '" + args.front() + "'; the commands are: " + names);
}

}  // namespace entratool::host
