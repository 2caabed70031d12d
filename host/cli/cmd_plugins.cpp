// `entratool plugins list|info ID`: what was found where, and why a candidate is not used.
// `list` reads manifests only (no plugin code runs), so it stays as fast as starting the host.
#include <unistd.h>

#include <climits>
#include <cstdlib>

#include "cli/cli.h"
#include "cli/commands.h"
#include "core/context.h"
#include "entratool/sdk/formatter.h"
#include "entratool/support/json.h"
#include "plugins/bundle.h"
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
  o.set("bundle", json::Value::string(c.bundle));
  o.set("signer", json::Value::string(c.signer));
  if (!c.sha256.empty()) o.set("sha256", json::Value::string(c.sha256));
  if (detailed) {
    o.set("description", json::Value::string(c.description));
    o.set("library_id", json::Value::string(c.library_id));
    o.set("built_with", json::Value::string(c.built_with));
    if (c.kind == "flow") o.set("declares", flow_json(c.flow));
  }
  return o;
}

std::string dash_if_empty(const std::string& s) { return s.empty() ? "-" : s; }

json::Value policy_json(const PluginRegistry& r) {
  const Policy& p = r.policy();
  auto o = json::Value::object();
  o.set("file", json::Value::string(p.path));
  o.set("present", json::Value::boolean(p.present));
  o.set("plugins", json::Value::string(std::string(to_string(p.plugins))));
  o.set("search", json::Value::string(std::string(to_string(p.search))));
  o.set("secret_store", json::Value::string(p.secret_store));
  auto keys = json::Value::array();
  for (const auto& k : p.trusted_keys) keys.push_back(json::Value::string(k.name.empty() ? k.base64 : k.name));
  o.set("trusted_keys", std::move(keys));
  o.set("pins", json::Value::number(static_cast<long long>(p.pins.size())));
  return o;
}

// One line saying which rules are in force.
std::string policy_line(const PluginRegistry& r) {
  const Policy& p = r.policy();
  if (!p.present)
    return "policy: none (" + (p.path.empty() ? std::string("unknown location") : p.path + " not found") +
           "); any plugin, all folders";
  std::string line = "policy: " + p.path + ": plugins " + std::string(to_string(p.plugins)) + ", search " +
                     std::string(to_string(p.search));
  if (!p.secret_store.empty()) line += ", secret store " + p.secret_store;
  if (p.search == Policy::Search::system)
    line += " (--plugin-dir, ENTRATOOL_PLUGIN_PATH and the user folder are ignored)";
  return line;
}

// Whether list should check bundles and hashes (only when there is something to check, so a
// plain install lists as fast as it starts).
bool worth_verifying(const PluginRegistry& r) {
  if (r.policy().plugins != Policy::Plugins::any) return true;
  for (const auto& c : r.candidates())
    if (!c.bundle.empty()) return true;
  return false;
}

template <class Candidates>
void print_table(Output& out, const Candidates& candidates) {
  std::vector<std::vector<std::string>> rows = {
      {"ID", "KIND", "VERSION", "SDK", "STATUS", "ORIGIN", "BUNDLE", "SIGNER", "PATH", "REASON"}};
  for (const auto& c : candidates)
    rows.push_back({c.id, dash_if_empty(c.kind), dash_if_empty(c.version), dash_if_empty(c.sdk_version),
                    std::string(to_string(c.state)), c.origin, dash_if_empty(c.bundle), dash_if_empty(c.signer),
                    c.library.empty() ? c.manifest : c.library, c.reason});
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
  if (!registry.policy_error()) return registry.policy_error();
  if (worth_verifying(registry)) registry.verify();
  if (format == "table") {
    ctx.out << policy_line(registry) << '\n';
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
  if (!registry.policy_error()) return registry.policy_error();
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
  if (c->kind == "flow")
    loaded = registry.flow(id).status();
  else if (c->kind == "formatter")
    loaded = registry.formatter(id).status();
  else
    loaded = registry.secret_store(id).status();

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
    row("bundle:      ", c->bundle);
    row("signer:      ", c->signer);
    row("sha256:      ", c->sha256);
    row("policy:      ", policy_line(registry).substr(8));
    row("reason:      ", c->reason);
  } else if (auto s = print_document(ctx, format, candidate_json(*c, true)); !s) {
    return s;
  }
  return loaded;
}

std::string absolute(const std::string& path) {
  char buf[PATH_MAX];
  return ::realpath(path.c_str(), buf) ? std::string(buf) : path;
}

// `plugins verify [DIR]`: every candidate (or those in DIR) against the policy in force.
sdk::Status verify(Context& ctx, const std::string& dir, const std::string& format) {
  PluginRegistry& registry = ctx.plugins();
  if (!registry.policy_error()) return registry.policy_error();
  const std::string folder = dir.empty() ? std::string() : absolute(dir);
  registry.verify(folder);
  std::vector<PluginCandidate> checked;
  for (const auto& c : registry.candidates())
    if (folder.empty() || c.manifest.rfind(folder + "/", 0) == 0) checked.push_back(c);
  bool all_ok = true;
  for (const auto& c : checked)
    if (c.state == PluginCandidate::State::invalid || c.state == PluginCandidate::State::refused) all_ok = false;
  if (!folder.empty() && checked.empty()) {
    bool noted = false;
    for (const auto& note : registry.notes())
      if (note.find(folder) != std::string::npos) {
        ctx.err << "entratool: " << note << '\n';
        noted = true;
      }
    if (!noted)
      return sdk::Status::general("no plugins found in '" + folder +
                                  "'; give a plugin folder on the search path (e.g. with --plugin-dir)");
    return sdk::Status::general("the plugins in '" + folder + "' cannot be used");
  }
  if (format == "table") {
    ctx.out << policy_line(registry) << '\n';
    print_table(ctx.out, checked);
    for (const auto& note : registry.notes()) ctx.out << "note: " << note << '\n';
  } else {
    auto doc = json::Value::object();
    doc.set("policy", policy_json(registry));
    doc.set("ok", json::Value::boolean(all_ok));
    auto list = json::Value::array();
    for (const auto& c : checked) list.push_back(candidate_json(c, false));
    doc.set("plugins", std::move(list));
    auto notes = json::Value::array();
    for (const auto& n : registry.notes()) notes.push_back(json::Value::string(n));
    doc.set("notes", std::move(notes));
    if (auto s = print_document(ctx, format, doc); !s) return s;
  }
  if (!all_ok) return sdk::Status::general("some plugins are not acceptable under the policy in force (see above)");
  return sdk::Status::ok();
}

sdk::Status bundle_create(Context& ctx, const std::vector<std::string>& pos, const ArgParser& parser) {
  if (pos.size() < 3 || pos[1] != "create")
    return sdk::Status::general(
        "usage: entratool plugins bundle create DIR --name NAME --version V --signing-key KEY.pem; see 'entratool "
        "plugins --help'");
  if (pos.size() > 3)
    return sdk::Status::general("unexpected argument '" + pos[3] +
                                "' for 'entratool plugins bundle create'; see 'entratool plugins --help'");
  for (const char* needed : {"name", "version", "signing-key"})
    if (!parser.value(needed) || parser.value(needed)->empty())
      return sdk::Status::general(std::string("'entratool plugins bundle create' needs --") + needed +
                                  "; see 'entratool plugins --help'");
  auto made =
      create_bundle(absolute(pos[2]), *parser.value("name"), *parser.value("version"), *parser.value("signing-key"));
  if (!made) return made.status();
  if (parser.has("public-key"))
    ctx.out << made->public_key_base64 << '\n';
  else
    ctx.err << "entratool: bundle '" << *parser.value("name") << " " << *parser.value("version") << "' with "
            << made->libraries << " libraries written to " << absolute(pos[2]) << "/bundle.json and signed by "
            << made->public_key_base64 << '\n';
  return sdk::Status::ok();
}

}  // namespace

sdk::Status cmd_plugins(Context& ctx, const Args& args) {
  ArgParser parser("entratool plugins", "List the plugins found and why any was skipped; load and show one plugin.",
                   "list [options] | info ID [options] | verify [DIR] [options] | bundle create DIR --name NAME "
                   "--version V --signing-key KEY.pem [--public-key]");
  parser.positional("list", "Every candidate in search order, including shadowed and invalid ones (loads none)")
      .positional("info ID", "Load one plugin, run every check, and show its descriptor")
      .positional("verify [DIR]",
                  "Check every candidate (or those in DIR) against the system policy; exit 1 if any is refused")
      .positional("bundle create DIR", "Hash every plugin in DIR, write DIR/bundle.json and sign it (bundle.json.sig)")
      .option("output", 'o', "FORMAT", "table (default), json, or a formatter plugin's id")
      .option("name", 0, "NAME", "bundle create: the bundle's name")
      .option("version", 0, "V", "bundle create: the bundle's version")
      .option("signing-key", 0, "KEY.pem", "bundle create: Ed25519 private key (openssl genpkey -algorithm ed25519)")
      .flag("public-key", 0, "bundle create: print the base64 public key for the policy's \"trusted_keys\"")
      .epilog(
          "Search order: --plugin-dir and ENTRATOOL_PLUGIN_PATH, the user folder\n"
          "(~/.local/share/entratool/plugins), the system folder, then the folder beside the\n"
          "executable. The first plugin with an id wins; later ones are listed as shadowed, except\n"
          "that a user's secret store or flow never replaces a system one unless config.json sets\n"
          "\"allow_shadowing\": true. The system policy is <prefix>/etc/entratool/policy.json\n"
          "(docs/enterprise.md).");
  if (auto s = parser.parse(args, 3); !s) return s;
  if (parser.help_requested()) {
    ctx.out << parser.help_text();
    return sdk::Status::ok();
  }
  const auto& pos = parser.positionals();
  std::string format = parser.value("output").value_or("table");
  std::string sub = pos.empty() ? "list" : pos[0];
  if (sub == "list") {
    if (pos.size() > 1)
      return sdk::Status::general("unexpected argument '" + pos[1] +
                                  "' for 'entratool plugins list'; see 'entratool plugins --help'");
    return list(ctx, format);
  }
  if (sub == "verify") {
    if (pos.size() > 2)
      return sdk::Status::general("unexpected argument '" + pos[2] +
                                  "' for 'entratool plugins verify'; see 'entratool plugins --help'");
    return verify(ctx, pos.size() > 1 ? pos[1] : std::string(), format);
  }
  if (sub == "bundle") return bundle_create(ctx, pos, parser);
  if (sub == "info") {
    if (pos.size() < 2)
      return sdk::Status::general("'entratool plugins info' needs a plugin id; see 'entratool plugins --help'");
    if (pos.size() > 2)
      return sdk::Status::general("unexpected argument '" + pos[2] +
                                  "' for 'entratool plugins info'; see 'entratool plugins --help'");
    return info(ctx, pos[1], format);
  }
  return sdk::Status::general("unknown subcommand '" + sub +
                              "' for 'entratool plugins' (list, info, verify, bundle); see 'entratool plugins --help'");
}

}  // namespace entratool::host
