#pragma once
// The commands as a tree, described by the commands themselves: each entry of the command table
// is run with --help under a DescribeScope (cli.h), so its ArgParser declarations are recorded
// instead of parsed; a command that dispatches by itself (config) is read from the
// "Subcommands:" section of its --help text and each subcommand described in turn. Shell
// completion (`__complete`) and the man page (`__man`) are built from this tree, so a command
// added to the table appears in both with no further edit.

#include <string>
#include <utility>
#include <vector>

#include "cli/cli.h"

namespace entratool::host {

struct CommandNode {
  std::string name;         ///< the word typed: "get-token", "create"; "entratool" for the root
  std::string path;         ///< "entratool config create"
  std::string summary;      ///< one line (the table's or the parent's listing)
  std::string description;  ///< the parser's summary, when it has one
  std::string usage;        ///< the synopsis after the path
  std::string epilog;       ///< free text after the options
  std::string help_text;    ///< what --help prints, when the command has no ArgParser
  std::vector<ParserDescription::Option> options;
  std::vector<std::pair<std::string, std::string>> arguments;  ///< documented positionals
  std::vector<std::string> placeholders;                       ///< positional values in order: "ID", "[DIR]"
  std::vector<CommandNode> subcommands;

  const CommandNode* subcommand(std::string_view word) const;
  /// A long ("profile") or short ("p") option of this node, or nullptr.
  const ParserDescription::Option* find_option(std::string_view long_name) const;
  const ParserDescription::Option* find_short(char c) const;
};

/// The root: the program's global options (from its --help), each visible command of the
/// table as a child. Hidden commands (names starting with "__") are left out. Runs no command
/// beyond its --help; stdin, stdout and stderr are not touched while describing.
CommandNode describe_commands();

/// Options listed in a help text section such as "Global options:" (lines "  -h, --help  text").
std::vector<ParserDescription::Option> parse_option_lines(const std::string& help_text, std::string_view heading);

}  // namespace entratool::host
