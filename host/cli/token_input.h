#pragma once
// Where `inspect` and `discover` get the token they decode: a positional argument, -t TOKEN,
// -f FILE, standard input (piped, or "-"), or -p PROFILE (the profile's cached token). Every
// source is read with the same size bound as the decoder (jwt::kMaxTokenBytes).

#include <string>
#include <string_view>

#include "entratool/sdk/status.h"

namespace entratool::host {

class ArgParser;
class Context;

/// Declares -t/--token, -f/--file, -p/--profile and the TOKEN positional on a command's parser.
void declare_token_source_flags(ArgParser& parser);

/// Reads the one token the parsed flags point to. Errors: no source or more than one source,
/// an unreadable file, an input larger than the bound, a profile that does not exist (exit 2) or
/// has no cached token, and an empty token (blank argument, file or input), which names
/// `entratool <command> -p PROFILE` for the token cached by get-token.
sdk::Result<std::string> read_token_input(Context& ctx, const ArgParser& parser, std::string_view command = "inspect");

}  // namespace entratool::host
