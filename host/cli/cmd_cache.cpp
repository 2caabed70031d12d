// `entratool cache list|clear`: what get-token has cached in the secret store (profile, flow,
// scopes, expiry; never a token) and removing it. Clearing removes access and refresh tokens and
// keeps the profiles and their secrets, so the next get-token asks the provider (a user flow signs
// in again). Entries: core/token_cache.h.
#include <algorithm>
#include <tuple>

#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/time_text.h"
#include "core/acquire.h"
#include "core/context.h"
#include "core/profiles.h"
#include "core/token_cache.h"
#include "entratool/sdk/secret_store.h"
#include "entratool/support/encoding.h"
#include "entratool/support/json.h"
#include "services/services.h"

namespace entratool::host {

namespace json = support::json;

namespace {

constexpr std::string_view kAllTokens = "token/";

// One cached entry as listed: what its name and normalised key say, and what its value says.
struct Listed {
  std::string profile;
  std::string authority, tenant, client_id, flow;
  std::vector<std::string> scopes;
  bool readable = false;
  std::chrono::system_clock::time_point expires_at{};
  bool refresh_token = false;
};

// "token/<profile>/<hash>" → "<profile>".
std::string profile_of(std::string_view name) {
  name.remove_prefix(kAllTokens.size());
  return std::string(name.substr(0, name.rfind('/')));
}

std::vector<std::string> lines_of(std::string_view text) {
  std::vector<std::string> out;
  while (!text.empty()) {
    auto nl = text.find('\n');
    out.emplace_back(text.substr(0, nl));
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return out;
}

Listed describe_entry(const std::string& name, const sdk::Result<std::optional<std::string>>& value) {
  Listed l;
  l.profile = profile_of(name);
  if (!value || !value->has_value()) return l;
  auto entry = TokenCache::parse_entry(**value);
  auto doc = json::parse(**value);
  if (!entry || !doc) return l;
  // The normalised key (TokenCache::normalised_key): v1, authority, tenant, client id, flow, scopes.
  auto key = lines_of(doc->get_string("key"));
  if (key.size() < 5 || key[0] != "v1") return l;
  l.authority = key[1];
  l.tenant = key[2];
  l.client_id = key[3];
  l.flow = key[4];
  l.scopes.assign(key.begin() + 5, key.end());
  l.readable = true;
  l.expires_at = entry->token.expires_at;
  l.refresh_token = !entry->token.refresh_token.empty();
  return l;
}

std::string join(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (const auto& s : items) out.append(out.empty() ? "" : sep).append(s);
  return out;
}

sdk::Status parse_or_help(Context& ctx, ArgParser& parser, const Args& args, bool& done) {
  done = true;
  if (auto s = parser.parse(args); !s) return s;
  if (parser.help_requested()) {
    ctx.out << parser.help_text();
    return sdk::Status::ok();
  }
  done = false;
  return sdk::Status::ok();
}

// -p NAME: a profile that exists, or one that is gone but still has entries (left behind); else
// the profile store's "not found" (exit 2).
sdk::Result<std::string> prefix_for(Context& ctx, sdk::SecretStore& store, const ArgParser& parser) {
  auto name = parser.value("profile");
  if (!name) return std::string(kAllTokens);
  if (name->empty()) return sdk::Status::general("flag '--profile' needs a profile name");
  std::string prefix = TokenCache::profile_prefix(*name);
  if (*name == kEnvironmentProfileName) return prefix;
  auto profile = ProfileStore(ctx.config_dir()).find(*name);
  if (profile) return prefix;
  auto names = store.list(prefix);
  if (!names) return names.status();
  if (!names->empty()) return prefix;
  return profile.status();
}

sdk::Status sub_list(Context& ctx, const Args& args) {
  ArgParser parser("entratool cache list",
                   "List the tokens get-token has cached: profile, flow, scopes, expiry. Never prints a token.");
  parser.option("profile", 'p', "NAME", "Only this profile's tokens")
      .option("output", 'o', "FORMAT", "table (default) or json")
      .epilog(
          "'@environment' is the implicit profile of the AZURE_* variables. REFRESH says whether a refresh\n"
          "token is kept with the entry (user sign-ins); get-token then renews the token without a sign-in.\n");
  bool done = false;
  if (auto s = parse_or_help(ctx, parser, args, done); !s || done) return s;
  const std::string format = parser.value("output").value_or("table");
  if (format != "table" && format != "json")
    return sdk::Status::general("unknown output format '" + format + "' for 'cache list'; use table or json");
  auto store = ctx.secret_store();
  if (!store) return store.status();
  auto prefix = prefix_for(ctx, **store, parser);
  if (!prefix) return prefix.status();
  auto names = (*store)->list(*prefix);
  if (!names) return names.status();

  std::vector<Listed> entries;
  for (const auto& name : *names) entries.push_back(describe_entry(name, (*store)->get(name)));
  std::stable_sort(entries.begin(), entries.end(), [](const Listed& a, const Listed& b) {
    return std::tie(a.profile, a.flow, a.scopes) < std::tie(b.profile, b.flow, b.scopes);
  });
  const auto now = ctx.services().clock().now();

  if (format == "json") {
    json::Value list = json::Value::array();
    for (const auto& e : entries) {
      json::Value o = json::Value::object();
      o.set("profile", json::Value::string(e.profile));
      if (!e.readable) {
        o.set("readable", json::Value::boolean(false));
        list.push_back(std::move(o));
        continue;
      }
      o.set("readable", json::Value::boolean(true));
      o.set("flow", json::Value::string(e.flow));
      json::Value scopes = json::Value::array();
      for (const auto& s : e.scopes) scopes.push_back(json::Value::string(s));
      o.set("scopes", std::move(scopes));
      o.set("authority", json::Value::string(e.authority));
      o.set("tenant", json::Value::string(e.tenant));
      o.set("client_id", json::Value::string(e.client_id));
      o.set("expires_at", json::Value::string(support::format_utc_iso8601(e.expires_at)));
      const auto left = std::chrono::duration_cast<std::chrono::seconds>(e.expires_at - now).count();
      o.set("expires_in", json::Value::number(std::max<long long>(left, 0)));
      o.set("expired", json::Value::boolean(left <= 0));
      o.set("refresh_token", json::Value::boolean(e.refresh_token));
      list.push_back(std::move(o));
    }
    ctx.out << json::serialize(list, 2) << "\n";
    return sdk::Status::ok();
  }
  if (entries.empty()) {
    ctx.err << "No cached tokens" << (parser.has("profile") ? " for profile '" + *parser.value("profile") + "'" : "")
            << ".\n";
    return sdk::Status::ok();
  }
  std::vector<std::vector<std::string>> rows = {{"PROFILE", "FLOW", "SCOPES", "EXPIRES", "LEFT", "REFRESH"}};
  for (const auto& e : entries) {
    if (!e.readable) {
      rows.push_back({e.profile, "?", "(entry unreadable; 'entratool cache clear' removes it)", "", "", ""});
      continue;
    }
    const auto left = std::chrono::duration_cast<std::chrono::seconds>(e.expires_at - now).count();
    rows.push_back({e.profile, e.flow, join(e.scopes, " "), utc_time_text(e.expires_at), minutes_left_text(left),
                    e.refresh_token ? "yes" : "no"});
  }
  ctx.out << format_table(rows);
  return sdk::Status::ok();
}

sdk::Status sub_clear(Context& ctx, const Args& args) {
  ArgParser parser("entratool cache clear",
                   "Remove cached access and refresh tokens; profiles and their secrets are kept.");
  parser.option("profile", 'p', "NAME", "Only this profile's tokens (default: every profile's)")
      .epilog(
          "The next get-token asks the identity provider for a new token; a profile that signs a person in\n"
          "(browser, device code) asks them to sign in again. 'entratool config delete' removes a profile\n"
          "with its secrets.\n"
          "\nExamples:\n"
          "  entratool cache clear -p myprofile\n"
          "  entratool cache clear\n");
  bool done = false;
  if (auto s = parse_or_help(ctx, parser, args, done); !s || done) return s;
  auto store = ctx.secret_store();
  if (!store) return store.status();
  auto prefix = prefix_for(ctx, **store, parser);
  if (!prefix) return prefix.status();
  auto names = (*store)->list(*prefix);
  if (!names) return names.status();
  std::vector<std::string> profiles;
  size_t removed = 0;
  for (const auto& name : *names) {
    if (auto s = (*store)->erase(name); !s)
      return removed ? sdk::Status::general(s.message() + " (" + std::to_string(removed) + " removed before it)") : s;
    ++removed;
    std::string p = profile_of(name);
    if (std::find(profiles.begin(), profiles.end(), p) == profiles.end()) profiles.push_back(p);
  }
  if (removed == 0) {
    ctx.err << "No cached tokens to remove"
            << (parser.has("profile") ? " for profile '" + *parser.value("profile") + "'" : "") << ".\n";
    return sdk::Status::ok();
  }
  ctx.err << "Removed " << removed << " cached token" << (removed == 1 ? "" : "s") << " ("
          << (profiles.size() == 1 ? "profile " : "profiles ") << join(profiles, ", ")
          << "); secrets kept. The next get-token asks the identity provider.\n";
  return sdk::Status::ok();
}

struct SubcommandEntry {
  const char* name;
  const char* summary;
  CommandFn run;
};

constexpr SubcommandEntry kSubcommands[] = {
    {"list", "List cached tokens: profile, flow, scopes, expiry (-o json); never a token", sub_list},
    {"clear", "Remove cached access and refresh tokens (-p NAME: one profile's); keeps secrets", sub_clear},
};

void print_cache_help(Output& out) {
  out << "The token cache (in the secret store).\n\nUsage: entratool cache <subcommand> [options]\n\nSubcommands:\n";
  for (const auto& s : kSubcommands) {
    std::string name = s.name;
    name.resize(8, ' ');
    out << "  " << name << s.summary << "\n";
  }
  out << "\n'entratool cache <subcommand> --help' shows a subcommand's options.\n";
}

}  // namespace

sdk::Status cmd_cache(Context& ctx, const Args& args) {
  if (args.empty())
    return sdk::Status::general("'entratool cache' needs a subcommand: list or clear; see 'entratool cache --help'");
  if (args.front() == "--help" || args.front() == "-h" || args.front() == "help") {
    print_cache_help(ctx.out);
    return sdk::Status::ok();
  }
  for (const auto& s : kSubcommands)
    if (args.front() == s.name) return s.run(ctx, Args(args.begin() + 1, args.end()));
  return sdk::Status::general("unknown subcommand 'cache " + args.front() + "'; use list or clear");
}

}  // namespace entratool::host
