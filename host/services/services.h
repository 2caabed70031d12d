#pragma once
// The host's implementation of the services lent to plugins (sdk/host_services.h): all of
// sdk::HostServices. Plugins reach it as C through host_bridge.h.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "entratool/sdk/host_services.h"
#include "services/signer.h"

namespace entratool::sdk {
class SecretStore;
}

namespace entratool::host {

/// The program that opens a URL for the sign-in, without the URL: $BROWSER's words, under WSL
/// wslview or `cmd.exe /c start`, else xdg-open with a graphical session (DISPLAY or
/// WAYLAND_DISPLAY); an error saying why none can be. `doctor` asks the same question.
sdk::Result<std::vector<std::string>> browser_opener();

class Services final : public sdk::HostServices {
 public:
  Services();
  ~Services() override;

  /// Loads the network module (lib/entratool/entratool-http.so, OpenSSL) on first use,
  /// so commands that never touch the network never load it. Defined in http_module.cpp.
  sdk::HttpClient& http() override;
  sdk::Console& console() override;
  sdk::BrowserLauncher& browser() override;
  sdk::Clock& clock() override;
  sdk::Logger& logger() override;
  /// The token endpoint exchange (token_endpoint.h); made on first use, and it loads the network
  /// module only when it sends a request.
  sdk::TokenEndpoint& token_endpoint() override;
  /// Client authentication (client_auth.h); the crypto module is loaded only for a certificate.
  sdk::ClientAuthenticator& client_auth() override;
  /// The browser sign-in (sign_in.h); it needs no network module.
  sdk::SignIn& sign_in() override;
  /// The secrets the running flow declared (secrets.h).
  sdk::Secrets& secrets() override;
  /// entratool.platform-secrets/1 (platform_secrets.h): the platform store, opened on first
  /// use through the opener set with set_store_opener().
  sdk::PlatformSecrets& platform_secrets() override;
  /// How platform_secrets() opens a store by id (Context::open_store); set before its first use.
  void set_store_opener(std::function<sdk::Result<sdk::SecretStore*>(const std::string&)> open);

  /// --silent: status lines are dropped (notices and errors still show).
  void set_silent(bool silent);
  /// --verbose: debug log lines go to stderr.
  void set_verbose(bool verbose);
  /// Replaces a service (tests).
  void set_http_for_testing(std::unique_ptr<sdk::HttpClient> http);
  void set_clock_for_testing(std::unique_ptr<sdk::Clock> clock);
  /// Replaces the certificate signer factory (tests, or a hardware-backed signer); call before
  /// the first client_auth().
  void set_signer_factory(SignerFactory signers);

 private:
  std::unique_ptr<sdk::HttpClient> http_;
  std::unique_ptr<sdk::Console> console_;
  std::unique_ptr<sdk::BrowserLauncher> browser_;
  std::unique_ptr<sdk::Clock> clock_;
  std::unique_ptr<sdk::Logger> logger_;
  SignerFactory signers_;
  std::unique_ptr<sdk::TokenEndpoint> token_endpoint_;
  std::unique_ptr<sdk::ClientAuthenticator> client_auth_;
  std::unique_ptr<sdk::SignIn> sign_in_;
  std::unique_ptr<sdk::Secrets> secrets_;
  std::function<sdk::Result<sdk::SecretStore*>(const std::string&)> store_opener_;
  std::unique_ptr<sdk::PlatformSecrets> platform_secrets_;
};

}  // namespace entratool::host
