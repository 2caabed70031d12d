// `entratool config <subcommand>`: create, list, show, edit, delete, set-default, export, import,
// store (cmd_config_store.cpp).
#include <unistd.h>

#include <algorithm>

#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/export_crypto.h"
#include "cli/profile_flags.h"
#include "core/context.h"
#include "core/profiles.h"
#include "core/token_cache.h"
#include "entratool/sdk/host_services.h"
#include "entratool/sdk/secret_store.h"
#include "entratool/support/files.h"
#include "entratool/support/json.h"
#include "services/services.h"

namespace entratool::host {

namespace json = support::json;

namespace {

constexpr const char* kExportFormat = "entratool-profile-export";
constexpr size_t kMinPassphraseLength = 8;
constexpr const char* kDefaultAuthority = "https://login.microsoftonline.com";

using Subcommand = sdk::Status (*)(Context&, const Args&);

// Parses, and prints --help on stdout. Returns false when the command is done (help or error).
bool parse(Context& ctx, ArgParser& parser, const Args& args, size_t max_positionals, sdk::Status& status) {
  status = parser.parse(args, max_positionals);
  if (!status) return false;
  if (parser.help_requested()) {
    ctx.out << parser.help_text();
    return false;
  }
  return true;
}

// The profile a subcommand is about: -p NAME or the one positional argument.
sdk::Result<std::string> profile_argument(const ArgParser& parser, std::string_view sub) {
  auto flag = parser.value("profile");
  const auto& pos = parser.positionals();
  if (flag && !pos.empty() && *flag != pos.front())
    return sdk::Status::general("two profile names given ('" + *flag + "' and '" + pos.front() + "'); give one");
  if (flag) return *flag;
  if (!pos.empty()) return pos.front();
  return sdk::Status::general("which profile? pass -p NAME to 'entratool config " + std::string(sub) +
                              "' (see 'entratool config list')");
}

std::string auth_label(const std::string& method) {
  if (method == "secret") return "client secret";
  if (method == "certificate") return "certificate";
  return "none (public client)";
}

bool names_contain(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

sdk::Result<std::string> passphrase(Context& ctx, bool confirm) {
  if (const char* env = std::getenv("ENTRATOOL_EXPORT_PASSPHRASE"); env && *env) {
    if (confirm && std::string_view(env).size() < kMinPassphraseLength)
      return sdk::Status::general("ENTRATOOL_EXPORT_PASSPHRASE is too short; use at least " +
                                  std::to_string(kMinPassphraseLength) + " characters");
    return std::string(env);
  }
  if (!can_prompt(ctx))
    return sdk::Status::general("no passphrase: set ENTRATOOL_EXPORT_PASSPHRASE, or run in a terminal to be asked");
  auto& console = ctx.services().console();
  if (!confirm) {
    auto p = console.prompt_secret("Passphrase of the export: ");
    if (!p) return sdk::Status::general(p.status().message() + "; set ENTRATOOL_EXPORT_PASSPHRASE instead");
    if (p->empty()) return sdk::Status::general("the passphrase is empty");
    return p;
  }
  for (int attempt = 0; attempt < 3; ++attempt) {
    auto first = console.prompt_secret("Passphrase to encrypt the export: ");
    if (!first) return sdk::Status::general(first.status().message() + "; set ENTRATOOL_EXPORT_PASSPHRASE instead");
    if (first->size() < kMinPassphraseLength) {
      ctx.err << "  use at least " << kMinPassphraseLength << " characters\n";
      continue;
    }
    auto second = console.prompt_secret("Repeat the passphrase: ");
    if (!second) return second.status();
    if (*first == *second) return first;
    ctx.err << "  the passphrases differ; try again\n";
  }
  return sdk::Status::general("no usable passphrase after 3 attempts");
}

sdk::Status sub_create(Context& ctx, const Args& args) {
  ArgParser parser("entratool config create",
                   "Create a profile by answering questions (see create-profile for flags).");
  parser.flag("set-default", 0, "Make the new profile the default");
  sdk::Status status;
  if (!parse(ctx, parser, args, 0, status)) return status;
  Profile profile;
  SecretUpdate secrets;
  if (auto s = prompt_profile(ctx, /*editing=*/false, profile, secrets); !s) return s;
  if (auto s = save_profile_with_secrets(ctx, profile, secrets, nullptr, parser.has("set-default")); !s) return s;
  ctx.err << "Profile '" << profile.name << "' created"
          << (secrets.client_secret || secrets.certificate_password ? "; its secret is in the secret store" : "")
          << ".\n"
          << "Get a token with: entratool get-token -p " << profile.name << "\n";
  return sdk::Status::ok();
}

sdk::Status sub_list(Context& ctx, const Args& args) {
  ArgParser parser("entratool config list", "List the profiles ('*' marks the default).");
  parser.option("output", 'o', "FORMAT", "table (default) or json");
  sdk::Status status;
  if (!parse(ctx, parser, args, 0, status)) return status;
  std::string format = parser.value("output").value_or("table");
  if (format != "table" && format != "json")
    return sdk::Status::general("unknown output format '" + format + "' for 'config list'; use table or json");
  ProfileStore store(ctx.config_dir());
  auto profiles = store.list();
  if (!profiles) return profiles.status();
  auto def = store.default_name();
  if (!def) return def.status();
  if (format == "json") {
    json::Value arr = json::Value::array();
    for (const auto& p : *profiles) {
      json::Value o = profile_to_json(p);
      o.set("default", json::Value::boolean(p.name == *def));
      arr.push_back(std::move(o));
    }
    ctx.out << json::serialize(arr, 2) << "\n";
    return sdk::Status::ok();
  }
  if (profiles->empty()) {
    ctx.err << "No profiles yet; create one with 'entratool config create' or 'entratool create-profile'.\n";
    return sdk::Status::ok();
  }
  std::vector<std::vector<std::string>> rows = {{"", "NAME", "TENANT", "CLIENT ID", "AUTH", "DEFAULT FLOW"}};
  for (const auto& p : *profiles)
    rows.push_back({p.name == *def ? "*" : "", p.name, p.tenant_id, p.client_id, p.auth_method,
                    p.default_flow.empty() ? "-" : p.default_flow});
  ctx.out << format_table(rows);
  return sdk::Status::ok();
}

sdk::Status sub_show(Context& ctx, const Args& args) {
  ArgParser parser("entratool config show", "Show a profile's settings and where its secrets are (never the secrets).",
                   "-p NAME [options]");
  parser.option("profile", 'p', "NAME", "The profile").option("output", 'o', "FORMAT", "text (default) or json");
  sdk::Status status;
  if (!parse(ctx, parser, args, 1, status)) return status;
  std::string format = parser.value("output").value_or("text");
  if (format != "text" && format != "json")
    return sdk::Status::general("unknown output format '" + format + "' for 'config show'; use text or json");
  auto name = profile_argument(parser, "show");
  if (!name) return name.status();
  ProfileStore store(ctx.config_dir());
  auto profile = store.find(*name);
  if (!profile) return profile.status();
  auto def = store.default_name();
  if (!def) return def.status();
  const Profile& p = *profile;

  // Where each secret is, from the store's listing (the values themselves are never read).
  std::string secret_line, password_line;
  bool wants_secret = p.auth_method == "secret";
  bool wants_password = p.auth_method == "certificate";
  if (wants_secret || wants_password) {
    auto opened = ctx.secret_store();
    if (!opened) {
      std::string why = "secret store unavailable: " + opened.status().message();
      secret_line = password_line = why;
    } else {
      auto names = (*opened)->list("profile/" + p.name + "/");
      std::string where = "stored in " + (*opened)->describe();
      if (!names) {
        secret_line = password_line = "cannot list the secret store: " + names.status().message();
      } else {
        secret_line = names_contain(*names, client_secret_name(p.name))
                          ? where
                          : "MISSING - set it with 'entratool config edit -p " + p.name + " --client-secret-stdin'";
        password_line = names_contain(*names, certificate_password_name(p.name)) ? where : "";
      }
    }
  }
  if (format == "json") {
    json::Value o = profile_to_json(p);
    o.set("default", json::Value::boolean(p.name == *def));
    if (wants_secret) o.set("client_secret", json::Value::string(secret_line));
    if (wants_password && !password_line.empty()) o.set("certificate_password", json::Value::string(password_line));
    o.set("profiles_file", json::Value::string(store.path()));
    ctx.out << json::serialize(o, 2) << "\n";
    return sdk::Status::ok();
  }
  auto line = [&](std::string label, const std::string& value) {
    label += ":";
    label.resize(22, ' ');
    ctx.out << label << value << "\n";
  };
  line("Profile", p.name + (p.name == *def ? " (default)" : ""));
  line("Tenant ID", p.tenant_id);
  line("Client ID", p.client_id);
  std::string scopes;
  for (const auto& s : p.scopes) scopes += (scopes.empty() ? "" : " ") + s;
  line("Scopes", scopes);
  line("Authentication", auth_label(p.auth_method));
  if (wants_secret) line("Client secret", secret_line);
  if (!p.certificate_path.empty()) line("Certificate", p.certificate_path);
  if (!p.private_key_path.empty()) line("Private key", p.private_key_path);
  if (wants_password && !password_line.empty()) line("Certificate password", password_line);
  line("Default flow", p.default_flow.empty() ? "(none)" : p.default_flow);
  if (!p.redirect_uri.empty()) line("Redirect URI", p.redirect_uri);
  if (!p.issuer.empty())
    line("Issuer", p.issuer);
  else
    line("Authority host", p.authority_host.empty() ? std::string(kDefaultAuthority) + " (default)" : p.authority_host);
  if (!p.ca_bundle.empty()) line("CA bundle", p.ca_bundle);
  for (const auto& [k, v] : p.settings) line(k, v);
  if (!p.created_at.empty()) line("Created", p.created_at);
  if (!p.updated_at.empty()) line("Updated", p.updated_at);
  line("Profiles file", store.path());
  return sdk::Status::ok();
}

sdk::Status sub_edit(Context& ctx, const Args& args) {
  ArgParser parser("entratool config edit",
                   "Change a profile: the flags given change only those fields; without flags, asks for each field\n"
                   "with the current value as default.",
                   "-p NAME [options]");
  parser.option("profile", 'p', "NAME", "The profile to change");
  declare_profile_flags(parser, /*creating=*/false);
  parser.epilog("Rotate a secret:  printf %s \"$NEW_SECRET\" | entratool config edit -p NAME --client-secret-stdin\n");
  sdk::Status status;
  if (!parse(ctx, parser, args, 1, status)) return status;
  auto name = profile_argument(parser, "edit");
  if (!name) return name.status();
  ProfileStore store(ctx.config_dir());
  auto previous = store.find(*name);
  if (!previous) return previous.status();
  Profile profile = *previous;
  SecretUpdate secrets;
  if (any_profile_flag(parser)) {
    if (auto s = apply_profile_flags(parser, ctx, /*creating=*/false, profile, secrets); !s) return s;
  } else if (!parser.has("set-default")) {
    if (auto s = prompt_profile(ctx, /*editing=*/true, profile, secrets); !s) return s;
  }
  if (auto s = save_profile_with_secrets(ctx, profile, secrets, &*previous, parser.has("set-default")); !s) return s;
  warn_about_argv_secret(ctx, secrets);
  ctx.err << "Profile '" << profile.name << "' updated"
          << (secrets.client_secret ? "; the new client secret is stored" : "") << ".\n";
  return sdk::Status::ok();
}

// A profile's cached tokens and secrets (absent ones are no error); the number removed.
sdk::Result<size_t> erase_profile_data(sdk::SecretStore& secrets, const std::string& name) {
  auto tokens = secrets.list(TokenCache::profile_prefix(name));
  if (!tokens) return tokens.status();
  size_t removed = tokens->size();
  if (auto s = TokenCache(secrets).erase_profile(name); !s) return s;
  // Listed to count them; erased by name too, since a damaged secret is not listed but can be
  // removed without decrypting it.
  auto held = secrets.list("profile/" + name + "/");
  if (!held) return held.status();
  removed += held->size();
  for (const auto& secret : *held)
    if (auto s = secrets.erase(secret); !s) return s;
  for (const auto& secret : {client_secret_name(name), certificate_password_name(name)})
    if (auto s = secrets.erase(secret); !s) return s;
  return removed;
}

// 'config delete' of a profile that is not there: what an interrupted delete (or an older
// entratool) left in the secret store under its name is removed, so nothing stays orphaned.
sdk::Status remove_leftovers(Context& ctx, const std::string& name, const sdk::Status& not_found) {
  if (!validate_profile_name(name)) return not_found;
  auto secret_store = ctx.secret_store();
  if (!secret_store) return not_found;
  auto removed = erase_profile_data(**secret_store, name);
  if (!removed)
    return sdk::Status::general("cannot remove what is left of profile '" + name + "': " + removed.status().message());
  if (*removed == 0) return not_found;
  ctx.err << "Profile '" << name << "' did not exist; removed its " << *removed
          << " leftover secret(s) and cached token(s).\n";
  return sdk::Status::ok();
}

sdk::Status sub_delete(Context& ctx, const Args& args) {
  ArgParser parser("entratool config delete", "Delete a profile with its stored secrets and cached tokens.",
                   "-p NAME [--yes]");
  parser.option("profile", 'p', "NAME", "The profile to delete").flag("yes", 'y', "Do not ask for confirmation");
  sdk::Status status;
  if (!parse(ctx, parser, args, 1, status)) return status;
  auto name = profile_argument(parser, "delete");
  if (!name) return name.status();
  ProfileStore store(ctx.config_dir());
  auto profile = store.find(*name);
  if (!profile && profile.status().category() == sdk::ErrorCategory::profile_not_found)
    return remove_leftovers(ctx, *name, profile.status());
  if (!profile) return profile.status();
  if (!parser.has("yes")) {
    auto& console = ctx.services().console();
    if (!console.interactive())
      return sdk::Status::general("not deleting profile '" + *name + "' without confirmation; pass --yes");
    auto answer = console.prompt("Delete profile '" + *name + "' with its secrets and cached tokens? [y/N] ");
    if (!answer) return sdk::Status::general(answer.status().message() + "; pass --yes to delete without asking");
    std::string a = *answer;
    if (a != "y" && a != "Y" && a != "yes" && a != "YES" && a != "Yes") {
      ctx.err << "Profile '" << *name << "' kept.\n";
      return sdk::Status::ok();
    }
  }
  // Tokens, then secrets, then the profile: killed at any point, the profile is still listed
  // and 'config delete' again finishes the job; nothing is left that no command reaches.
  auto secret_store = ctx.secret_store();
  if (!secret_store) return secret_store.status();
  if (auto s = erase_profile_data(**secret_store, *name); !s)
    return sdk::Status::general("profile '" + *name + "' was kept: " + s.status().message() + "; try again");
  if (auto s = store.remove(*name); !s) return s;
  ctx.err << "Profile '" << *name << "' deleted with its secrets and cached tokens.\n";
  return sdk::Status::ok();
}

sdk::Status sub_set_default(Context& ctx, const Args& args) {
  ArgParser parser("entratool config set-default", "Make a profile the default (used when -p is not given).", "NAME");
  parser.option("profile", 'p', "NAME", "The profile (or give it as the argument)");
  sdk::Status status;
  if (!parse(ctx, parser, args, 1, status)) return status;
  auto name = profile_argument(parser, "set-default");
  if (!name) return name.status();
  if (auto s = ProfileStore(ctx.config_dir()).set_default(*name); !s) return s;
  ctx.err << "Default profile: " << *name << "\n";
  return sdk::Status::ok();
}

sdk::Status sub_export(Context& ctx, const Args& args) {
  ArgParser parser("entratool config export",
                   "Write a profile to an encrypted, authenticated export (AES-256-GCM, key from a passphrase by\n"
                   "scrypt) that 'config import' reads on another machine.",
                   "-p NAME [--include-secrets] [--file FILE]");
  parser.option("profile", 'p', "NAME", "The profile to export")
      .flag("include-secrets", 0, "Include the client secret / certificate password")
      .option("file", 0, "FILE", "Write here (created 0600) instead of standard output")
      .flag("force", 0, "Overwrite FILE when it exists")
      .epilog(
          "The passphrase comes from ENTRATOOL_EXPORT_PASSPHRASE or is asked twice. Certificate files are\n"
          "referenced by path, not included: copy them separately.\n");
  sdk::Status status;
  if (!parse(ctx, parser, args, 1, status)) return status;
  auto name = profile_argument(parser, "export");
  if (!name) return name.status();
  auto file = parser.value("file");
  if (file && file->empty()) return sdk::Status::general("--file is empty; give a file name");
  if (!file && ::isatty(STDOUT_FILENO))
    return sdk::Status::general(
        "refusing to write the export to a terminal; pass --file FILE or redirect standard output");
  if (file && support::files::exists(*file) && !parser.has("force"))
    return sdk::Status::general("'" + *file + "' already exists; pass --force to overwrite it");
  ProfileStore store(ctx.config_dir());
  auto profile = store.find(*name);
  if (!profile) return profile.status();

  json::Value doc = json::Value::object();
  doc.set("format", json::Value::string(kExportFormat));
  doc.set("version", json::Value::number(1LL));
  json::Value pj = profile_to_json(*profile);
  pj.erase("created_at");
  pj.erase("updated_at");
  doc.set("profile", std::move(pj));
  bool has_secret = profile->auth_method != "none";
  if (parser.has("include-secrets") && has_secret) {
    auto opened = ctx.secret_store();
    if (!opened) return opened.status();
    json::Value secrets = json::Value::object();
    for (const auto& [key, secret_name] :
         {std::pair<const char*, std::string>{"client_secret", client_secret_name(*name)},
          {"certificate_password", certificate_password_name(*name)}}) {
      auto value = (*opened)->get(secret_name);
      if (!value) return value.status();
      if (value->has_value()) secrets.set(key, json::Value::string(**value));
    }
    doc.set("secrets", std::move(secrets));
  }
  auto pass = passphrase(ctx, /*confirm=*/true);
  if (!pass) return pass.status();
  auto sealed = export_crypto::seal(*pass, json::serialize(doc));
  if (!sealed) return sealed.status();
  std::string text = export_crypto::armor(*sealed);
  if (file) {
    if (auto s = support::files::atomic_write(*file, text, 0600); !s) return s;
  } else {
    ctx.out << text;
    ctx.out.flush();
  }
  ctx.err << "Profile '" << *name << "' exported" << (file ? " to " + *file : std::string());
  if (has_secret)
    ctx.err << (parser.has("include-secrets") ? " with its secrets"
                                              : " without its secrets (add --include-secrets to include them)");
  ctx.err << ".\n";
  return sdk::Status::ok();
}

sdk::Status sub_import(Context& ctx, const Args& args) {
  ArgParser parser("entratool config import", "Read a profile from 'config export' output.",
                   "[--file FILE] [--name NEW] [--force]");
  parser.option("file", 0, "FILE", "Read here instead of standard input")
      .option("name", 'n', "NEW", "Import under another name")
      .flag("force", 0, "Replace an existing profile of the same name")
      .flag("set-default", 0, "Make the imported profile the default");
  sdk::Status status;
  if (!parse(ctx, parser, args, 0, status)) return status;
  std::string text;
  if (auto file = parser.value("file")) {
    auto read = support::files::read_file(*file);
    if (!read) return read.status();
    text = std::move(*read);
  } else {
    if (::isatty(STDIN_FILENO))
      return sdk::Status::general("pass --file FILE, or pipe the export into 'entratool config import'");
    text = read_standard_input();
  }
  auto sealed = export_crypto::dearmor(text);
  if (!sealed) return sealed.status();
  auto pass = passphrase(ctx, /*confirm=*/false);
  if (!pass) return pass.status();
  auto plain = export_crypto::open(*pass, *sealed);
  if (!plain) return plain.status();
  auto doc = json::parse(*plain);
  if (!doc || !doc->is_object() || doc->get_string("format") != kExportFormat || !doc->find("profile"))
    return sdk::Status::general("the export decrypted but its content is not an entratool profile");
  if (auto v = doc->find("version"); !v || v->as_int().value_or(0) != 1)
    return sdk::Status::general("the export was written by a newer entratool; upgrade entratool to import it");
  json::Value entry = *doc->find("profile");
  if (auto n = parser.value("name"); n && entry.is_object()) entry.set("name", json::Value::string(*n));
  // The same validator as profiles.json: what import accepts, a later load accepts too.
  auto profile = validate_stored_profile(entry);
  if (!profile) return sdk::Status::general("the export holds an invalid profile: " + profile.status().message());

  SecretUpdate secrets;
  if (const json::Value* s = doc->find("secrets"); s && s->is_object()) {
    if (const json::Value* v = s->find("client_secret"); v && v->is_string() && profile->auth_method == "secret")
      secrets.client_secret = v->text();
    if (const json::Value* v = s->find("certificate_password");
        v && v->is_string() && profile->auth_method == "certificate")
      secrets.certificate_password = v->text();
  }
  ProfileStore store(ctx.config_dir());
  auto existing = store.find(profile->name);
  if (!existing && existing.status().category() != sdk::ErrorCategory::profile_not_found) return existing.status();
  if (existing && !parser.has("force"))
    return sdk::Status::general("profile '" + profile->name +
                                "' already exists; pass --name NEW to import it under another "
                                "name, or --force to replace it");
  profile->created_at.clear();
  if (auto s =
          save_profile_with_secrets(ctx, *profile, secrets, existing ? &*existing : nullptr, parser.has("set-default"));
      !s)
    return sdk::Status::general("cannot import profile '" + profile->name + "': " + s.message());
  ctx.err << "Profile '" << profile->name << "' imported";
  if (profile->auth_method == "secret" && !secrets.client_secret)
    ctx.err << "; the export had no client secret: set it with 'entratool config edit -p " << profile->name
            << " --client-secret-stdin'";
  ctx.err << ".\n";
  return sdk::Status::ok();
}

struct SubcommandEntry {
  const char* name;
  const char* summary;
  Subcommand run;
};

constexpr SubcommandEntry kSubcommands[] = {
    {"create", "Create a profile by answering questions", sub_create},
    {"list", "List the profiles (-o json)", sub_list},
    {"show", "Show a profile (-p NAME); never prints a secret", sub_show},
    {"edit", "Change a profile (-p NAME), by flags or by answering questions", sub_edit},
    {"delete", "Delete a profile (-p NAME) with its secrets and cached tokens", sub_delete},
    {"set-default", "Make a profile the default", sub_set_default},
    {"export", "Export a profile, encrypted with a passphrase", sub_export},
    {"import", "Import a profile from an export", sub_import},
    {"store", "Show the secret store in force and why; 'store migrate --to ID' moves to another", cmd_config_store},
};

void print_config_help(Output& out) {
  out << "Manage profiles.\n\nUsage: entratool config <subcommand> [options]\n\nSubcommands:\n";
  for (const auto& s : kSubcommands) {
    std::string name = s.name;
    name.resize(14, ' ');
    out << "  " << name << s.summary << "\n";
  }
  out << "\n'entratool config <subcommand> --help' shows a subcommand's options.\n";
}

}  // namespace

sdk::Status cmd_config(Context& ctx, const Args& args) {
  if (args.empty())
    return sdk::Status::general(
        "'entratool config' needs a subcommand: create, list, show, edit, delete, set-default, "
        "export, import or store; see 'entratool config --help'");
  if (args.front() == "--help" || args.front() == "-h" || args.front() == "help") {
    print_config_help(ctx.out);
    return sdk::Status::ok();
  }
  for (const auto& s : kSubcommands)
    if (args.front() == s.name) return s.run(ctx, Args(args.begin() + 1, args.end()));
  return sdk::Status::general("unknown subcommand 'config " + args.front() +
                              "'; use create, list, show, edit, delete, set-default, export, import or store");
}

}  // namespace entratool::host
