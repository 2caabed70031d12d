#pragma once
// Flag parsing for one command, and the --help text generated from the same declarations, so the
// two cannot drift apart.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "entratool/sdk/status.h"

namespace entratool::host {

/// Rows as left-aligned columns two spaces apart, one line each, no trailing blanks (the first
/// row is usually the header).
std::string format_table(const std::vector<std::vector<std::string>>& rows);

/// What one ArgParser declares: the source of generated documentation (the man page) and shell
/// completion (command_model.h), so they say what --help says.
struct ParserDescription {
  struct Option {
    std::string name;        ///< long name without "--"
    char short_name = 0;     ///< 0 for none
    std::string value_name;  ///< empty: a boolean flag
    std::string help;
    std::vector<std::string> choices;  ///< the values it accepts, when they are a fixed set
  };
  std::string command, summary, usage, epilog;
  std::vector<std::pair<std::string, std::string>> positionals;  ///< (name, help)
  std::vector<Option> options;
};

/// While one is alive, the next ArgParser::parse on this thread records its declarations into
/// `target` and returns a "describe-only" error instead of parsing, so the command that called
/// it stops before doing anything. Used to describe commands from the command table.
class DescribeScope {
 public:
  explicit DescribeScope(ParserDescription& target);
  ~DescribeScope();
  DescribeScope(const DescribeScope&) = delete;
  DescribeScope& operator=(const DescribeScope&) = delete;
  bool captured() const { return captured_; }

 private:
  friend class ArgParser;
  ParserDescription& target_;
  bool captured_ = false;
  DescribeScope* previous_;
};

class ArgParser {
 public:
  /// `command` as the user types it ("entratool get-token"); `usage` the synopsis after it.
  ArgParser(std::string command, std::string summary, std::string usage = "[options]");

  /// A boolean flag: `--name` / `-x`. short_name 0 for none.
  ArgParser& flag(std::string name, char short_name, std::string help);
  /// A flag with a value: `--name VALUE`, `--name=VALUE`, `-x VALUE`. Repeatable.
  ArgParser& option(std::string name, char short_name, std::string value_name, std::string help);
  /// The fixed set of values the option declared last accepts (for completion and the man page;
  /// the command still validates what it is given).
  ArgParser& choices(std::vector<std::string> values);
  /// Documents a positional argument for --help.
  ArgParser& positional(std::string name, std::string help);
  /// Free text appended to --help (examples, notes).
  ArgParser& epilog(std::string text);

  /// Parses; `--help`/`-h` is always accepted. An unknown flag or a missing value is an error
  /// naming it and pointing to --help. Positionals beyond `max_positionals` are an error too.
  sdk::Status parse(const std::vector<std::string>& args, size_t max_positionals = 0);

  bool help_requested() const { return help_; }
  std::string help_text() const;

  bool has(std::string_view name) const;                          ///< given at least once
  std::optional<std::string> value(std::string_view name) const;  ///< last value given
  std::vector<std::string> values(std::string_view name) const;   ///< all values in order
  const std::vector<std::string>& positionals() const { return positionals_; }

 private:
  struct Spec {
    std::string name;
    char short_name;
    std::string value_name;  // empty: boolean flag
    std::string help;
    std::vector<std::string> choices;
  };
  const Spec* find_long(std::string_view name) const;
  const Spec* find_short(char c) const;

  std::string command_, summary_, usage_, epilog_;
  std::vector<Spec> specs_;
  std::vector<std::pair<std::string, std::string>> positional_docs_;
  std::vector<std::pair<std::string, std::string>> given_;  // (name, value) in order
  std::vector<std::string> positionals_;
  bool help_ = false;
};

}  // namespace entratool::host
