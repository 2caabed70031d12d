#include "core/host_module.h"

#include "plugins/library_file.h"
#include "plugins/trust.h"

namespace entratool::host {

sdk::Result<boost::dll::shared_library> open_host_module(const std::string& path, const HostModuleSpec& spec) {
  auto refuse = [&](std::string message) { return sdk::Status::error(spec.category, std::move(message)); };
  const std::string what = spec.what;
  const std::string fix = "; reinstall entratool";
  if (path.empty()) return refuse("cannot locate the " + what + " (unknown executable path)" + fix);
  PathCheck check = check_path(path, what, AllowedOwners::root_or_self());
  if (!check.ok()) return refuse(check.problem + fix);
  const std::string& file = check.resolved;
  if (auto why = damaged_library(file); !why.empty()) return refuse("the " + what + " '" + file + "' " + why + fix);
  boost::dll::shared_library library;
  boost::dll::fs::error_code ec;
  library.load(file, boost::dll::load_mode::rtld_now, ec);
  if (ec) return refuse("cannot load the " + what + " '" + file + "' (" + ec.message() + ")" + fix);
  auto lacks = [&](const char* name) { return refuse("the " + what + " '" + file + "' lacks '" + name + "'" + fix); };
  // The version first: a module of another version is told apart from a broken one.
  if (!library.has(spec.abi_symbol)) return lacks(spec.abi_symbol);
  const int abi = library.get<int()>(spec.abi_symbol)();
  if (abi != spec.abi_version)
    return refuse("the " + what + " '" + file + "' has interface version " + std::to_string(abi) +
                  ", this entratool needs " + std::to_string(spec.abi_version) + fix);
  for (const char* name : spec.symbols)
    if (!library.has(name)) return lacks(name);
  return library;
}

}  // namespace entratool::host
