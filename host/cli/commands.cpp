#include "cli/commands.h"

#include <cstring>

#include "core/context.h"
#include "core/output.h"
#include "entratool/sdk/version.h"

#ifndef ENTRATOOL_VERSION
#define ENTRATOOL_VERSION "0.0.0"
#endif

namespace entratool::host {

const std::vector<Command>& commands() {
  // Like ninja's kTools[]: adding a command is one line here and one cmd_*.cpp file.
  static const std::vector<Command> table = {
      {"get-token", "Get an access token for a profile (from the cache when still valid)", cmd_get_token},
      {"refresh", "Refresh a profile's token now and print it", cmd_refresh},
      {"inspect", "Decode a token and print its header, payload and signature as JSON", cmd_inspect},
      {"discover", "Summarise a token: audience, expiry, scopes, identity; exit 1 when expired", cmd_discover},
      {"config", "Manage profiles (create, list, show, edit, delete, export, ...) and the secret store", cmd_config},
      {"create-profile", "Create a profile from flags only (for CI)", cmd_create_profile},
      {"plugins", "List the plugins found and why any was skipped; show one plugin", cmd_plugins},
      {"lock", "Forget the secret store's unlocked key (its passphrase is asked again)", cmd_lock},
      {"cache", "List cached tokens (never the tokens themselves) or clear them", cmd_cache},
      {"git-credential", "Git credential helper: a profile's token as the password (Azure DevOps)", cmd_git_credential},
      {"help", "Show the help of a command: entratool help <command>", cmd_help},
      {"doctor", "Check the installation, configuration, secret store and network; say what to fix", cmd_doctor},
      {"completion", "Print the shell completion script for bash, zsh or fish", cmd_completion},
      // Hidden ("__"): called by the completion scripts and the build (the man page).
      {"__complete", "Completion candidates for the words given", cmd_complete},
      {"__man", "The manual page (roff), generated from the help texts", cmd_man},
  };
  return table;
}

void print_program_help(Output& out) {
  out << "entratool " ENTRATOOL_VERSION
         " - OAuth2 access tokens from Microsoft Entra ID and other OpenID providers\n"
         "\nUsage: entratool [--plugin-dir DIR] [--verbose] <command> [options]\n"
         "\nCommands:\n";
  for (const auto& c : commands()) {
    if (c.name.rfind("__", 0) == 0) continue;
    std::string name(c.name);
    name.resize(18, ' ');
    out << "  " << name << c.summary << "\n";
  }
  out << "\nGlobal options:\n"
         "  --plugin-dir DIR    Look for plugins in DIR first (repeatable; also ENTRATOOL_PLUGIN_PATH)\n"
         "  --verbose           Diagnostic lines on stderr\n"
         "  --version           Print the version\n"
         "  -h, --help          Show this help ('entratool <command> --help' for a command)\n"
         "\nExit codes: 0 success, 1 general error, 2 profile not found, 3 authentication failed,\n"
         "            4 network error, 5 timeout.\n";
}

namespace {
int run_command_line(int argc, char** argv) {
  GlobalOptions options;
  Args rest;
  std::string command;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (command == "__complete") {  // the words of a command line being typed, global flags included
      rest.push_back(a);
      continue;
    }
    if (a == "--plugin-dir" || a.rfind("--plugin-dir=", 0) == 0) {
      if (a == "--plugin-dir") {
        if (i + 1 >= argc) {
          standard_error() << "entratool: flag '--plugin-dir' needs a value (DIR); see 'entratool --help'\n";
          return 1;
        }
        options.plugin_dirs.push_back(argv[++i]);
      } else {
        options.plugin_dirs.push_back(a.substr(13));
      }
    } else if (a == "--verbose") {
      options.verbose = true;
    } else if (command.empty() && (a == "--version" || a == "-V")) {
      standard_output() << "entratool " ENTRATOOL_VERSION " (SDK " << ENTRATOOL_SDK_VERSION_MAJOR << "."
                        << ENTRATOOL_SDK_VERSION_MINOR << ")\n";
      return 0;
    } else if (command.empty() && (a == "--help" || a == "-h")) {
      print_program_help(standard_output());
      return 0;
    } else if (command.empty()) {
      if (a.size() > 1 && a[0] == '-') {
        standard_error() << "entratool: unknown flag '" << a << "'; see 'entratool --help'\n";
        return 1;
      }
      command = a;
    } else {
      rest.push_back(a);
    }
  }
  if (command.empty()) {
    print_program_help(standard_error());
    return 1;
  }
  const Command* found = nullptr;
  for (const auto& c : commands())
    if (c.name == command) found = &c;
  if (!found) {
    standard_error() << "entratool: unknown command '" << command << "'; see 'entratool --help'\n";
    return 1;
  }
  sdk::Status status;
  try {
    Context ctx(standard_output(), standard_error(), options);
    status = found->run(ctx, rest);
    standard_output().flush();
  } catch (const std::exception& e) {
    status = sdk::Status::general(std::string("internal error: ") + e.what());
  } catch (...) {
    status = sdk::Status::general("internal error");
  }
  if (!status.is_ok()) standard_error() << "entratool: " << status.message() << "\n";
  return status.exit_code();
}
}  // namespace

int run_cli(int argc, char** argv) {
  const int code = run_command_line(argc, argv);
  // What was asked for did not arrive (a full disk, a closed descriptor): a script must not take
  // what it got, an empty token say, for the answer.
  if (code == 0 && standard_output().flush().failed()) {
    standard_error() << "entratool: cannot write to standard output: " << std::strerror(standard_output().failure())
                     << "; check where the output goes (a full disk, a closed or read-only descriptor)\n";
    return 1;
  }
  return code;
}

}  // namespace entratool::host
