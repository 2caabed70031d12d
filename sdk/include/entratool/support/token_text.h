#pragma once
/// \file token_text.h
/// Checks on a token response's text before a formatter prints it (support library: linked
/// statically into the plugin that uses it, never part of the plugin contract).

#include "entratool/sdk/token.h"

namespace entratool::support {

/// The first printed field of `token` that is not valid UTF-8 ("token_type", "scope",
/// "access_token" or "refresh_token"), or nullptr when all are. JSON and YAML writers copy bytes
/// through unchanged, which would print text no reader accepts.
const char* first_non_utf8_field(const sdk::TokenResponse& token);

}  // namespace entratool::support
