// `entratool config store` (which secret store is in force, and why) and
// `entratool config store migrate --to ID` (every secret and cached token moved to another store).
#include <algorithm>

#include "cli/cli.h"
#include "cli/commands.h"
#include "core/context.h"
#include "entratool/sdk/secret_store.h"
#include "entratool/support/files.h"
#include "entratool/support/json.h"
#include "services/platform_secrets.h"

namespace entratool::host {

namespace json = support::json;

namespace {

// config.json's record of a migration whose new store is complete and in force but whose old
// copies are not all removed yet: re-running migrate finishes the removal.
constexpr const char* kPreviousStoreKey = "secret_store_previous";

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
  return out.empty() ? "(none)" : out;
}

// config.json as it is now (an empty object when absent), to be changed and written back.
sdk::Result<json::Value> config_copy(Context& ctx) {
  auto doc = ctx.config_document();
  if (!doc) return doc.status();
  return *doc ? **doc : json::Value::object();
}

sdk::Status write_config(Context& ctx, const json::Value& doc) {
  if (auto s = support::files::ensure_private_directory(ctx.config_dir()); !s) return s;
  // Atomic (temporary file, fsync, rename) and 0600: a crash leaves the old config or the new.
  return support::files::atomic_write(ctx.config_dir() + "/config.json", json::serialize(doc, 2) + "\n", 0600);
}

// The user's secrets and cached tokens in `store`: everything but what the platform-secrets
// service keeps there for other stores (a data key must stay where its store looks for it).
sdk::Result<std::vector<std::string>> movable_names(sdk::SecretStore& store) {
  auto names = store.list("");
  if (!names) return names.status();
  std::vector<std::string> out;
  for (auto& n : *names)
    if (n.compare(0, kPlatformSecretPrefix.size(), kPlatformSecretPrefix) != 0) out.push_back(std::move(n));
  return out;
}

sdk::Status show_store(Context& ctx, const ArgParser& parser) {
  std::string format = parser.value("output").value_or("text");
  if (format != "text" && format != "json")
    return sdk::Status::general("unknown output format '" + format + "' for 'config store'; use text or json");
  auto choice = ctx.store_choice();
  if (!choice) return choice.status();
  auto opened = ctx.secret_store();
  std::string pending;
  if (auto doc = ctx.config_document(); doc && *doc) pending = (*doc)->get_string(kPreviousStoreKey);
  const auto installed = ctx.store_ids();
  if (format == "json") {
    json::Value o = json::Value::object();
    o.set("store", json::Value::string(choice->id));
    o.set("source", json::Value::string(choice->source));
    o.set("reason", json::Value::string(choice->because));
    o.set("available", json::Value::boolean(static_cast<bool>(opened)));
    o.set(opened ? "describe" : "error",
          json::Value::string(opened ? (*opened)->describe() : opened.status().message()));
    json::Value ids = json::Value::array();
    for (const auto& id : installed) ids.push_back(json::Value::string(id));
    o.set("installed", std::move(ids));
    if (!pending.empty()) o.set("unfinished_migration_from", json::Value::string(pending));
    ctx.out << json::serialize(o, 2) << "\n";
  } else {
    auto line = [&](std::string label, const std::string& value) {
      label += ":";
      label.resize(18, ' ');
      ctx.out << label << value << "\n";
    };
    line("Secret store", choice->id);
    line("Chosen", choice->because);
    line("Where", opened ? (*opened)->describe() : "unavailable");
    line("Installed stores", joined(installed));
    if (!pending.empty())
      line("Unfinished", "old copies in '" + pending + "' remain; run 'entratool config store migrate --to " +
                             choice->id + "' to remove them");
  }
  // The listing is printed either way; an unusable store is still an error for scripts.
  if (!opened) return opened.status();
  return sdk::Status::ok();
}

// Removes from `from` what a migration copied to the store now in force, then the record of it
// from `config` (config.json as last written).
sdk::Status finish_removal(Context& ctx, json::Value config, const std::string& from, sdk::SecretStore& source,
                           const std::vector<std::string>& names) {
  for (const auto& name : names) {
    if (auto s = source.erase(name); !s)
      return sdk::Status::general(std::string("the secrets are in the new store, but removing '")
                                      .append(name)
                                      .append("' from '")
                                      .append(from)
                                      .append("' failed: ")
                                      .append(s.message())
                                      .append("; run the migrate command again to finish"));
    if (ctx.options().verbose) ctx.err << "migrate: removed " << name << " from " << from << "\n";
  }
  config.erase(kPreviousStoreKey);
  return write_config(ctx, config);
}

sdk::Status migrate(Context& ctx, const ArgParser& parser) {
  auto to = parser.value("to");
  if (!to || to->empty())
    return sdk::Status::general("which store? pass --to ID (installed: " + joined(ctx.store_ids()) + ")");
  auto choice = ctx.store_choice();
  if (!choice) return choice.status();
  if (choice->source == "policy")
    return sdk::Status::general("the system policy forces the secret store '" + choice->id +
                                "'; a migration to another store is not possible (ask your administrator)");
  auto doc = ctx.config_document();
  if (!doc) return doc.status();
  const std::string pending = *doc ? (*doc)->get_string(kPreviousStoreKey) : std::string();

  if (choice->id == *to) {
    if (pending.empty() || pending == *to) {
      ctx.err << "The secret store is already '" << *to << "'; nothing to move.\n";
      return sdk::Status::ok();
    }
    // An earlier migration to this store was interrupted after the switch: finish removing.
    auto source = ctx.open_store(pending);
    if (!source)
      return sdk::Status::general("cannot finish removing the old copies from '" + pending +
                                  "': " + source.status().message());
    auto names = movable_names(**source);
    if (!names) return names.status();
    auto target = ctx.secret_store();
    if (!target) return target.status();
    // Only what the new store holds is removed from the old one.
    std::vector<std::string> copied;
    for (const auto& n : *names)
      if (auto v = (*target)->get(n); v && v->has_value()) copied.push_back(n);
    auto config = config_copy(ctx);
    if (!config) return config.status();
    if (auto s = finish_removal(ctx, std::move(*config), pending, **source, copied); !s) return s;
    ctx.err << "Finished the migration from '" << pending << "': removed " << copied.size() << " old cop"
            << (copied.size() == 1 ? "y" : "ies") << ".\n";
    return sdk::Status::ok();
  }

  // Old copies of an unfinished migration are only found through its record: finish it first.
  if (!pending.empty() && pending != *to)
    return sdk::Status::general("an earlier migration from '" + pending + "' to '" + choice->id +
                                "' is unfinished; run 'entratool config store migrate --to " + choice->id + "' first");
  auto source = ctx.secret_store();
  if (!source) return source.status();
  auto target = ctx.open_store(*to);
  if (!target)
    return target.status().with_message("cannot migrate to the secret store '" + *to +
                                        "': " + target.status().message() + " (nothing was changed)");
  auto names = movable_names(**source);
  if (!names) return names.status();

  // 1. Copy and verify every entry; the old store stays complete and in force meanwhile.
  for (const auto& name : *names) {
    auto value = (**source).get(name);
    if (!value)
      return sdk::Status::general("cannot read '" + name + "' from '" + choice->id + "': " + value.status().message() +
                                  "; nothing was switched — fix or remove it, then run the migrate command again");
    if (!value->has_value()) continue;  // removed meanwhile
    if (auto s = (*target)->put(name, **value); !s)
      return sdk::Status::general("cannot store '" + name + "' in '" + *to + "': " + s.message() +
                                  "; nothing was switched, '" + choice->id + "' is still in use");
    auto back = (*target)->get(name);
    if (!back || !back->has_value() || **back != **value)
      return sdk::Status::general("'" + name + "' did not read back unchanged from '" + *to +
                                  "'; nothing was switched, '" + choice->id + "' is still in use");
    if (ctx.options().verbose) ctx.err << "migrate: copied " << name << " to " << *to << "\n";
  }

  // 2. Switch: config.json names the new store, and records the old one until it is emptied.
  auto updated = config_copy(ctx);
  if (!updated) return updated.status();
  updated->erase("keystore");
  updated->set("secret_store", json::Value::string(*to));
  updated->set(kPreviousStoreKey, json::Value::string(choice->id));
  if (auto s = write_config(ctx, *updated); !s)
    return sdk::Status::general("the secrets were copied to '" + *to + "' but config.json could not be written (" +
                                s.message() + "); '" + choice->id + "' is still in use");

  // 3. Remove the old copies.
  if (auto s = finish_removal(ctx, std::move(*updated), choice->id, **source, *names); !s) return s;
  ctx.err << "Moved " << names->size() << " secret(s) and cached token(s) from '" << choice->id << "' to '" << *to
          << "'; config.json now names '" << *to << "'.\n";
  if (choice->source == "environment")
    ctx.err << "ENTRATOOL_KEYSTORE still chooses '" << choice->id << "' where it is set; unset it (or set it to '"
            << *to << "').\n";
  return sdk::Status::ok();
}

}  // namespace

sdk::Status cmd_config_store(Context& ctx, const Args& args) {
  const bool migrating = !args.empty() && args.front() == "migrate";
  ArgParser parser(migrating ? "entratool config store migrate" : "entratool config store",
                   migrating ? "Move every secret and cached token from the current secret store to another; the\n"
                               "old copies are removed only after the new ones read back unchanged."
                             : "Show the secret store in force, why it was chosen, and the installed stores.",
                   migrating ? "--to ID" : "[-o text|json] | migrate --to ID");
  if (migrating)
    parser.option("to", 0, "ID", "The secret store to move to (see 'entratool config store')")
        .epilog("Interrupted, it loses nothing: run it again to finish.\n");
  else
    parser.option("output", 'o', "FORMAT", "text (default) or json");
  sdk::Status status = parser.parse(migrating ? Args(args.begin() + 1, args.end()) : args, 0);
  if (!status) return status;
  if (parser.help_requested()) {
    ctx.out << parser.help_text();
    return sdk::Status::ok();
  }
  return migrating ? migrate(ctx, parser) : show_store(ctx, parser);
}

}  // namespace entratool::host
