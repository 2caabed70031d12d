/* A resolver that never answers, for the network module's deadline tests (LD_PRELOAD): a look-up
 * of a name under "unanswered.test" waits 120 s, as getaddrinfo() does while resolv.conf's name
 * servers stay silent, then fails with EAI_AGAIN; every other name goes to the C library's. The
 * module's request must end at its --timeout all the same (host/modules/http/connection.cpp). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <netdb.h>
#include <string.h>
#include <time.h>

typedef int (*getaddrinfo_fn)(const char*, const char*, const struct addrinfo*, struct addrinfo**);

static int unanswered(const char* node) {
  static const char suffix[] = "unanswered.test";
  const size_t n = node ? strlen(node) : 0, s = sizeof suffix - 1;
  return n >= s && strcmp(node + n - s, suffix) == 0;
}

int getaddrinfo(const char* node, const char* service, const struct addrinfo* hints, struct addrinfo** res) {
  if (unanswered(node) && !(hints && (hints->ai_flags & AI_NUMERICHOST))) {
    struct timespec left = {120, 0};
    while (nanosleep(&left, &left) != 0) {
    }
    return EAI_AGAIN;
  }
  getaddrinfo_fn real = (getaddrinfo_fn)dlsym(RTLD_NEXT, "getaddrinfo");
  return real ? real(node, service, hints, res) : EAI_SYSTEM;
}
