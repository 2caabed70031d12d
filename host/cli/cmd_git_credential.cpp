// `entratool git-credential [-p NAME] get|store|erase`: git's credential-helper protocol
// (gitcredentials(7), git-credential(1)). git writes `key=value` lines ending with a blank line on
// stdin; for `get` we answer with a username, the profile's access token as the password and its
// expiry. Azure DevOps takes an Entra access token wherever it takes a personal access token, as
// the password of HTTP Basic with any non-empty user name. `store` does nothing (the token cache
// already keeps it); `erase` (git calls it when the server refused the password) marks that cached
// token expired, so the next `get` fetches a new one — with the refresh token when there is one,
// so nobody has to sign in again. See docs/git-credential.md.
#include <algorithm>
#include <cctype>
#include <map>

#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/token_command.h"
#include "core/acquire.h"
#include "core/authority.h"
#include "core/context.h"
#include "core/token_cache.h"
#include "entratool/sdk/secret_store.h"
#include "entratool/support/json.h"
#include "services/services.h"

namespace entratool::host {

namespace {

// Azure DevOps' resource (the same id in every cloud and organisation).
constexpr const char* kAzureDevOpsScope = "499b84ac-1321-427f-aa17-267ca6975798/.default";
// git's requests are a few short lines; anything much larger is not git.
constexpr size_t kMaxInput = size_t{64} * 1024;

using Attributes = std::map<std::string, std::string>;

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// Lines of stdin up to the first blank line or the end of input; later values of a key win, as in git.
sdk::Result<Attributes> read_attributes() {
  Attributes out;
  std::string line;
  size_t total = 0;
  while (read_standard_input_line(line)) {
    total += line.size() + 1;
    if (total > kMaxInput) return sdk::Status::general("git-credential: the input is too large for git's protocol");
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) break;
    auto eq = line.find('=');
    if (eq == std::string::npos || eq == 0)
      return sdk::Status::general("git-credential: expected key=value lines from git, got '" +
                                  line.substr(0, std::min<size_t>(line.size(), 40)) + "'");
    out[line.substr(0, eq)] = line.substr(eq + 1);
  }
  return out;
}

// host may carry a port ("127.0.0.1:8080", "[::1]:8080").
std::string host_name(std::string host) {
  if (!host.empty() && host.front() == '[') {
    auto close = host.find(']');
    return close == std::string::npos ? host : host.substr(0, close + 1);
  }
  auto colon = host.find(':');
  return colon == std::string::npos ? host : host.substr(0, colon);
}

bool is_azure_devops(const std::string& host) {
  const std::string h = lower(host_name(host));
  return h == "dev.azure.com" || ends_with(h, ".visualstudio.com");
}

// A bearer token over plain http could be read by anyone on the way; git asks for http only for
// an http:// remote.
sdk::Status check_transport(const Attributes& request) {
  auto protocol = request.find("protocol");
  auto host = request.find("host");
  if (protocol == request.end() || host == request.end() || host->second.empty())
    return sdk::Status::general("git-credential: git sent no protocol or host; nothing to answer");
  const std::string p = lower(protocol->second);
  if (p == "https") return sdk::Status::ok();
  if (p == "http" && is_loopback_host(host_name(host->second))) return sdk::Status::ok();
  return sdk::Status::general("git-credential: refusing to send a token over " + p + " to " + host->second +
                              "; use an https:// remote");
}

sdk::Status answer_get(Context& ctx, const ArgParser& parser, const Attributes& request) {
  if (auto s = check_transport(request); !s) return s;
  AcquireOptions options;
  if (auto s = read_acquire_flags(parser, options); !s) return s;
  if (options.scopes.empty() && is_azure_devops(request.at("host"))) options.scopes = {kAzureDevOpsScope};
  auto acquired = acquire_token(ctx, options);
  if (!acquired) return acquired.status();
  auto user = request.find("username");
  const std::string username = user != request.end() && !user->second.empty() ? user->second : "entratool";
  const auto expiry = std::chrono::duration_cast<std::chrono::seconds>(acquired->token.expires_at.time_since_epoch());
  // The token is one line of base64url text, so it cannot break the line protocol.
  ctx.out << "username=" << username << "\n"
          << "password=" << acquired->token.access_token << "\n"
          << "password_expiry_utc=" << expiry.count() << "\n";
  return sdk::Status::ok();
}

// The entry whose access token git says was refused gets an expiry in the past: the next `get`
// asks the provider (or redeems the entry's refresh token). Nothing else is touched.
sdk::Status answer_erase(Context& ctx, const Attributes& request) {
  auto password = request.find("password");
  if (password == request.end() || password->second.empty()) return sdk::Status::ok();
  auto store = ctx.secret_store();
  if (!store) return store.status();
  auto names = (*store)->list("token/");
  if (!names) return names.status();
  const auto now = std::chrono::system_clock::now();
  for (const auto& name : *names) {
    auto value = (*store)->get(name);
    if (!value || !value->has_value()) continue;
    auto entry = TokenCache::parse_entry(**value);
    if (!entry || entry->token.access_token != password->second) continue;
    auto doc = support::json::parse(**value);
    if (!doc || !doc->is_object()) continue;
    const auto past = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() - 1000;
    doc->set("expires_at_ms", support::json::Value::number(static_cast<long long>(past)));
    if (auto s = (*store)->put(name, support::json::serialize(*doc)); !s) return s;
  }
  return sdk::Status::ok();
}

}  // namespace

sdk::Status cmd_git_credential(Context& ctx, const Args& args) {
  ArgParser parser("entratool git-credential",
                   "Git credential helper: answers git with a profile's access token as the password.",
                   "[-p NAME] [-s SCOPES] get|store|erase");
  parser.positional("ACTION", "get (print a username and password), store or erase (git's protocol)")
      .option("profile", 'p', "NAME", "Profile to use (default: the default profile, else the AZURE_* environment)")
      .option("scope", 's', "SCOPES",
              "Scopes; default: Azure DevOps' for dev.azure.com and *.visualstudio.com, else the profile's");
  add_authority_flags(parser, true);
  parser.epilog(
      "git runs the helper and talks to it on stdin/stdout; you do not run it yourself. Status lines are\n"
      "shown only with --verbose; a sign-in (browser, or a code on another device) still shows on stderr.\n"
      "'erase' (git calls it when the server refused the password) marks that cached token expired, so\n"
      "the next 'get' fetches a new one; 'store' does nothing. Plain http:// remotes get no token unless\n"
      "they are on this machine (127.0.0.1, localhost).\n"
      "\nExample (Azure DevOps; the '!' makes git run the command as written):\n"
      "  git config --global credential.https://dev.azure.com.helper '!entratool git-credential -p ado'\n");
  if (auto s = parser.parse(args, 1); !s) return s;
  if (parser.help_requested()) {
    ctx.out << parser.help_text();
    return sdk::Status::ok();
  }
  if (parser.positionals().empty())
    return sdk::Status::general("git-credential needs git's action: get, store or erase (git passes it)");
  const std::string action = parser.positionals().front();
  if (action != "get" && action != "store" && action != "erase")
    return sdk::Status::general("unknown git-credential action '" + action + "'; git uses get, store or erase");
  // Only the answer may reach stdout, and git shows our stderr to its user.
  ctx.services().set_silent(!ctx.options().verbose);
  auto request = read_attributes();
  if (!request) return request.status();
  if (action == "get") return answer_get(ctx, parser, *request);
  if (action == "erase") return answer_erase(ctx, *request);
  return sdk::Status::ok();
}

}  // namespace entratool::host
