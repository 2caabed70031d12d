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

class ArgParser {
 public:
  /// `command` as the user types it ("entratool get-token"); `usage` the synopsis after it.
  ArgParser(std::string command, std::string summary, std::string usage = "[options]");

  /// A boolean flag: `--name` / `-x`. short_name 0 for none.
  ArgParser& flag(std::string name, char short_name, std::string help);
  /// A flag with a value: `--name VALUE`, `--name=VALUE`, `-x VALUE`. Repeatable.
  ArgParser& option(std::string name, char short_name, std::string value_name, std::string help);
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
