#include "core/paths.h"

#include <unistd.h>

#include <climits>
#include <cstdlib>

namespace entratool::host {

namespace {
std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}
std::string home() {
  std::string h = env("HOME");
  return h.empty() ? std::string("/") : h;
}
std::string parent(const std::string& p) {
  auto slash = p.find_last_of('/');
  return slash == std::string::npos || slash == 0 ? std::string("/") : p.substr(0, slash);
}
}  // namespace

std::string config_dir() {
  std::string dir = env("ENTRATOOL_CONFIG_DIR");
  if (!dir.empty()) return dir;
  std::string xdg = env("XDG_CONFIG_HOME");
  if (!xdg.empty() && xdg[0] == '/') return xdg + "/entratool";
  return home() + "/.config/entratool";
}

std::string executable_path() {
  // Read once: the policy, the bundled plugin folder and the modules are all found from it, and
  // each readlink of /proc/self/exe is a walk through procfs (about 7 µs here).
  static const std::string path = [] {
    char buf[PATH_MAX];
    ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
    return n <= 0 ? std::string() : std::string(buf, static_cast<size_t>(n));
  }();
  return path;
}

std::string policy_path() {
  std::string exe = executable_path();
  if (exe.empty()) return {};
  std::string prefix = parent(parent(exe));
  return (prefix == "/usr" ? std::string() : prefix == "/" ? std::string() : prefix) + "/etc/entratool/policy.json";
}

std::vector<PluginSearchDir> plugin_search_dirs(const std::vector<std::string>& flag_dirs) {
  std::vector<PluginSearchDir> dirs;
  auto add = [&](std::string path, const char* origin) {
    while (path.size() > 1 && path.back() == '/') path.pop_back();
    if (path.empty()) return;
    for (const auto& d : dirs)
      if (d.path == path) return;
    dirs.push_back({std::move(path), origin});
  };
  for (const auto& d : flag_dirs) add(d, "--plugin-dir");
  std::string list = env("ENTRATOOL_PLUGIN_PATH");
  size_t start = 0;
  while (start <= list.size() && !list.empty()) {
    size_t colon = list.find(':', start);
    std::string item = list.substr(start, colon == std::string::npos ? std::string::npos : colon - start);
    add(item, "ENTRATOOL_PLUGIN_PATH");
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  std::string data = env("XDG_DATA_HOME");
  add((!data.empty() && data[0] == '/' ? data : home() + "/.local/share") + "/entratool/plugins", "user");
#ifdef ENTRATOOL_SYSTEM_PLUGIN_DIR
  add(ENTRATOOL_SYSTEM_PLUGIN_DIR, "system");
#endif
  std::string exe = executable_path();
  if (!exe.empty()) add(parent(parent(exe)) + "/lib/entratool/plugins", "bundled");
  return dirs;
}

}  // namespace entratool::host
