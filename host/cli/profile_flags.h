#pragma once
// What `create-profile`, `config create` and `config edit` share: the profile flags, the
// interactive prompts, the checks before saving, and saving a profile with its secrets.

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/profiles.h"
#include "entratool/sdk/status.h"

namespace entratool::host {

class ArgParser;
class Context;

/// Secrets that come with a profile change; nullopt means "unchanged".
struct SecretUpdate {
  std::optional<std::string> client_secret;
  std::optional<std::string> certificate_password;
  bool client_secret_from_argv = false;  ///< --client-secret: the caller warns once the command succeeded
};

/// True when there is a terminal to ask questions on (stdin and stderr, or /dev/tty).
bool can_prompt(Context& ctx);
/// The warning for a secret given on the command line (printed after success, so errors stay one line).
void warn_about_argv_secret(Context& ctx, const SecretUpdate& secrets);

/// Declares the shared flags (--tenant-id, --client-id, --scope, --client-secret[-stdin],
/// --use-certificate, ...). `creating` adds --name, --force.
void declare_profile_flags(ArgParser& parser, bool creating);
/// True when any shared flag (other than --set-default and `except`) was given.
bool any_profile_flag(const ArgParser& parser, std::string_view except = {});

/// Applies the given flags to `profile`, changing only what they name. Secrets come from
/// --client-secret (with a warning), --client-secret-stdin, --certificate-password-stdin, or
/// AZURE_CLIENT_SECRET / AZURE_CLIENT_CERTIFICATE_PASSWORD when no flag gives them.
sdk::Status apply_profile_flags(const ArgParser& parser, Context& ctx, bool creating, Profile& profile,
                                SecretUpdate& secrets);

/// Asks for every field on the terminal (the tutorial's `config create`). With `editing`, the
/// current values of `profile` are the defaults and the name is kept. A bad answer is asked again,
/// at most three times in all.
sdk::Status prompt_profile(Context& ctx, bool editing, Profile& profile, SecretUpdate& secrets);

/// Validates `profile` and saves it with its secrets: new secrets go to the secret store first,
/// then profiles.json is written, then secrets the profile no longer uses are erased.
/// `previous` is the stored profile being replaced (nullptr when new).
sdk::Status save_profile_with_secrets(Context& ctx, const Profile& profile, const SecretUpdate& secrets,
                                      const Profile* previous, bool set_default);

/// One question on the terminal, asked again after an answer `check` refuses (three times in
/// all); an empty answer means `fallback`. Secrets are read without echo.
sdk::Result<std::string> prompt_field(Context& ctx, const std::string& question, bool secret,
                                      const std::string& fallback,
                                      const std::function<sdk::Status(const std::string&)>& check);
/// A certificate file a profile can name: a PEM certificate or a .pfx/.p12 that can be read.
sdk::Status check_certificate_file(const std::string& path);
/// Whether `password` opens the .pfx/.p12 at `path`; `given`: the user gave one (for the message).
sdk::Status check_certificate_password(const std::string& path, const std::string& password, bool given);

/// The question `config create` ends with: the authority host or a sovereign cloud's name
/// (public, usgov, china); the public cloud is stored as "" (the default).
sdk::Status prompt_authority(Context& ctx, Profile& profile);
/// `create-profile` with flags on a terminal: asks for what the flags leave out and would
/// otherwise be an error (name, tenant id, client id, the secret of --auth-method secret, the
/// certificate path, a PEM key not in the certificate file, the password a PFX needs). Answers
/// come back as extra flags for a second parse, and secrets in `secrets` (never as flags).
sdk::Status prompt_missing_profile_flags(Context& ctx, const ArgParser& parser, std::vector<std::string>& extra,
                                         SecretUpdate& secrets);

/// "secret", "certificate" or "none" for a user's spelling ("ClientSecret", "cert", "public"),
/// or "" when not recognised.
std::string canonical_auth_method(std::string_view text);

}  // namespace entratool::host
