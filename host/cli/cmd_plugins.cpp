// `entratool plugins list|info ID`: what was found where, and why a candidate is not used.
// `list` reads manifests only (no plugin code runs), so it stays as fast as starting the host.
#include <ostream>

#include "cli/cli.h"
#include "cli/commands.h"
#include "core/context.h"
#include "entratool/sdk/formatter.h"
#include "entratool/support/json.h"
#include "plugins/plugin_registry.h"

namespace entratool::host {

namespace {

namespace json = support::json;

json::Value strings(const std::vector<std::string>& list) {
  auto a = json::Value::array();
  for (const auto& s : list) a.push_back(json::Value::string(s));
  return a;
}

// What a flow's manifest declares, as `plugins info` shows it.
json::Value flow_json(const FlowDeclaration& d) {
  using R = FlowDeclaration::RefreshTokens;
  using C = FlowDeclaration::ClientAuthUse;
  auto o = json::Value::object();
  o.set("aliases", strings(d.aliases));
  o.set("interactive", json::Value::boolean(d.interactive));
  o.set("browser", json::Value::boolean(d.browser));
  o.set("refresh_tokens", json::Value::string(d.refresh_tokens == R::issues    ? "issues"
                                              : d.refresh_tokens == R::redeems ? "redeems"
                                                                               : "none"));
  o.set("client_auth", json::Value::string(d.client_auth == C::none       ? "none"
                                           : d.client_auth == C::required ? "required"
                                                                          : "optional"));
  std::vector<std::string> required;
  if (d.requires_tenant) required.push_back("tenant");
  if (d.requires_client_id) required.push_back("client_id");
  o.set("requires", strings(required));
  o.set("secrets", strings(d.secrets));
  o.set("fields", strings(d.fields));
  o.set("default_for", strings(d.default_for));
  return o;
}

json::Value candidate_json(const PluginCandidate& c, bool detailed) {
  auto o = json::Value::object();
  o.set("id", json::Value::string(c.id));
  o.set("kind", json::Value::string(c.kind));
  o.set("version", json::Value::string(c.version));
  o.set("sdk", json::Value::string(c.sdk_version));
  o.set("status", json::Value::string(std::string(to_string(c.state))));
  o.set("origin", json::Value::string(c.origin));
  o.set("path", json::Value::string(c.library));
  o.set("manifest", json::Value::string(c.manifest));
  o.set("reason", json::Value::string(c.reason));
  if (detailed) {
    o.set("description", json::Value::string(c.description));
    o.set("library_id", json::Value::string(c.library_id));
    o.set("built_with", json::Value::string(c.built_with));
    if (c.kind == "flow") o.set("declares", flow_json(c.flow));
  }
  return o;
}

std::string dash_if_empty(const std::string& s) { return s.empty() ? "-" : s; }

void print_table(std::ostream& out, const std::vector<PluginCandidate>& candidates) {
  std::vector<std::vector<std::string>> rows = {{"ID", "KIND", "VERSION", "SDK", "STATUS", "ORIGIN", "PATH", "REASON"}};
  for (const auto& c : candidates)
    rows.push_back({c.id, dash_if_empty(c.kind), dash_if_empty(c.version), dash_if_empty(c.sdk_version),
                    std::string(to_string(c.state)), c.origin, c.library.empty() ? c.manifest : c.library,
                    c.reason});
  out << format_table(rows);
}

// json is built in; any other name is a formatter plugin's rendering of the same document.
sdk::Status print_document(Context& ctx, const std::string& format, const json::Value& doc) {
  std::string text = json::serialize(doc, 2);
  if (format == "json") {
    ctx.out << text << '\n';
    return sdk::Status::ok();
  }
  auto formatter = ctx.plugins().formatter(format);
  if (!formatter) return formatter.status();
  sdk::Result<std::string> rendered = sdk::Status::general("");
  try {
    rendered = (*formatter)->format_document(text);
  } catch (...) {
    return sdk::Status::general("formatter plugin '" + format + "' threw an exception");
  }
  if (!rendered) return rendered.status();
  ctx.out << *rendered;
  return sdk::Status::ok();
}

sdk::Status list(Context& ctx, const std::string& format) {
  PluginRegistry& registry = ctx.plugins();
  if (format == "table") {
    print_table(ctx.out, registry.candidates());
    if (registry.candidates().empty()) ctx.out << "(no plugins found)\n";
    for (const auto& note : registry.notes()) ctx.out << "note: " << note << '\n';
    return sdk::Status::ok();
  }
  for (const auto& note : registry.notes()) ctx.err << "entratool: note: " << note << '\n';
  auto doc = json::Value::array();
  for (const auto& c : registry.candidates()) doc.push_back(candidate_json(c, false));
  return print_document(ctx, format, doc);
}

sdk::Status info(Context& ctx, const std::string& id, const std::string& format) {
  PluginRegistry& registry = ctx.plugins();
  const PluginCandidate* c = registry.find(id);
  if (!c) {
    for (const auto& other : registry.candidates())
      if (other.id == id) return sdk::Status::general("plugin '" + id + "' cannot be used: " + other.reason);
    std::string known;
    for (const auto& other : registry.candidates())
      if (registry.find(other.id) == &other) known += (known.empty() ? "" : ", ") + other.id;
    return sdk::Status::general("no plugin '" + id + "' (" + (known.empty() ? "no plugins found" : "known: " + known) +
                                "); see 'entratool plugins list'");
  }
  // Loading is the point of `info`: it runs every check a command using the plugin would.
  sdk::Status loaded;
  if (c->kind == "flow") loaded = registry.flow(id).status();
  else if (c->kind == "formatter") loaded = registry.formatter(id).status();
  else loaded = registry.secret_store(id).status();

  if (format == "table") {
    auto row = [&](const char* name, const std::string& value) {
      if (!value.empty()) ctx.out << name << value << '\n';
    };
    row("id:          ", c->id);
    row("kind:        ", c->kind);
    row("version:     ", c->version);
    row("description: ", c->description);
    row("sdk:         ", c->sdk_version);
    row("library id:  ", c->library_id == c->id ? std::string() : c->library_id);
    row("built with:  ", c->built_with);
    if (c->kind == "flow") row("declares:    ", json::serialize(flow_json(c->flow)));
    row("status:      ", std::string(to_string(c->state)));
    row("origin:      ", c->origin);
    row("manifest:    ", c->manifest);
    row("library:     ", c->library);
    row("reason:      ", c->reason);
  } else if (auto s = print_document(ctx, format, candidate_json(*c, true)); !s) {
    return s;
  }
  return loaded;
}

}  // namespace

sdk::Status cmd_plugins(Context& ctx, const Args& args) {
  ArgParser parser("entratool plugins", "List the plugins found and why any was skipped; load and show one plugin.",
                   "list [options] | info ID [options]");
  parser.positional("list", "Every candidate in search order, including shadowed and invalid ones (loads none)")
      .positional("info ID", "Load one plugin, run every check, and show its descriptor")
      .option("output", 'o', "FORMAT", "table (default), json, or a formatter plugin's id")
      .epilog("Search order: --plugin-dir and ENTRATOOL_PLUGIN_PATH, the user folder\n"
              "(~/.local/share/entratool/plugins), the system folder, then the folder beside the\n"
              "executable. The first plugin with an id wins; later ones are listed as shadowed.");
  if (auto s = parser.parse(args, 2); !s) return s;
  if (parser.help_requested()) {
    ctx.out << parser.help_text();
    return sdk::Status::ok();
  }
  const auto& pos = parser.positionals();
  std::string format = parser.value("output").value_or("table");
  std::string sub = pos.empty() ? "list" : pos[0];
  if (sub == "list") {
    if (pos.size() > 1)
      return sdk::Status::general("unexpected argument '" + pos[1] + "' for 'entratool plugins list'; see 'entratool plugins --help'");
    return list(ctx, format);
  }
  if (sub == "info") {
    if (pos.size() < 2) return sdk::Status::general("'entratool plugins info' needs a plugin id; see 'entratool plugins --help'");
    return info(ctx, pos[1], format);
  }
  return sdk::Status::general("unknown subcommand '" + sub + "' for 'entratool plugins' (list, info); see 'entratool plugins --help'");
}

}  // namespace entratool::host
