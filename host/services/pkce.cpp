#include "services/pkce.h"

#include <sys/random.h>

#include <cerrno>

#include "entratool/support/encoding.h"
#include "entratool/support/sha256.h"

namespace entratool::host {

sdk::Result<std::string> random_bytes(std::size_t bytes) {
  std::string raw(bytes, '\0');
  std::size_t got = 0;
  while (got < bytes) {
    ssize_t n = ::getrandom(raw.data() + got, bytes - got, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return sdk::Status::general("cannot get random bytes from the kernel (getrandom failed)");
    }
    got += static_cast<std::size_t>(n);
  }
  return raw;
}

sdk::Result<std::string> random_urlsafe(std::size_t bytes) {
  auto raw = random_bytes(bytes);
  if (!raw) return raw.status();
  return support::base64url_encode(*raw);
}

std::string s256_challenge(std::string_view verifier) { return support::base64url_encode(support::sha256(verifier)); }

sdk::Result<Pkce> make_pkce() {
  auto verifier = random_urlsafe(32);
  if (!verifier) return verifier.status();
  Pkce p;
  p.challenge = s256_challenge(*verifier);
  p.verifier = std::move(*verifier);
  return p;
}

}  // namespace entratool::host
