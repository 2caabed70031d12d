#include "services/clipboard.h"

#include <cstdlib>

#include "services/child_process.h"

namespace entratool::host {

namespace {

bool set(const char* name) {
  const char* v = std::getenv(name);
  return v && *v;
}

// xclip and wl-copy fork a process that serves the selection; the first one ends at once.
constexpr std::chrono::milliseconds kToolWait{5000};

}  // namespace

std::vector<std::vector<std::string>> clipboard_candidates() {
  std::vector<std::vector<std::string>> out;
  if (set("WAYLAND_DISPLAY")) out.push_back({"wl-copy"});
  if (set("DISPLAY")) {
    out.push_back({"xclip", "-selection", "clipboard"});
    out.push_back({"xsel", "--clipboard", "--input"});
  }
  out.push_back({"pbcopy"});
  out.push_back({"clip.exe"});
  return out;
}

sdk::Status check_clipboard_tool() {
  for (const auto& argv : clipboard_candidates())
    if (program_exists(argv[0])) return sdk::Status::ok();
  const std::string what = set("WAYLAND_DISPLAY") || set("DISPLAY")
                               ? "install wl-clipboard (Wayland) or xclip or xsel (X11)"
                               : "no desktop session here (neither WAYLAND_DISPLAY nor DISPLAY is set)";
  return sdk::Status::general("no clipboard tool found (wl-copy, xclip, xsel, pbcopy, clip.exe): " + what +
                              "; leave out --copy to print the token");
}

sdk::Result<std::string> copy_to_clipboard(std::string_view text) {
  std::string failures;
  const std::string input(text);
  for (const auto& argv : clipboard_candidates()) {
    if (!program_exists(argv[0])) continue;
    auto outcome = run_child(argv, kToolWait, input);
    std::string why;
    if (!outcome)
      why = outcome.status().message();
    else if (outcome->running || outcome->exit_code == 0)
      return argv[0];  // still running: it holds the selection and has the text
    else
      why = argv[0] + " exited with " + std::to_string(outcome->exit_code) +
            (outcome->stderr_first_line.empty() ? std::string() : ": " + outcome->stderr_first_line);
    failures.append(failures.empty() ? "" : "; ").append(why);
  }
  if (!failures.empty()) return sdk::Status::general("copying to the clipboard failed (" + failures + ")");
  return check_clipboard_tool();
}

}  // namespace entratool::host
