// `entratool get-token -o hello` greets the token instead of printing it: the smallest formatter.
#include <entratool/sdk/plugin.h>  // the whole SDK: the interfaces, the adapter, the entry macro

using namespace entratool::sdk;

struct Hello final : Formatter {
  Result<std::string> format_token(const TokenResponse& token, const FormatContext& context) override {
    std::string scopes;  // never prints the token itself: a greeting is all this format promises
    for (const auto& s : token.scopes) scopes += (scopes.empty() ? "" : " ") + s;
    return "Hello! token_type=" + token.token_type + " expires_in=" + std::to_string(seconds_left(token, context.now)) +
           " scope=\"" + scopes + "\"\n";
  }
  // Documents (plugins list, inspect) arrive as JSON text; the host has validated it.
  Result<std::string> format_document(std::string_view json) override {
    return "Hello! " + std::to_string(json.size()) + " bytes of JSON\n";
  }
};

Status register_components(Registrar& r) { return r.add_formatter("hello", std::make_unique<Hello>()); }

ENTRATOOL_PLUGIN(register_components)
