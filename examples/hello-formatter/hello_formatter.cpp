// The smallest useful formatter: `entratool get-token -o hello` greets the token instead of
// printing it. It uses only the SDK's public headers and support library.
#include <memory>
#include <string>

#include <entratool/sdk/formatter.h>
#include <entratool/sdk/plugin.h>
#include <entratool/support/json.h>

namespace {

using namespace entratool::sdk;
namespace json = entratool::support::json;

class HelloFormatter final : public Formatter {
 public:
  // Never prints the token itself: a greeting is all this format promises.
  Result<std::string> format_token(const TokenResponse& token, const FormatContext& context) override {
    std::string scopes;
    for (const auto& s : token.scopes) scopes += (scopes.empty() ? "" : " ") + s;
    return "Hello! token_type=" + token.token_type + " expires_in=" +
           std::to_string(seconds_left(token, context.now)) + " scope=\"" + scopes + "\"\n";
  }

  // Documents (inspect, plugins list) get one friendly line per top-level entry.
  Result<std::string> format_document(std::string_view text) override {
    auto doc = json::parse(text);
    if (!doc) return doc.status();
    std::string out;
    if (doc->is_array()) {
      out = "Hello! " + std::to_string(doc->items().size()) + " entries\n";
      for (const auto& item : doc->items()) {
        std::string id = item.get_string("id");
        out += "  hello, " + (id.empty() ? json::serialize(item) : id) + "\n";
      }
    } else if (doc->is_object()) {
      out = "Hello! " + std::to_string(doc->members().size()) + " fields\n";
      for (const auto& [key, value] : doc->members())
        out += "  " + key + ": " + (value.is_string() ? value.text() : json::serialize(value)) + "\n";
    } else {
      out = "Hello! " + json::serialize(*doc) + "\n";
    }
    return out;
  }
};

// Called once by the host after it has checked the descriptor; must not throw.
Status register_hello(Registrar& registrar) { return registrar.add_formatter(std::make_unique<HelloFormatter>()); }

}  // namespace

ENTRATOOL_PLUGIN("hello", "formatter", "1.0.0", "Says hello to your token (an example plugin)", &register_hello)
