#include "cli/cli.h"

#include <algorithm>

namespace entratool::host {

std::string format_table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width;
  for (const auto& r : rows) {
    if (width.size() < r.size()) width.resize(r.size(), 0);
    for (size_t i = 0; i < r.size(); ++i) width[i] = std::max(width[i], r[i].size());
  }
  std::string out;
  for (const auto& r : rows) {
    std::string line;
    for (size_t i = 0; i < r.size(); ++i) {
      line += r[i];
      if (i + 1 < r.size()) line.append(width[i] + 2 - r[i].size(), ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out;
}

namespace {
thread_local DescribeScope* active_describe = nullptr;
}

DescribeScope::DescribeScope(ParserDescription& target) : target_(target), previous_(active_describe) {
  active_describe = this;
}
DescribeScope::~DescribeScope() { active_describe = previous_; }

ArgParser::ArgParser(std::string command, std::string summary, std::string usage)
    : command_(std::move(command)), summary_(std::move(summary)), usage_(std::move(usage)) {
  // get-token declares about 20 options: one allocation instead of growing through five (every
  // run pays for its declarations, the cached get-token included).
  specs_.reserve(24);
}

ArgParser& ArgParser::flag(std::string name, char short_name, std::string help) {
  specs_.push_back({std::move(name), short_name, {}, std::move(help), {}});
  return *this;
}
ArgParser& ArgParser::option(std::string name, char short_name, std::string value_name, std::string help) {
  specs_.push_back({std::move(name), short_name, std::move(value_name), std::move(help), {}});
  return *this;
}
ArgParser& ArgParser::choices(std::vector<std::string> values) {
  if (!specs_.empty()) specs_.back().choices = std::move(values);
  return *this;
}
ArgParser& ArgParser::positional(std::string name, std::string help) {
  positional_docs_.emplace_back(std::move(name), std::move(help));
  return *this;
}
ArgParser& ArgParser::epilog(std::string text) {
  epilog_ = std::move(text);
  return *this;
}

const ArgParser::Spec* ArgParser::find_long(std::string_view name) const {
  for (const auto& s : specs_)
    if (s.name == name) return &s;
  return nullptr;
}
const ArgParser::Spec* ArgParser::find_short(char c) const {
  for (const auto& s : specs_)
    if (s.short_name != 0 && s.short_name == c) return &s;
  return nullptr;
}

sdk::Status ArgParser::parse(const std::vector<std::string>& args, size_t max_positionals) {
  if (DescribeScope* scope = active_describe; scope && !scope->captured_) {
    ParserDescription& d = scope->target_;
    d = ParserDescription{command_, summary_, usage_, epilog_, positional_docs_, {}};
    for (const auto& s : specs_) d.options.push_back({s.name, s.short_name, s.value_name, s.help, s.choices});
    scope->captured_ = true;
    return sdk::Status::general("describe-only").with_code("entratool.describe_only");
  }
  const std::string see = "; see '" + command_ + " --help'";
  bool only_positionals = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (only_positionals || a == "-" || a.empty() || a[0] != '-') {
      positionals_.push_back(a);
      continue;
    }
    if (a == "--") {
      only_positionals = true;
      continue;
    }
    if (a == "--help" || a == "-h") {
      help_ = true;
      continue;
    }
    const Spec* spec = nullptr;
    std::optional<std::string> inline_value;
    if (a.rfind("--", 0) == 0) {
      std::string name = a.substr(2);
      if (auto eq = name.find('='); eq != std::string::npos) {
        inline_value = name.substr(eq + 1);
        name.resize(eq);
      }
      spec = find_long(name);
      if (!spec)
        return sdk::Status::general(
            std::string("unknown flag '--").append(name).append("' for '").append(command_).append("'").append(see));
    } else {
      spec = find_short(a[1]);
      if (!spec)
        return sdk::Status::general("unknown flag '-" + std::string(1, a[1]) + "' for '" + command_ + "'" + see);
      if (a.size() > 2) {
        if (spec->value_name.empty())
          return sdk::Status::general(
              std::string("unknown flag '").append(a).append("' for '").append(command_).append("'").append(see));
        inline_value = a.substr(2);
      }
    }
    if (spec->value_name.empty()) {
      if (inline_value) return sdk::Status::general("flag '--" + spec->name + "' takes no value" + see);
      given_.emplace_back(spec->name, "");
      continue;
    }
    if (!inline_value) {
      if (i + 1 >= args.size())
        return sdk::Status::general("flag '--" + spec->name + "' needs a value (" + spec->value_name + ")" + see);
      inline_value = args[++i];
    }
    given_.emplace_back(spec->name, *inline_value);
  }
  if (!help_ && positionals_.size() > max_positionals) {
    return sdk::Status::general("unexpected argument '" + positionals_[max_positionals] + "' for '" + command_ + "'" +
                                see);
  }
  return sdk::Status::ok();
}

bool ArgParser::has(std::string_view name) const {
  return std::any_of(given_.begin(), given_.end(), [&](const auto& g) { return g.first == name; });
}
std::optional<std::string> ArgParser::value(std::string_view name) const {
  for (auto it = given_.rbegin(); it != given_.rend(); ++it)
    if (it->first == name) return it->second;
  return std::nullopt;
}
std::vector<std::string> ArgParser::values(std::string_view name) const {
  std::vector<std::string> out;
  for (const auto& g : given_)
    if (g.first == name) out.push_back(g.second);
  return out;
}

std::string ArgParser::help_text() const {
  std::string out = summary_ + "\n\nUsage: " + command_ + " " + usage_ + "\n";
  if (!positional_docs_.empty()) {
    out += "\nArguments:\n";
    for (const auto& [name, help] : positional_docs_) {
      std::string left = "  " + name;
      if (left.size() + 2 <= 28)
        left.resize(28, ' ');
      else
        left += "  ";
      out += left + help + "\n";
    }
  }
  out += "\nOptions:\n";
  auto line = [&](const std::string& left_in, const std::string& help) {
    std::string left = left_in;
    if (left.size() + 2 <= 28)
      left.resize(28, ' ');
    else
      left += "  ";
    out += left + help + "\n";
  };
  for (const auto& s : specs_) {
    std::string left = s.short_name ? std::string("  -") + s.short_name + ", " : std::string("      ");
    left += "--" + s.name;
    if (!s.value_name.empty()) left += " " + s.value_name;
    line(left, s.help);
  }
  line("  -h, --help", "Show this help");
  if (!epilog_.empty()) out += "\n" + epilog_ + (epilog_.back() == '\n' ? "" : "\n");
  return out;
}

}  // namespace entratool::host
