#include "services/client_auth.h"

#include <cctype>
#include <cstdio>

#include "core/acquisition.h"
#include "entratool/support/encoding.h"
#include "entratool/support/json.h"
#include "services/pkce.h"

namespace entratool::host {

namespace {

constexpr const char* kAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
constexpr std::chrono::seconds kAssertionLifetime{600};  // Entra's limit is 10 minutes

// The setting as configured (the acquisition's first, then the request's), or nullptr.
const std::string* raw_setting(const Acquisition* a, const sdk::FlowRequest& r, const std::string& name) {
  if (a) {
    if (auto it = a->settings.find(name); it != a->settings.end()) return &it->second;
  }
  if (auto it = r.settings.find(name); it != r.settings.end()) return &it->second;
  return nullptr;
}

std::string lower(const std::string* v) {
  std::string out;
  if (v)
    for (char c : *v) out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

sdk::Result<std::string> random_uuid() {
  auto bytes = random_bytes(16);
  if (!bytes) return sdk::Status::general("no randomness available for the assertion id");
  auto* b = reinterpret_cast<unsigned char*>(bytes->data());
  b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);
  b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);
  char out[37];
  std::snprintf(out, sizeof out, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
                b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
  return std::string(out);
}

sdk::Status no_acquisition() {
  return sdk::Status::general(
      "the client's credentials are not available to this request (it does not belong to the current acquisition)");
}

}  // namespace

std::string basic_authorization(std::string_view client_id, std::string_view client_secret) {
  return "Basic " +
         support::base64_encode(support::form_urlencode(client_id) + ":" + support::form_urlencode(client_secret));
}

sdk::Result<std::string> make_client_assertion(Signer& signer, std::string_view alg, bool send_x5c,
                                               std::string_view client_id, std::string_view audience,
                                               std::chrono::system_clock::time_point now) {
  if (alg != "PS256" && alg != "RS256")
    return sdk::Status::general("assertion_alg must be PS256 or RS256, not '" + std::string(alg) + "'");
  auto jti = random_uuid();
  if (!jti) return jti.status();

  auto header = support::json::Value::object();
  header.set("alg", support::json::Value::string(std::string(alg)));
  header.set("typ", support::json::Value::string("JWT"));
  // PS256 goes with the SHA-256 thumbprint (current Entra guidance), RS256 with the older SHA-1 one.
  if (alg == "PS256")
    header.set("x5t#S256", support::json::Value::string(signer.x5t_s256()));
  else
    header.set("x5t", support::json::Value::string(signer.x5t()));
  if (send_x5c) {
    auto chain = support::json::Value::array();
    for (const auto& der : signer.chain_der())
      chain.push_back(support::json::Value::string(support::base64_encode(der)));
    header.set("x5c", std::move(chain));
  }

  const long long iat = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  auto claims = support::json::Value::object();
  claims.set("aud", support::json::Value::string(std::string(audience)));
  claims.set("iss", support::json::Value::string(std::string(client_id)));
  claims.set("sub", support::json::Value::string(std::string(client_id)));
  claims.set("jti", support::json::Value::string(*jti));
  claims.set("nbf", support::json::Value::number(iat));
  claims.set("iat", support::json::Value::number(iat));
  claims.set("exp", support::json::Value::number(iat + kAssertionLifetime.count()));

  std::string signing_input = support::base64url_encode(support::json::serialize(header)) + "." +
                              support::base64url_encode(support::json::serialize(claims));
  auto signature = signer.sign(alg, signing_input);
  if (!signature) return signature.status();
  return signing_input + "." + support::base64url_encode(*signature);
}

ClientAuthService::ClientAuthService(sdk::HostServices& services, SignerFactory signers)
    : services_(services), signers_(signers ? std::move(signers) : SignerFactory(&certificate_signer_for)) {}

sdk::Status ClientAuthService::apply(const sdk::FlowRequest& request, std::string_view audience, sdk::Form& form,
                                     sdk::Headers& headers) {
  const Acquisition* a = current_acquisition(request);
  // The host's client id wins: a plugin cannot send the profile's credentials for another client.
  const std::string& client_id = a && !a->client_id.empty() ? a->client_id : request.client_id;
  if (client_id.empty()) return sdk::Status::general("no client ID configured");
  switch (request.client_auth) {
    case sdk::ClientAuthMethod::none:
      form.emplace_back("client_id", client_id);
      return sdk::Status::ok();
    case sdk::ClientAuthMethod::secret: {
      if (!a) return no_acquisition();
      if (a->client_secret.empty()) return sdk::Status::general("no client secret available for this profile");
      const std::string* configured = raw_setting(a, request, "client_auth");
      std::string mode = lower(configured);
      if (mode.empty() || mode == "basic") {
        headers.emplace_back("Authorization", basic_authorization(client_id, a->client_secret));
      } else if (mode == "body" || mode == "post") {
        form.emplace_back("client_id", client_id);
        form.emplace_back("client_secret", a->client_secret);
      } else {
        return sdk::Status::general("client_auth must be 'basic' or 'body', not '" + *configured + "'");
      }
      return sdk::Status::ok();
    }
    case sdk::ClientAuthMethod::certificate: {
      if (!a) return no_acquisition();
      const std::string* configured = raw_setting(a, request, "assertion_alg");
      std::string alg = lower(configured);
      if (alg.empty() || alg == "ps256")
        alg = "PS256";
      else if (alg == "rs256")
        alg = "RS256";
      else
        return sdk::Status::general("assertion_alg must be PS256 or RS256, not '" + *configured + "'");
      const std::string x5c = lower(raw_setting(a, request, "send_x5c"));
      const bool send_x5c = x5c == "true" || x5c == "yes" || x5c == "1";
      const std::string aud = audience.empty() ? request.token_endpoint : std::string(audience);
      if (aud.empty()) return sdk::Status::general("no token endpoint for this profile");
      auto signer = signers_(*a);
      if (!signer) return signer.status();
      auto assertion = make_client_assertion(**signer, alg, send_x5c, client_id, aud, services_.clock().now());
      if (!assertion) return assertion.status();
      form.emplace_back("client_id", client_id);
      form.emplace_back("client_assertion_type", kAssertionType);
      form.emplace_back("client_assertion", std::move(*assertion));
      return sdk::Status::ok();
    }
  }
  return sdk::Status::general("unknown client authentication method");
}

}  // namespace entratool::host
