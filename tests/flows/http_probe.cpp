// entratool-http-probe: drives the real network module (and optionally a real flow plugin) for
// tests/integration/test_http.py, printing one JSON object: {"ok":…, "category":…, "message":…,
// "status":…, "body":…} or for --flow {"ok":…, "access_token":…, "expires_in":…, "scopes":[…]}.
//
//   entratool-http-probe URL [--method M] [--form k=v]... [--header k=v]... [--ca FILE]
//                            [--timeout-ms N] [--proxy P] [--module PATH]
//   entratool-http-probe --flow client-credentials --token-endpoint URL --client-id ID
//       --scope S [--secret S | --cert FILE [--key FILE] [--password P]] [--setting k=v]...
//       [--ca FILE] [--timeout-ms N]
#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>

#include "core/acquisition.h"
#include "entratool/sdk/flow.h"
#include "entratool/support/json.h"
#include "plugin_flow.h"
#include "services/http_module.h"
#include "services/services.h"
#include "services/signer.h"

namespace sdk = entratool::sdk;
namespace json = entratool::support::json;

namespace {

int print_status(const sdk::Status& st) {
  auto out = json::Value::object();
  out.set("ok", json::Value::boolean(false));
  out.set("category", json::Value::number(static_cast<long long>(st.category())));
  out.set("message", json::Value::string(st.message()));
  std::cout << json::serialize(out) << "\n";
  return 0;
}

std::pair<std::string, std::string> split_kv(const std::string& s) {
  auto eq = s.find('=');
  if (eq == std::string::npos) return {s, ""};
  return {s.substr(0, eq), s.substr(eq + 1)};
}

}  // namespace

int main(int argc, char** argv) {
  sdk::HttpRequest req;
  req.method = "GET";
  std::string module = ENTRATOOL_HTTP_MODULE;
  std::string flow_id;
  sdk::FlowRequest fr;
  entratool::host::Acquisition acquisition;  // the credentials: the host's, never the request's
  long long timeout_ms = 10000;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--method")
      req.method = next();
    else if (a == "--form")
      req.form.push_back(split_kv(next()));
    else if (a == "--header")
      req.headers.push_back(split_kv(next()));
    else if (a == "--ca")
      req.ca_bundle = fr.ca_bundle = next();
    else if (a == "--timeout-ms")
      timeout_ms = std::stoll(next());
    else if (a == "--proxy")
      req.proxy = next();
    else if (a == "--module")
      module = next();
    else if (a == "--flow")
      flow_id = next();
    else if (a == "--token-endpoint")
      fr.token_endpoint = next();
    else if (a == "--client-id")
      fr.client_id = next();
    else if (a == "--scope")
      fr.scopes.push_back(next());
    else if (a == "--secret")
      fr.client_auth = sdk::ClientAuthMethod::secret, acquisition.client_secret = next();
    else if (a == "--cert")
      fr.client_auth = sdk::ClientAuthMethod::certificate, acquisition.certificate_path = next();
    else if (a == "--key")
      acquisition.private_key_path = next();
    else if (a == "--password")
      acquisition.certificate_password = next();
    else if (a == "--setting")
      fr.settings.insert(split_kv(next()));
    else if (!a.empty() && a[0] != '-')
      req.url = a;
    else {
      std::fprintf(stderr, "unknown argument %s\n", a.c_str());
      return 2;
    }
  }
  req.timeout = std::chrono::milliseconds(timeout_ms);

  auto client = entratool::host::load_http_module(module);
  if (!client) return print_status(client.status());

  if (!flow_id.empty()) {
    entratool::host::set_crypto_module_path_for_testing(ENTRATOOL_CRYPTO_MODULE);
    entratool::host::Services services;
    services.set_http_for_testing(std::move(*client));
    test_plugins::PluginFlows plugin(std::string(ENTRATOOL_PLUGIN_DIR) + "/entratool-" + flow_id + ".so", services);
    if (!plugin.has(flow_id))
      return print_status(
          sdk::Status::general("no flow '" + flow_id + "'" + (plugin.error().empty() ? "" : ": " + plugin.error())));
    fr.deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    acquisition.client_id = fr.client_id;
    acquisition.client_auth = fr.client_auth;
    acquisition.settings = fr.settings;
    entratool::host::ScopedAcquisition current(acquisition, fr);
    auto token = plugin.acquire(flow_id, fr, services);
    if (!token) return print_status(token.status());
    auto out = json::Value::object();
    out.set("ok", json::Value::boolean(true));
    out.set("access_token", json::Value::string(token->access_token));
    out.set("expires_in",
            json::Value::number(static_cast<long long>(sdk::seconds_left(*token, std::chrono::system_clock::now()))));
    auto scopes = json::Value::array();
    for (const auto& s : token->scopes) scopes.push_back(json::Value::string(s));
    out.set("scopes", std::move(scopes));
    std::cout << json::serialize(out) << "\n";
    return 0;
  }

  auto res = (*client)->send(req);
  if (!res) return print_status(res.status());
  auto out = json::Value::object();
  out.set("ok", json::Value::boolean(true));
  out.set("status", json::Value::number(static_cast<long long>(res->status)));
  auto headers = json::Value::object();
  for (const auto& [k, v] : res->headers) headers.set(k, json::Value::string(v));
  out.set("headers", std::move(headers));
  out.set("body", json::Value::string(res->body));
  std::cout << json::serialize(out) << "\n";
  return 0;
}
