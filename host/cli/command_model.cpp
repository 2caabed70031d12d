#include "cli/command_model.h"

#include "cli/commands.h"
#include "core/context.h"
#include "core/output.h"

namespace entratool::host {

namespace {

bool is_word(std::string_view w) {
  if (w.empty() || w[0] < 'a' || w[0] > 'z') return false;
  for (char c : w)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  return true;
}

std::vector<std::string> split_words(std::string_view text) {
  std::vector<std::string> out;
  std::string word;
  for (char c : text) {
    if (c == ' ') {
      if (!word.empty()) out.push_back(word);
      word.clear();
    } else {
      word += c;
    }
  }
  if (!word.empty()) out.push_back(word);
  return out;
}

// Placeholders from a usage line: upper-case words that are not a flag's value ("NAME" in
// "set-default NAME", not in "-p NAME"); "[options]" and alternatives are skipped.
std::vector<std::string> usage_placeholders(const std::string& usage) {
  std::vector<std::string> out;
  bool after_flag = false;
  for (const auto& raw : split_words(usage)) {
    if (raw == "|" || raw == "[options]") {
      after_flag = false;
      continue;
    }
    std::string w = raw;
    while (!w.empty() && (w.front() == '[' || w.front() == '<')) w.erase(w.begin());
    if (!w.empty() && w[0] == '-') {
      after_flag = true;
      continue;
    }
    bool upper = !w.empty() && w[0] >= 'A' && w[0] <= 'Z';
    if (upper && !after_flag) out.push_back(raw);
    after_flag = false;
  }
  return out;
}

struct Described {
  bool captured = false;
  ParserDescription parser;
  std::string text;  // --help output, when nothing was captured
};

Described run_help(CommandFn run, const Args& prefix) {
  Described d;
  Output out, err;
  Args args = prefix;
  args.emplace_back("--help");
  {
    DescribeScope scope(d.parser);
    try {
      Context ctx(out, err, GlobalOptions{});
      (void)run(ctx, args);
    } catch (...) {
      // A command that fails to describe itself is listed with what the table says.
    }
    d.captured = scope.captured();
  }
  d.text = out.str();
  return d;
}

// "  name    summary" lines under `heading` until a blank line.
std::vector<std::pair<std::string, std::string>> section_rows(const std::string& text, std::string_view heading) {
  std::vector<std::pair<std::string, std::string>> rows;
  bool inside = false;
  for (std::string_view line : lines_of(text)) {
    if (!inside) {
      inside = line == heading;
      continue;
    }
    if (line.empty()) break;
    if (line.rfind("  ", 0) != 0) break;
    std::string body(line.substr(2));
    auto gap = body.find("  ");
    std::string left = body.substr(0, gap);
    std::string right;
    if (gap != std::string::npos) {
      right = body.substr(gap);
      right.erase(0, right.find_first_not_of(' '));
    }
    rows.emplace_back(left, right);
  }
  return rows;
}

void fill(CommandNode& node, CommandFn run, const Args& prefix);

void apply_parser(CommandNode& node, const ParserDescription& p) {
  node.description = p.summary;
  node.usage = p.usage;
  node.epilog = p.epilog;
  node.options = p.options;
  for (const auto& [name, help] : p.positionals) {
    auto words = split_words(name);
    size_t lead = 0;
    while (lead < words.size() && is_word(words[lead])) ++lead;
    if (lead == 0) {
      node.arguments.emplace_back(name, help);
      node.placeholders.insert(node.placeholders.end(), words.begin(), words.end());
      continue;
    }
    // "bundle create DIR": subcommand words, then what they take; they share this parser.
    CommandNode* at = &node;
    for (size_t i = 0; i < lead; ++i) {
      CommandNode* child = nullptr;
      for (auto& c : at->subcommands)
        if (c.name == words[i]) child = &c;
      if (!child) {
        CommandNode c;
        c.name = words[i];
        c.path = at->path + " " + words[i];
        c.options = p.options;
        at->subcommands.push_back(std::move(c));
        child = &at->subcommands.back();
      }
      if (child->summary.empty()) child->summary = help;
      at = child;
    }
    at->summary = help;
    at->placeholders.assign(words.begin() + static_cast<std::ptrdiff_t>(lead), words.end());
  }
  if (p.positionals.empty()) node.placeholders = usage_placeholders(p.usage);
}

void fill(CommandNode& node, CommandFn run, const Args& prefix) {
  Described d = run_help(run, prefix);
  if (d.captured) {
    apply_parser(node, d.parser);
    return;
  }
  node.help_text = d.text;
  node.description = d.text.substr(0, d.text.find('\n'));
  if (auto at = d.text.find("Usage: " + node.path); at != std::string::npos) {
    auto start = at + 7 + node.path.size();
    auto end = d.text.find('\n', start);
    node.usage = d.text.substr(start, end - start);
    node.usage.erase(0, node.usage.find_first_not_of(' '));
  }
  node.options = parse_option_lines(d.text, "Options:");
  for (const auto& [name, summary] : section_rows(d.text, "Subcommands:")) {
    if (!is_word(name)) continue;
    CommandNode child;
    child.name = name;
    child.path = node.path + " " + name;
    child.summary = summary;
    Args sub = prefix;
    sub.push_back(name);
    fill(child, run, sub);
    node.subcommands.push_back(std::move(child));
  }
}

}  // namespace

const CommandNode* CommandNode::subcommand(std::string_view word) const {
  for (const auto& c : subcommands)
    if (c.name == word) return &c;
  return nullptr;
}

const ParserDescription::Option* CommandNode::find_option(std::string_view long_name) const {
  for (const auto& o : options)
    if (o.name == long_name) return &o;
  return nullptr;
}

const ParserDescription::Option* CommandNode::find_short(char c) const {
  for (const auto& o : options)
    if (o.short_name != 0 && o.short_name == c) return &o;
  return nullptr;
}

std::vector<ParserDescription::Option> parse_option_lines(const std::string& help_text, std::string_view heading) {
  std::vector<ParserDescription::Option> out;
  for (const auto& [left, help] : section_rows(help_text, heading)) {
    ParserDescription::Option o;
    o.help = help;
    std::string l = left;
    if (l.size() > 4 && l[0] == '-' && l[1] != '-' && l[2] == ',') {
      o.short_name = l[1];
      l = l.substr(4);
    }
    if (l.rfind("--", 0) != 0) continue;
    auto space = l.find(' ');
    o.name = l.substr(2, space == std::string::npos ? std::string::npos : space - 2);
    if (space != std::string::npos) o.value_name = l.substr(space + 1);
    if (o.name == "help") continue;  // every command takes it; listed separately
    out.push_back(std::move(o));
  }
  return out;
}

CommandNode describe_commands() {
  // A command that writes to stdout or stderr or reads stdin directly (instead of through its
  // Context) must not reach the real streams while it describes itself.
  QuietStandardStreams guard;
  CommandNode root;
  root.name = "entratool";
  root.path = "entratool";
  Output help;
  print_program_help(help);
  root.help_text = help.str();
  {
    const std::string first = root.help_text.substr(0, root.help_text.find('\n'));
    auto dash = first.find(" - ");
    root.description = dash == std::string::npos ? first : first.substr(dash + 3);
  }
  if (auto at = root.help_text.find("Usage: entratool "); at != std::string::npos) {
    auto start = at + 17;
    root.usage = root.help_text.substr(start, root.help_text.find('\n', start) - start);
  }
  root.options = parse_option_lines(root.help_text, "Global options:");
  for (const auto& c : commands()) {
    if (c.name.rfind("__", 0) == 0) continue;
    CommandNode node;
    node.name = std::string(c.name);
    node.path = "entratool " + node.name;
    node.summary = std::string(c.summary);
    fill(node, c.run, {});
    root.subcommands.push_back(std::move(node));
  }
  return root;
}

}  // namespace entratool::host
