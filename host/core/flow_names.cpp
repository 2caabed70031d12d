#include "core/flow_names.h"

#include <cctype>

namespace entratool::host {

std::string canonical_flow_id(std::string_view name) {
  std::string folded;  // lower case, without '-' and '_'
  std::string lower;
  for (char c : name) {
    char l = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    lower += l;
    if (l != '-' && l != '_') folded += l;
  }
  if (folded == "clientcredentials") return "client-credentials";
  if (folded == "authorizationcode" || folded == "authcode") return "authorization-code";
  if (folded == "devicecode") return "device-code";
  if (folded == "interactivebrowser" || folded == "interactive") return "interactive-browser";
  return lower;
}

}  // namespace entratool::host
