// `entratool create-profile`: a profile from flags only, for CI. Without any flag on a terminal it
// asks the same questions as `config create` (the client-credentials guide shows it that way).

#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/profile_flags.h"
#include "core/context.h"
#include "core/profiles.h"
#include "entratool/sdk/host_services.h"
#include "services/services.h"

namespace entratool::host {

namespace {
constexpr const char* kDefaultScope = "https://graph.microsoft.com/.default";

ArgParser create_profile_parser() {
  ArgParser parser("entratool create-profile", "Create a profile from flags (for CI and scripts).");
  declare_profile_flags(parser, /*creating=*/true);
  parser.epilog(
      "The client secret is stored in the secret store, never in profiles.json. Without a secret flag it\n"
      "comes from AZURE_CLIENT_SECRET when set. Without --scope the profile asks for\n" +
      std::string(kDefaultScope) +
      ".\nOn a terminal, without flags (or with only --use-certificate), it asks its questions; with flags,\n"
      "it asks for what they leave out (name, tenant and client id, a secret, a certificate).\n"
      "\nExamples:\n"
      "  printf %s \"$CLIENT_SECRET\" | entratool create-profile --name ci --tenant-id \"$TENANT_ID\" \\\n"
      "      --client-id \"$CLIENT_ID\" --client-secret-stdin --scope https://management.azure.com/.default\n"
      "  entratool create-profile --name secure-app --tenant-id contoso.onmicrosoft.com --client-id \"$CLIENT_ID\" \\\n"
      "      --use-certificate --certificate-path cert.pem --private-key-path key.pem\n");
  return parser;
}

}  // namespace

sdk::Status cmd_create_profile(Context& ctx, const Args& args) {
  ArgParser parser = create_profile_parser();
  if (auto s = parser.parse(args); !s) return s;
  if (parser.help_requested()) {
    ctx.out << parser.help_text();
    return sdk::Status::ok();
  }

  Profile profile;
  SecretUpdate secrets;
  // The guide's "entratool create-profile [--use-certificate]" then asks its questions.
  if (!any_profile_flag(parser, "use-certificate") && ctx.services().console().interactive()) {
    if (parser.has("use-certificate")) profile.auth_method = "certificate";
    if (auto s = prompt_profile(ctx, /*editing=*/false, profile, secrets); !s) return s;
  } else {
    // On a terminal, what the flags leave out is asked for (spec 004's certificate example names
    // no tenant); the answers are parsed as the flags they stand for.
    if (ctx.services().console().interactive()) {
      Args extra;
      if (auto s = prompt_missing_profile_flags(ctx, parser, extra, secrets); !s) return s;
      if (!extra.empty()) {
        Args all = args;
        all.insert(all.end(), extra.begin(), extra.end());
        parser = create_profile_parser();
        if (auto s = parser.parse(all); !s) return s;
      }
    }
    if (auto s = apply_profile_flags(parser, ctx, /*creating=*/true, profile, secrets); !s) return s;
    if (profile.scopes.empty()) profile.scopes = {kDefaultScope};
  }

  ProfileStore store(ctx.config_dir());
  auto existing = store.find(profile.name);
  if (!existing && existing.status().category() != sdk::ErrorCategory::profile_not_found) return existing.status();
  if (existing && !parser.has("force"))
    return sdk::Status::general("profile '" + profile.name +
                                "' already exists; pass --force to replace it, or change it "
                                "with 'entratool config edit -p " +
                                profile.name + "'");
  if (auto s =
          save_profile_with_secrets(ctx, profile, secrets, existing ? &*existing : nullptr, parser.has("set-default"));
      !s)
    return s;
  warn_about_argv_secret(ctx, secrets);
  if (!parser.has("scope") && any_profile_flag(parser))
    ctx.err << "No --scope given; the profile asks for " << kDefaultScope << "\n";
  ctx.err << "Profile '" << profile.name << "' " << (existing ? "replaced" : "created");
  if (secrets.client_secret) ctx.err << "; the client secret is in the secret store";
  ctx.err << ".\n";
  return sdk::Status::ok();
}

}  // namespace entratool::host
