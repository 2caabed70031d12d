#include "entratool/support/scopes.h"

#include <algorithm>

namespace entratool::support {

std::vector<std::string> user_flow_scopes(const std::vector<std::string>& scopes) {
  std::vector<std::string> out;
  auto add = [&out](const std::string& s) {
    if (!s.empty() && std::find(out.begin(), out.end(), s) == out.end()) out.push_back(s);
  };
  for (const auto& s : scopes) add(s);
  // What MSAL sends with every user sign-in; offline_access is what yields a refresh token.
  for (const char* s : {"openid", "profile", "offline_access"}) add(s);
  return out;
}

std::string join_scopes(const std::vector<std::string>& scopes) {
  std::string out;
  for (const auto& s : scopes) out += (out.empty() ? "" : " ") + s;
  return out;
}

}  // namespace entratool::support
