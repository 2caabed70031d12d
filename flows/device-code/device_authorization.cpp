#include "device_authorization.h"

#include <algorithm>
#include <optional>

#include "entratool/support/json.h"

namespace entratool::flows {

namespace {

std::optional<long long> number_or_numeric_string(const support::json::Value* v) {
  if (!v) return std::nullopt;
  if (v->is_number()) return v->as_int();
  if (v->is_string() && !v->text().empty() && v->text().size() < 10 &&
      v->text().find_first_not_of("0123456789") == std::string::npos)
    return std::stoll(v->text());
  return std::nullopt;
}

}  // namespace

sdk::Result<DeviceAuthorization> parse_device_authorization(const std::string& body) {
  auto doc = support::json::parse(body);
  if (!doc || !doc->is_object())
    return sdk::Status::network("the device code endpoint returned an unusable response (not a JSON object)");
  DeviceAuthorization d;
  d.device_code = doc->get_string("device_code");
  d.user_code = doc->get_string("user_code");
  // Entra's v1 endpoint says verification_url; RFC 8628 and v2 say verification_uri.
  d.verification_uri = doc->get_string("verification_uri", doc->get_string("verification_url"));
  if (d.device_code.empty() || d.user_code.empty() || d.verification_uri.empty())
    return sdk::Status::network(
        "the device code endpoint returned an unusable response (device_code, user_code or "
        "verification_uri missing)");
  if (auto e = number_or_numeric_string(doc->find("expires_in")); e && *e > 0)
    d.expires_in = std::min(*e, kMaxExpiresIn);
  if (auto i = number_or_numeric_string(doc->find("interval")); i && *i > 0) d.interval = std::min(*i, kMaxInterval);
  return d;
}

}  // namespace entratool::flows
