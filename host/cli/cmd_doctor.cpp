// `entratool doctor`: one line per check of what makes get-token fail before any flow runs: the
// config folder and its modes, profiles.json, the secret store (which one, why, reachable,
// entries of deleted profiles), plugins (shadowing, refusals, policy), the AZURE_* variables,
// CA bundle and proxy, each authority's reachability and its clock (the Date header: a skewed
// clock breaks certificate assertions), and whether a browser can be opened. Exit 0 when every
// check passes, 1 otherwise; each failing line says what to do. It changes nothing, except
// with --remove-leftovers; it creates no folder and no key.
#include <sys/stat.h>
#include <unistd.h>

#include <dirent.h>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <map>
#include <set>

#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/token_command.h"
#include "core/acquire.h"
#include "core/authority.h"
#include "core/context.h"
#include "core/paths.h"
#include "core/profiles.h"
#include "entratool/sdk/host_services.h"
#include "entratool/sdk/secret_store.h"
#include "entratool/support/files.h"
#include "entratool/support/json.h"
#include "plugins/plugin_registry.h"
#include "services/services.h"
#include "services/token_endpoint.h"

extern char** environ;

namespace entratool::host {

namespace {

namespace json = support::json;

/// A skew this large makes Entra refuse certificate assertions (nbf/exp) and misjudges expiry.
constexpr std::chrono::seconds kMaxClockSkew{120};

struct Check {
  std::string id;
  std::string status;  // "ok", "fail", "info", "skip"
  std::string message;
};

std::string octal_mode(mode_t mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
  return buf;
}

std::string counted(size_t n, const std::string& one, const std::string& many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

std::string quoted(const std::string& path) { return "'" + path + "'"; }

std::string join(const std::vector<std::string>& items, const std::string& sep = ", ") {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : sep) + i;
  return out;
}

// Files and folders below `dir` that others can read or write (everything there is private).
void find_open_modes(const std::string& dir, std::vector<std::string>& found, int depth) {
  if (depth > 4) return;
  DIR* d = ::opendir(dir.c_str());
  if (!d) return;
  while (dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    std::string path = std::string(dir).append("/").append(name);
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0 || S_ISLNK(st.st_mode)) continue;
    if ((st.st_mode & 077) != 0)
      found.push_back(std::string(path).append(" (").append(octal_mode(st.st_mode)).append(")"));
    if (S_ISDIR(st.st_mode)) find_open_modes(path, found, depth + 1);
  }
  ::closedir(d);
}

// "Tue, 01 Dec 2026 11:30:00 GMT" (RFC 9110 IMF-fixdate) as a time point.
std::optional<std::chrono::system_clock::time_point> http_date(const std::string& text) {
  const auto seconds = parse_http_date(text);
  if (!seconds) return std::nullopt;
  return std::chrono::system_clock::from_time_t(static_cast<std::time_t>(*seconds));
}

std::string human_duration(std::chrono::seconds s) {
  long long v = s.count();
  if (v < 120) return std::to_string(v) + "s";
  if (v < 7200) return std::to_string(v / 60) + "m" + std::to_string(v % 60) + "s";
  return std::to_string(v / 3600) + "h" + std::to_string(v % 3600 / 60) + "m";
}

// A proxy URL with any user:password@ removed: only where it goes is shown.
std::string without_credentials(std::string url) {
  auto scheme = url.find("://");
  auto start = scheme == std::string::npos ? 0 : scheme + 3;
  auto at = url.find('@', start);
  auto slash = url.find('/', start);
  if (at != std::string::npos && (slash == std::string::npos || at < slash)) url.erase(start, at + 1 - start);
  return url;
}

const char* env(const char* name) {
  const char* v = std::getenv(name);
  return v && *v ? v : nullptr;
}

class Doctor {
 public:
  Doctor(Context& ctx, std::string profile, bool offline, bool remove_leftovers, std::chrono::milliseconds timeout)
      : ctx_(ctx),
        profile_(std::move(profile)),
        offline_(offline),
        remove_leftovers_(remove_leftovers),
        deadline_(std::chrono::steady_clock::now() + timeout) {}

  sdk::Status run() {
    config_folder();
    if (auto s = profiles(); !s) return s;
    secret_store();
    plugins();
    environment();
    network();
    browser();
    return sdk::Status::ok();
  }

  const std::vector<Check>& checks() const { return checks_; }

 private:
  void add(std::string id, std::string status, std::string message) {
    checks_.push_back({std::move(id), std::move(status), std::move(message)});
  }

  void config_folder() {
    const std::string& dir = ctx_.config_dir();
    struct stat st {};
    if (::lstat(dir.c_str(), &st) != 0) {
      folder_exists_ = false;
      add("config-folder", "ok", dir + " does not exist yet (it is made, 0700, on first use)");
      add("file-modes", "ok", "nothing to check yet");
      return;
    }
    if (S_ISLNK(st.st_mode))
      return add("config-folder", "fail",
                 dir + " is a symbolic link: move the folder it points to there, or set ENTRATOOL_CONFIG_DIR to it");
    if (!S_ISDIR(st.st_mode))
      return add("config-folder", "fail", dir + " is not a folder: move it away (it is recreated on first use)");
    if (st.st_uid != ::getuid())
      return add("config-folder", "fail",
                 dir + " belongs to uid " + std::to_string(st.st_uid) + ", not you: run 'chown -R " +
                     std::to_string(::getuid()) + " " + quoted(dir) + "' or set ENTRATOOL_CONFIG_DIR");
    if ((st.st_mode & 077) != 0)
      add("config-folder", "fail",
          dir + " is " + octal_mode(st.st_mode) + ", open to others: run 'chmod 700 " + quoted(dir) + "'");
    else
      add("config-folder", "ok", dir + " (" + octal_mode(st.st_mode) + ", yours)");
    std::vector<std::string> open;
    find_open_modes(dir, open, 0);
    if (open.empty()) {
      add("file-modes", "ok", "every file and folder below it is private to you");
    } else {
      std::vector<std::string> shown(open.begin(),
                                     open.begin() + static_cast<std::ptrdiff_t>(std::min<size_t>(3, open.size())));
      add("file-modes", "fail",
          std::to_string(open.size()) + " open to others (" + join(shown) + (open.size() > 3 ? ", ..." : "") +
              "): run 'chmod -R go-rwx " + quoted(dir) + "'");
    }
  }

  sdk::Status profiles() {
    ProfileStore store(ctx_.config_dir());
    auto list = store.list();
    if (!list) {
      add("profiles", "fail", list.status().message() + " (fix it, or move it away and recreate the profiles)");
      if (!profile_.empty()) return list.status();
      return sdk::Status::ok();
    }
    profiles_ = *list;
    if (!profile_.empty()) {
      auto found = store.find(profile_);
      if (!found) return found.status();  // exit 2: the profile asked for does not exist
    }
    auto def = store.default_name();
    std::string names;
    for (const auto& p : profiles_) names += (names.empty() ? "" : ", ") + p.name;
    if (profiles_.empty()) {
      add("profiles", "ok",
          folder_exists_ && support::files::exists(store.path())
              ? store.path() + " is valid and holds no profile"
              : "no profiles yet (create one with 'entratool config create')");
    } else {
      add("profiles", "ok",
          store.path() + " is valid: " + std::to_string(profiles_.size()) + " profile" +
              (profiles_.size() == 1 ? "" : "s") + " (" + names + ")" +
              (def && !def->empty() ? ", default " + *def : std::string(", no default")));
    }
    return sdk::Status::ok();
  }

  // Which store, and why: the same order as Context::secret_store().
  std::pair<std::string, std::string> store_choice() {
    std::string id = ctx_.plugins().policy().secret_store;
    if (!id.empty()) return {id, "forced by the system policy " + ctx_.plugins().policy().path};
    if (const char* e = env("ENTRATOOL_KEYSTORE")) return {e, "from ENTRATOOL_KEYSTORE"};
    std::string cfg = ctx_.config_dir() + "/config.json";
    if (support::files::exists(cfg)) {
      auto text = support::files::read_file(cfg, support::files::trusted_file_rules("settings file"));
      if (text)
        if (auto doc = json::parse(*text); doc && doc->is_object() && !doc->get_string("keystore").empty())
          return {doc->get_string("keystore"), "from " + cfg};
    }
    return {"encrypted-file", "the default on Linux"};
  }

  void secret_store() {
    auto [id, why] = store_choice();
    const PluginCandidate* c = ctx_.plugins().find(id);
    if (!c || c->kind != "secret-store") {
      add("secret-store", "fail",
          "'" + id + "' (" + why + ") is not an installed secret-store plugin: see 'entratool plugins list'");
      return;
    }
    const std::string folder = ctx_.config_dir() + "/keystore-" + id;
    if (!support::files::exists(folder)) {
      add("secret-store", "ok", id + " (" + why + "); not created yet, it is made on first use");
      add("store-leftovers", "ok", "nothing stored yet");
      return;
    }
    auto store = ctx_.secret_store();
    if (!store) {
      add("secret-store", "fail", id + " (" + why + ") cannot be opened: " + store.status().message());
      add("store-leftovers", "skip", "not checked: the store cannot be opened");
      return;
    }
    add("secret-store", "ok", id + " (" + why + ") opens: " + (*store)->describe());
    leftovers(**store);
  }

  void leftovers(sdk::SecretStore& store) {
    auto names = store.list("");
    if (!names) {
      add("store-leftovers", "fail", "cannot list the store: " + names.status().message());
      return;
    }
    std::set<std::string> known;
    for (const auto& p : profiles_) known.insert(p.name);
    known.insert(std::string(kEnvironmentProfileName));
    std::map<std::string, std::vector<std::string>> orphans;  // profile -> entries
    for (const auto& name : *names) {
      for (const char* prefix : {"profile/", "token/"}) {
        if (name.rfind(prefix, 0) != 0) continue;
        auto start = std::strlen(prefix);
        auto slash = name.find('/', start);
        if (slash == std::string::npos) continue;
        std::string owner = name.substr(start, slash - start);
        if (!known.count(owner)) orphans[owner].push_back(name);
      }
    }
    if (orphans.empty()) {
      add("store-leftovers", "ok", counted(names->size(), "entry", "entries") + ", none of a deleted profile");
      return;
    }
    std::vector<std::string> owners;
    size_t count = 0;
    for (const auto& [owner, entries] : orphans) {
      owners.push_back(owner);
      count += entries.size();
    }
    if (!remove_leftovers_) {
      add("store-leftovers", "fail",
          std::to_string(count) + " secrets or cached tokens of profiles that no longer exist (" + join(owners) +
              "): run 'entratool doctor --remove-leftovers' to delete them");
      return;
    }
    for (const auto& [owner, entries] : orphans)
      for (const auto& e : entries)
        if (auto s = store.erase(e); !s) {
          add("store-leftovers", "fail", "cannot remove " + e + ": " + s.message());
          return;
        }
    add("store-leftovers", "ok",
        "removed " + std::to_string(count) + " entries of deleted profiles (" + join(owners) + ")");
  }

  void plugins() {
    PluginRegistry& r = ctx_.plugins();
    const Policy& p = r.policy();
    if (!r.policy_error()) {
      add("policy", "fail", r.policy_error().message());
    } else if (!p.present) {
      add("policy", "ok",
          "none (" + (p.path.empty() ? std::string("no policy location") : p.path + " not found") +
              "): any plugin, every folder");
    } else {
      std::string line =
          p.path + ": plugins " + std::string(to_string(p.plugins)) + ", search " + std::string(to_string(p.search));
      if (!p.secret_store.empty()) line += ", secret store " + p.secret_store;
      add("policy", "ok", line);
    }
    bool bundles = false;
    for (const auto& c : r.candidates()) bundles = bundles || !c.bundle.empty();
    if (r.policy_error() && (p.plugins != Policy::Plugins::any || bundles)) r.verify();
    std::vector<std::string> problems;
    size_t used = 0;
    for (const auto& c : r.candidates()) {
      const std::string where = c.library.empty() ? c.manifest : c.library;
      switch (c.state) {
        case PluginCandidate::State::shadowed: {
          const PluginCandidate* winner = r.find(c.id);
          problems.push_back("'" + c.id + "' in " + where + " (" + c.origin + ") is shadowed by " +
                             (winner ? winner->library + " (" + winner->origin + ")" : std::string("another")) +
                             ": remove one of them, or check --plugin-dir and ENTRATOOL_PLUGIN_PATH");
          break;
        }
        case PluginCandidate::State::invalid:
        case PluginCandidate::State::refused:
          problems.push_back("'" + c.id + "' in " + where + " is " + std::string(to_string(c.state)) + ": " + c.reason +
                             " (reinstall or remove it; 'entratool plugins verify' explains)");
          break;
        default:
          ++used;
      }
    }
    for (const auto& problem : problems) add("plugins", "fail", problem);
    if (problems.empty()) {
      std::vector<std::string> kinds;
      for (const char* kind : {"flow", "formatter", "secret-store"})
        kinds.push_back(counted(r.ids_of_kind(kind).size(), kind, std::string(kind) + "s"));
      add("plugins", "ok", std::to_string(used) + " found (" + join(kinds) + "), none shadowed or refused");
    }
  }

  void environment() {
    std::vector<std::string> azure, ours;
    for (char** e = environ; e && *e; ++e) {
      std::string entry = *e;
      std::string name = entry.substr(0, entry.find('='));
      if (entry.size() == name.size() + 1) continue;  // set but empty
      if (name.rfind("AZURE_", 0) == 0) azure.push_back(name);
      if (name.rfind("ENTRATOOL_", 0) == 0) ours.push_back(name);
    }
    std::sort(azure.begin(), azure.end());
    std::sort(ours.begin(), ours.end());
    // Names only: several of these hold secrets.
    if (azure.empty()) {
      add("environment", "ok", "no AZURE_* variables set");
    } else {
      bool credential =
          env("AZURE_CLIENT_SECRET") || env("AZURE_CLIENT_CERTIFICATE_PATH") || env("AZURE_FEDERATED_TOKEN_FILE");
      std::vector<std::string> missing;
      if (credential && !env("AZURE_CLIENT_ID")) missing.emplace_back("AZURE_CLIENT_ID");
      if (credential && !env("AZURE_TENANT_ID")) missing.emplace_back("AZURE_TENANT_ID");
      if (!missing.empty())
        add("environment", "fail",
            join(azure) + " set, but not " + join(missing) + ": set " + join(missing, " and ") +
                " too, or unset the others (they form the implicit profile used without -p)");
      else
        add("environment", "ok", join(azure) + " set (the implicit profile when no -p and no default profile)");
      for (const char* file : {"AZURE_CLIENT_CERTIFICATE_PATH", "AZURE_FEDERATED_TOKEN_FILE"})
        if (const char* path = env(file); path && ::access(path, R_OK) != 0)
          add("environment", "fail",
              std::string(file) + " names " + path + ", which cannot be read: fix the path or its permissions");
    }
    if (!ours.empty()) add("environment", "info", join(ours) + " set");
  }

  // The authorities to check: -p's, else every profile's, else the one an implicit profile uses.
  std::vector<std::pair<std::string, std::string>> authorities() {
    std::vector<std::pair<std::string, std::string>> out;  // (host, ca_bundle)
    auto add_profile = [&](const std::string& host_value, const std::string& ca, const std::string& what) {
      AuthoritySources s;
      s.profile_host = host_value;
      if (const char* e = env("AZURE_AUTHORITY_HOST")) s.env_host = e;
      auto host = resolve_authority_host(s);
      if (!host) {
        add("authority", "fail", what + ": " + host.status().message());
        return;
      }
      auto bundle = resolve_ca_bundle("", ca);
      if (!bundle) {
        add("ca-bundle", "fail", what + ": " + bundle.status().message());
        return;
      }
      for (const auto& [h, c] : out)
        if (h == *host && c == *bundle) return;
      out.emplace_back(*host, *bundle);
    };
    for (const auto& p : profiles_)
      if (profile_.empty() || p.name == profile_)
        if (p.auth_method != kManagedIdentity) add_profile(p.authority_host, p.ca_bundle, "profile '" + p.name + "'");
    if (profiles_.empty()) add_profile("", "", "the default authority");
    return out;
  }

  void network() {
    std::vector<std::string> proxy;
    for (const char* name : {"HTTPS_PROXY", "https_proxy", "NO_PROXY", "no_proxy"})
      if (const char* v = env(name)) proxy.push_back(std::string(name) + "=" + without_credentials(v));
    add("proxy", "ok", proxy.empty() ? std::string("no proxy (HTTPS_PROXY is not set)") : join(proxy));
    auto targets = authorities();
    if (targets.empty()) {
      add("authority", "info", "no authority to check (a managed identity gets tokens from the platform's endpoint)");
      return;
    }
    for (const auto& [host, ca] : targets)
      add("ca-bundle", "ok", host + ": " + (ca.empty() ? std::string("system CAs") : "system CAs plus " + ca));
    if (offline_) {
      add("authority", "skip", "not contacted (--offline)");
      add("clock", "skip", "not compared (--offline)");
      return;
    }
    for (const auto& [host, ca] : targets) probe(host, ca);
  }

  void probe(const std::string& host, const std::string& ca) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      add("authority", "fail", host + ": not contacted, --timeout ran out; give a longer --timeout");
      return;
    }
    sdk::HttpRequest req;
    req.method = "GET";
    req.url = host + "/";
    req.timeout = left;
    req.ca_bundle = ca;
    auto sent_at = ctx_.services().clock().now();
    auto response = ctx_.services().http().send(req);
    if (!response) {
      std::string hint =
          response.status().category() == sdk::ErrorCategory::timeout
              ? "; check the network or give a longer --timeout"
              : "; check the network, HTTPS_PROXY/NO_PROXY and the CA bundle (the profile's --ca-bundle, or "
                "ENTRATOOL_CA_BUNDLE)";
      add("authority", "fail", host + " is not reachable: " + response.status().message() + hint);
      add("clock", "skip", host + ": not compared (no answer)");
      return;
    }
    add("authority", "ok", host + " answers (HTTP " + std::to_string(response->status) + ")");
    auto date = http_date(response->header("Date"));
    if (!date) {
      add("clock", "info", host + " sent no usable Date header; clock not compared");
      return;
    }
    auto now = sent_at + (ctx_.services().clock().now() - sent_at) / 2;
    auto skew = std::chrono::duration_cast<std::chrono::seconds>(now - *date);
    auto size = std::chrono::seconds(std::abs(skew.count()));
    if (size >= kMaxClockSkew)
      add("clock", "fail",
          "this machine's clock is " + human_duration(size) + (skew.count() > 0 ? " ahead of " : " behind ") + host +
              "'s (its Date header): certificate assertions and expiry checks fail; synchronise the clock "
              "(e.g. 'timedatectl set-ntp true')");
    else
      add("clock", "ok", "within " + human_duration(size + std::chrono::seconds(1)) + " of " + host);
  }

  void browser() {
    PluginRegistry& r = ctx_.plugins();
    std::vector<std::string> needing;  // profiles whose default flow opens a browser
    for (const auto& p : profiles_) {
      if (!profile_.empty() && p.name != profile_) continue;
      std::string flow =
          p.default_flow.empty() ? r.default_flow_for(p.auth_method) : r.resolve_flow_name(p.default_flow);
      if (const FlowDeclaration* d = flow.empty() ? nullptr : r.flow_declaration(flow); d && d->browser)
        needing.push_back(p.name);
    }
    auto opener = browser_opener();
    if (opener) {
      add("browser", "ok", "sign-in opens the browser with '" + join(*opener, " ") + "'");
      return;
    }
    std::string instead = r.browserless_sign_in_flow();
    std::string advice = instead.empty() ? std::string("set BROWSER, or use --no-browser and open the URL elsewhere")
                                         : "use -f " + instead + ", set BROWSER, or --no-browser";
    if (needing.empty())
      add("browser", "info", opener.status().message() + " (only the browser sign-in needs one; " + advice + ")");
    else
      add("browser", "fail",
          opener.status().message() + ", and profile" + (needing.size() == 1 ? " " : "s ") + join(needing) +
              " sign in with a browser: " + advice);
  }

  Context& ctx_;
  std::string profile_;
  bool offline_, remove_leftovers_;
  std::chrono::steady_clock::time_point deadline_;
  bool folder_exists_ = true;
  std::vector<Profile> profiles_;
  std::vector<Check> checks_;
};

}  // namespace

sdk::Status cmd_doctor(Context& ctx, const Args& args) {
  ArgParser parser("entratool doctor",
                   "Check the installation, configuration, secret store and network; each failing line says what to "
                   "do.");
  parser.option("profile", 'p', "NAME", "Check this profile only (its authority, CA bundle and sign-in)")
      .option("output", 'o', "FORMAT", "text (default) or json")
      .choices({"text", "json"})
      .flag("offline", 0, "Do not contact the authorities (no reachability or clock check)")
      .option("timeout", 0, "DURATION", "Give up on the network checks after this long (default 10s)")
      .flag("remove-leftovers", 0, "Delete the secrets and cached tokens of profiles that no longer exist")
      .epilog(
          "Checks: config folder and file modes, profiles.json, the secret store (which one and why,\n"
          "whether it opens, entries of deleted profiles), plugins (shadowed, refused) and the policy,\n"
          "the AZURE_* variables (names only), proxy and CA bundle, the authority (reachable, and its\n"
          "clock against this machine's, from its Date header), and whether a browser can be opened.\n"
          "The authority is -p's, else every profile's, else AZURE_AUTHORITY_HOST's or the public cloud's.\n"
          "\nExit codes: 0 every check passed, 1 a check failed, 2 the profile given does not exist.\n");
  if (auto s = parser.parse(args); !s) return s;
  if (parser.help_requested()) {
    ctx.out << parser.help_text();
    return sdk::Status::ok();
  }
  std::string format = parser.value("output").value_or("text");
  if (format != "text" && format != "json")
    return sdk::Status::general("unknown output format '" + format + "' for doctor: use text or json");
  auto timeout = read_duration_flag(parser, "timeout", std::chrono::seconds(10), false);
  if (!timeout) return timeout.status();
  std::string profile = parser.value("profile").value_or("");
  if (parser.has("profile") && profile.empty()) return sdk::Status::general("flag '--profile' needs a profile name");

  Doctor doctor(ctx, profile, parser.has("offline"), parser.has("remove-leftovers"), *timeout);
  if (auto s = doctor.run(); !s) return s;
  size_t failed = 0;
  for (const auto& c : doctor.checks()) failed += c.status == "fail" ? 1 : 0;
  if (format == "json") {
    auto list = json::Value::array();
    for (const auto& c : doctor.checks()) {
      auto o = json::Value::object();
      o.set("check", json::Value::string(c.id));
      o.set("status", json::Value::string(c.status));
      o.set("message", json::Value::string(c.message));
      list.push_back(std::move(o));
    }
    auto doc = json::Value::object();
    doc.set("ok", json::Value::boolean(failed == 0));
    doc.set("checks", std::move(list));
    ctx.out << json::serialize(doc, 2) << '\n';
  } else {
    for (const auto& c : doctor.checks()) {
      std::string tag = c.status == "fail" ? "FAIL" : c.status;
      tag.resize(6, ' ');
      ctx.out << tag << c.id << ": " << c.message << '\n';
    }
  }
  if (failed)
    return sdk::Status::general(std::to_string(failed) + " of " + std::to_string(doctor.checks().size()) +
                                " checks failed; each FAIL line says what to do");
  return sdk::Status::ok();
}

}  // namespace entratool::host
