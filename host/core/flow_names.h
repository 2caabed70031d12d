#pragma once
// Flow names as users type them ("ClientCredentials", "device-code", "interactive") and the
// plugin ids they mean.

#include <string>
#include <string_view>

namespace entratool::host {

/// The canonical plugin id for a user-typed flow name, case-insensitively:
/// ClientCredentials/client-credentials, AuthorizationCode/authorization-code,
/// DeviceCode/device-code, InteractiveBrowser/interactive-browser/interactive.
/// Any other name is returned lower-cased (a third-party flow plugin's id).
std::string canonical_flow_id(std::string_view name);

}  // namespace entratool::host
