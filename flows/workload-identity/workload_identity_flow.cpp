#include "workload_identity_flow.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "entratool/support/grants.h"
#include "entratool/support/scopes.h"

namespace entratool::flows {

namespace {

constexpr size_t kMaxTokenBytes = size_t{64} * 1024;

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

}  // namespace

sdk::Result<std::string> read_federated_token(const std::string& path) {
  const std::string what = "the federated token file '" + path + "'";
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return sdk::Status::general("cannot read " + what + ": " + std::strerror(errno) +
                                "; check AZURE_FEDERATED_TOKEN_FILE and that the platform projects the token "
                                "(AKS: the pod's service account uses workload identity)");
  std::string text;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int e = errno;
      ::close(fd);
      return sdk::Status::general("cannot read " + what + ": " + std::strerror(e));
    }
    if (n == 0) break;
    text.append(buf, static_cast<size_t>(n));
    if (text.size() > kMaxTokenBytes) {
      ::close(fd);
      return sdk::Status::general(what + " is larger than 64 KiB; it should hold one JWT");
    }
  }
  ::close(fd);
  size_t b = text.find_first_not_of(" \t\r\n"), e = text.find_last_not_of(" \t\r\n");
  if (b == std::string::npos)
    return sdk::Status::general(what + " is empty; the platform has not written the token yet (or the path is wrong)");
  return text.substr(b, e - b + 1);
}

sdk::Result<sdk::TokenResponse> WorkloadIdentityFlow::acquire(const sdk::FlowRequest& request,
                                                              sdk::HostServices& services) {
  if (request.scopes.empty())
    return sdk::Status::general("workload identity needs a scope, e.g. https://graph.microsoft.com/.default");
  auto it = request.settings.find("federated_token_file");
  std::string path = it != request.settings.end() ? it->second : env("AZURE_FEDERATED_TOKEN_FILE");
  if (path.empty())
    return sdk::Status::general(
        "workload identity needs a federated token file: set AZURE_FEDERATED_TOKEN_FILE or "
        "create the profile with --federated-token-file");
  auto assertion = read_federated_token(path);  // every time: the platform rotates the file
  if (!assertion) return assertion.status();
  services.logger().log(sdk::LogLevel::debug,
                        "workload identity: assertion from " + path + ", POST " + request.token_endpoint);
  return support::redeem_client_assertion(request, services, *assertion);
}

}  // namespace entratool::flows
