#pragma once
// Where the host's own modules (lib/entratool/entratool-*.so, host/modules/) are found: beside
// the executable, never on a search path.

#include <string>
#include <string_view>

namespace entratool::host {

/// <exe>/../lib/entratool/<file>, or empty when the executable's path is unknown.
std::string host_module_path(std::string_view file);

}  // namespace entratool::host
