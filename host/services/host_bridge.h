#pragma once
// The host side of the C boundary for services: an et_host whose services (abi.h) forward to a
// C++ sdk::HostServices. Every plugin call gets the same et_host, made once per HostServices and
// kept until exit. Conversions live in the SDK (entratool/sdk/detail/convert.h), shared with the
// adapter, so both sides read the structs the same way.

#include "entratool/sdk/abi.h"
#include "entratool/sdk/host_services.h"

namespace entratool::host {

/// The et_host that lends `services` to plugins. Valid until exit; `services` must be too.
const et_host* host_bridge(sdk::HostServices& services);

}  // namespace entratool::host
