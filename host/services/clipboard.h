#pragma once
// Copying a token to the desktop clipboard with the platform's tool: wl-copy (Wayland), xclip or
// xsel (X11), pbcopy (macOS), clip.exe (WSL, Windows) — the first that works. The text goes to
// the tool's standard input, never its command line, and the tool gets the scrubbed environment
// (services/child_process.h).

#include <string>
#include <string_view>
#include <vector>

#include "entratool/sdk/status.h"

namespace entratool::host {

/// The tools to try, in order, for the current session ($WAYLAND_DISPLAY, $DISPLAY): argv each.
std::vector<std::vector<std::string>> clipboard_candidates();

/// Ok when at least one of the candidates is installed; else the error copy_to_clipboard would
/// give, so a command can refuse before it does any work.
sdk::Status check_clipboard_tool();

/// Copies `text`; returns the tool used. Error (general, one line) when no tool is installed or
/// none of them worked, saying what was tried and what to install.
sdk::Result<std::string> copy_to_clipboard(std::string_view text);

}  // namespace entratool::host
