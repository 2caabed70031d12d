#include "core/module_path.h"

#include "core/paths.h"

namespace entratool::host {

std::string host_module_path(std::string_view file) {
  std::string prefix = executable_path();  // /proc/self/exe: absolute, symlinks resolved
  if (prefix.empty()) return {};
  for (int up = 0; up < 2; ++up)
    prefix.resize(prefix.find_last_of('/') == std::string::npos ? 0 : prefix.find_last_of('/'));
  return prefix.append("/lib/entratool/").append(file);
}

}  // namespace entratool::host
