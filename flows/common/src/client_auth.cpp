#include "entratool/flows/client_auth.h"

#include <openssl/rand.h>

#include <cstdio>

#include "entratool/flows/certificate.h"
#include "entratool/support/encoding.h"
#include "entratool/support/json.h"

namespace entratool::flows {

namespace {

constexpr const char* kAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
constexpr std::chrono::seconds kAssertionLifetime{600};  // Entra's limit is 10 minutes

std::string setting(const sdk::FlowRequest& r, const std::string& name) {
  auto it = r.settings.find(name);
  if (it == r.settings.end()) return {};
  std::string v;
  for (char c : it->second) v += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return v;
}

sdk::Result<std::string> random_uuid() {
  unsigned char b[16];
  if (RAND_bytes(b, sizeof b) != 1) return sdk::Status::general("no randomness available for the assertion id");
  b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);
  b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);
  char out[37];
  std::snprintf(out, sizeof out, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
                b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
  return std::string(out);
}

}  // namespace

std::string basic_authorization(std::string_view client_id, std::string_view client_secret) {
  return "Basic " +
         support::base64_encode(support::form_urlencode(client_id) + ":" + support::form_urlencode(client_secret));
}

sdk::Result<std::string> make_client_assertion(const sdk::FlowRequest& request,
                                               std::chrono::system_clock::time_point now) {
  std::string alg = setting(request, "assertion_alg");
  if (alg.empty() || alg == "ps256")
    alg = "PS256";
  else if (alg == "rs256")
    alg = "RS256";
  else
    return sdk::Status::general("assertion_alg must be PS256 or RS256, not '" + request.settings.at("assertion_alg") +
                                "'");
  const std::string x5c = setting(request, "send_x5c");
  const bool send_x5c = x5c == "true" || x5c == "yes" || x5c == "1";

  auto cert = ClientCertificate::load(request.certificate_path, request.private_key_path, request.certificate_password);
  if (!cert) return cert.status();
  auto jti = random_uuid();
  if (!jti) return jti.status();

  auto header = support::json::Value::object();
  header.set("alg", support::json::Value::string(alg));
  header.set("typ", support::json::Value::string("JWT"));
  // PS256 goes with the SHA-256 thumbprint (current Entra guidance), RS256 with the older SHA-1 one.
  if (alg == "PS256")
    header.set("x5t#S256", support::json::Value::string(cert->x5t_s256()));
  else
    header.set("x5t", support::json::Value::string(cert->x5t()));
  if (send_x5c) {
    auto chain = support::json::Value::array();
    for (const auto& der : cert->chain_der())
      chain.push_back(support::json::Value::string(support::base64_encode(der)));
    header.set("x5c", std::move(chain));
  }

  const long long iat = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  auto claims = support::json::Value::object();
  claims.set("aud", support::json::Value::string(request.token_endpoint));
  claims.set("iss", support::json::Value::string(request.client_id));
  claims.set("sub", support::json::Value::string(request.client_id));
  claims.set("jti", support::json::Value::string(*jti));
  claims.set("nbf", support::json::Value::number(iat));
  claims.set("iat", support::json::Value::number(iat));
  claims.set("exp", support::json::Value::number(iat + kAssertionLifetime.count()));

  std::string signing_input = support::base64url_encode(support::json::serialize(header)) + "." +
                              support::base64url_encode(support::json::serialize(claims));
  auto signature = cert->sign(alg, signing_input);
  if (!signature) return signature.status();
  return signing_input + "." + support::base64url_encode(*signature);
}

sdk::Status apply_client_auth(const sdk::FlowRequest& request, sdk::oauth::Form& form, sdk::Headers& headers,
                              std::chrono::system_clock::time_point now) {
  if (request.client_id.empty()) return sdk::Status::general("no client ID configured");
  switch (request.client_auth) {
    case sdk::ClientAuth::none:
      form.emplace_back("client_id", request.client_id);
      return sdk::Status::ok();
    case sdk::ClientAuth::secret: {
      if (request.client_secret.empty()) return sdk::Status::general("no client secret available for this profile");
      std::string mode = setting(request, "client_auth");
      if (mode.empty() || mode == "basic") {
        headers.emplace_back("Authorization", basic_authorization(request.client_id, request.client_secret));
      } else if (mode == "body" || mode == "post") {
        form.emplace_back("client_id", request.client_id);
        form.emplace_back("client_secret", request.client_secret);
      } else {
        return sdk::Status::general("client_auth must be 'basic' or 'body', not '" +
                                    request.settings.at("client_auth") + "'");
      }
      return sdk::Status::ok();
    }
    case sdk::ClientAuth::certificate: {
      auto assertion = make_client_assertion(request, now);
      if (!assertion) return assertion.status();
      form.emplace_back("client_id", request.client_id);
      form.emplace_back("client_assertion_type", kAssertionType);
      form.emplace_back("client_assertion", std::move(*assertion));
      return sdk::Status::ok();
    }
  }
  return sdk::Status::general("unknown client authentication method");
}

}  // namespace entratool::flows
