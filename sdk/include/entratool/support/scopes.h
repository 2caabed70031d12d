#pragma once
/// \file scopes.h
/// OAuth scope lists as the user sign-in flows send them (support library).

#include <string>
#include <vector>

namespace entratool::support {

/// Scopes for a user sign-in: `scopes`, plus openid, profile and offline_access (so a refresh
/// token is issued) unless already present. Order kept, empty entries and duplicates dropped.
std::vector<std::string> user_flow_scopes(const std::vector<std::string>& scopes);

/// Space-joined scopes, as the scope parameter wants them.
std::string join_scopes(const std::vector<std::string>& scopes);

}  // namespace entratool::support
