#include "services/platform_secrets.h"

#include "entratool/sdk/secret_store.h"

namespace entratool::host {

const char* platform_store_id() {
#if defined(_WIN32)
  return "dpapi";
#elif defined(__APPLE__)
  return "keychain";
#else
  return "secret-service";
#endif
}

sdk::Result<sdk::SecretStore*> PlatformSecretsService::store() {
  const std::string id = platform_store_id();
  // A platform store that asked for a platform secret while being opened would recurse.
  if (opening_)
    return sdk::Status::general("the platform secret store '" + id + "' asked for a platform secret itself");
  opening_ = true;
  auto opened = open_ ? open_(id) : sdk::Result<sdk::SecretStore*>(sdk::Status::general("no platform store opener"));
  opening_ = false;
  if (!opened)
    return opened.status().with_message("the platform secret store '" + id +
                                        "' is not available: " + opened.status().message());
  return opened;
}

sdk::Result<std::optional<std::string>> PlatformSecretsService::get(std::string_view name) {
  auto s = store();
  if (!s) return s.status();
  return (*s)->get(std::string(kPlatformSecretPrefix).append(name));
}

sdk::Status PlatformSecretsService::put(std::string_view name, std::string_view value) {
  auto s = store();
  if (!s) return s.status();
  return (*s)->put(std::string(kPlatformSecretPrefix).append(name), value);
}

sdk::Status PlatformSecretsService::erase(std::string_view name) {
  auto s = store();
  if (!s) return s.status();
  return (*s)->erase(std::string(kPlatformSecretPrefix).append(name));
}

std::string PlatformSecretsService::describe() {
  auto s = store();
  if (!s) return std::string("the platform store '") + platform_store_id() + "' (unavailable)";
  return (*s)->describe();
}

}  // namespace entratool::host
