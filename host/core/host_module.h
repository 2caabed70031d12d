#pragma once
// Opening a host-private module (lib/entratool/entratool-*.so: OpenSSL or libsodium behind a C
// boundary) with the checks a plugin gets, since a module runs with the user's secrets too: the
// owner and mode of the file and of every folder on its way (root or the user, writable by no
// one else), its ELF headers against the file's size (glibc's dlopen dies of SIGBUS on a truncated
// library), then dlopen(RTLD_NOW), every symbol the caller uses, and the interface version. Each
// refusal is one line naming the module and ending in "; reinstall entratool".

#include <boost/dll/shared_library.hpp>

#include <initializer_list>
#include <string>

#include "entratool/sdk/status.h"

namespace entratool::host {

struct HostModuleSpec {
  const char* what;                            ///< for messages: "encryption module", "plugin-trust module"
  const char* abi_symbol;                      ///< int NAME(void): the module's interface version
  int abi_version;                             ///< the version this host needs
  std::initializer_list<const char*> symbols;  ///< everything else the caller looks up
  sdk::ErrorCategory category = sdk::ErrorCategory::general;  ///< of every refusal (network: exit 4)
};

/// The loaded module at `path` (empty: the executable's path was unknown), or why not. The
/// caller keeps the library until exit: code from it may run until then.
sdk::Result<boost::dll::shared_library> open_host_module(const std::string& path, const HostModuleSpec& spec);

}  // namespace entratool::host
