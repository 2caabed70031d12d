// The `exec-credential` output format: what kubectl (client-go) expects from an exec credential
// plugin on stdout,
//   {"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","spec":{...},
//    "status":{"expirationTimestamp":"2025-12-28T15:30:00Z","token":"..."}}
// kubectl says which apiVersion it wants in KUBERNETES_EXEC_INFO (an ExecCredential with an
// empty status); v1 and v1beta1 are answered, anything else is refused, as client-go would
// refuse the answer. Without KUBERNETES_EXEC_INFO (run by hand) the answer is v1.
#include <cstdlib>
#include <memory>
#include <string>

#include "entratool/sdk/plugin.h"
#include "entratool/support/encoding.h"
#include "entratool/support/json.h"

namespace {

using entratool::sdk::FormatContext;
using entratool::sdk::Result;
using entratool::sdk::Status;
using entratool::sdk::TokenResponse;
namespace json = entratool::support::json;

constexpr const char* kV1 = "client.authentication.k8s.io/v1";
constexpr const char* kV1beta1 = "client.authentication.k8s.io/v1beta1";

class ExecCredentialFormatter final : public entratool::sdk::Formatter {
 public:
  Result<std::string> format_token(const TokenResponse& token, const FormatContext&) override {
    std::string api_version = kV1;
    json::Value spec = json::Value::object();
    if (const char* info = std::getenv("KUBERNETES_EXEC_INFO"); info && *info) {
      auto doc = json::parse(info);
      if (!doc || !doc->is_object())
        return Status::general("KUBERNETES_EXEC_INFO is not a JSON ExecCredential; unset it or let kubectl set it");
      api_version = doc->get_string("apiVersion");
      if (api_version != kV1 && api_version != kV1beta1)
        return Status::general("KUBERNETES_EXEC_INFO asks for apiVersion '" + api_version + "'; entratool answers " +
                               kV1 + " and " + kV1beta1 + " (set apiVersion in the kubeconfig's exec section)");
      if (const json::Value* s = doc->find("spec"); s && s->is_object())
        if (const json::Value* i = s->find("interactive"); i && i->is_bool())
          spec.set("interactive", json::Value::boolean(i->as_bool()));
    }
    if (!json::is_valid_utf8(token.access_token)) return Status::general("the access token is not valid UTF-8");
    json::Value status = json::Value::object();
    status.set("expirationTimestamp", json::Value::string(entratool::support::format_utc_iso8601(token.expires_at)));
    status.set("token", json::Value::string(token.access_token));
    json::Value out = json::Value::object();
    out.set("kind", json::Value::string("ExecCredential"));
    out.set("apiVersion", json::Value::string(api_version));
    out.set("spec", std::move(spec));
    out.set("status", std::move(status));
    return json::serialize(out, 2) + "\n";
  }
  bool shows_documents() const override { return false; }
};

Status register_exec_credential(entratool::sdk::Registrar& registrar) {
  return registrar.add_formatter("exec-credential", std::make_unique<ExecCredentialFormatter>());
}

}  // namespace

ENTRATOOL_PLUGIN(register_exec_credential)
