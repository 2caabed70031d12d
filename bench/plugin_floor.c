/* bench/plugin_floor: the least any host on entratool's plugin boundary does for a cached
 * `get-token -o token`, as a yardstick for the real one (bench/targets.sh prints both).
 *
 *   plugin_floor STORE_SO FORMATTER_SO CONFIG_DIR PROFILE ENTRY_NAME
 *   plugin_floor --list STORE_SO CONFIG_DIR          (prints the store's "token/" names)
 *
 * It loads the secret-store plugin and the formatter plugin through their C entry points
 * (dlopen, register_components), reads profiles.json and finds the profile by a plain search,
 * opens the store in CONFIG_DIR/keystore-<id>, gets the cached entry by the name it is given,
 * takes the access token out of it by a plain search, has the formatter render it and writes it.
 * What it leaves out is everything the host adds around that: argument parsing, plugin folder
 * and manifest checks, the profile's validation and default flow, the cache key and its hash,
 * expiry and the lock. So real host time = entratool's time - this program's. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "entratool/sdk/abi.h"

struct buffer {
  char* data;
  size_t size;
};

static void append(void* ctx, et_str s) {
  struct buffer* b = ctx;
  char* grown = realloc(b->data, b->size + s.size + 1);
  if (!grown) exit(3);
  memcpy(grown + b->size, s.data, s.size);
  b->data = grown;
  b->size += s.size;
  b->data[b->size] = 0;
}

static void fail(const char* what, const et_status* st) {
  fprintf(stderr, "plugin_floor: %s%s%s\n", what, st ? ": " : "", st ? st->message : "");
  exit(1);
}

static const void* no_service(void* ctx, const char* id) {
  (void)ctx;
  (void)id;
  return NULL;
}

struct found {
  const char* kind;
  et_secret_store store;
  et_formatter formatter;
};

static int32_t add(void* ctx, const char* kind, const char* id, const void* interface, et_status* status) {
  (void)id;
  (void)status;
  struct found* f = ctx;
  if (strcmp(kind, f->kind) != 0) return ET_OK;
  if (strcmp(kind, ET_KIND_SECRET_STORE) == 0) memcpy(&f->store, interface, sizeof f->store);
  if (strcmp(kind, ET_KIND_FORMATTER) == 0) memcpy(&f->formatter, interface, sizeof f->formatter);
  return ET_OK;
}

static struct found load(const char* path, const char* kind, const et_host* host) {
  void* lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (!lib) fail(dlerror(), NULL);
  et_plugin_entry_fn entry = (et_plugin_entry_fn)dlsym(lib, ENTRATOOL_PLUGIN_ENTRY_SYMBOL);
  if (!entry) fail("no entry point", NULL);
  const et_plugin_descriptor* d = entry();
  if (!d || d->magic != ENTRATOOL_PLUGIN_MAGIC) fail("not a plugin", NULL);
  struct found f;
  memset(&f, 0, sizeof f);
  f.kind = kind;
  et_registrar registrar = {sizeof registrar, &f, add};
  et_status st;
  memset(&st, 0, sizeof st);
  if (d->register_components(host, &registrar, &st) != ET_OK) fail("register_components", &st);
  return f;
}

static struct buffer read_file(const char* path) {
  struct buffer b = {NULL, 0};
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  struct stat st;
  if (fd < 0 || fstat(fd, &st) != 0) fail(path, NULL);
  b.data = malloc((size_t)st.st_size + 1);
  ssize_t n = read(fd, b.data, (size_t)st.st_size + 1);
  close(fd);
  if (n < 0) fail(path, NULL);
  b.size = (size_t)n;
  b.data[b.size] = 0;
  return b;
}

/* The value of the first "name": "..." in a JSON text (no escapes: tokens and names have none). */
static et_str string_field(const char* json, const char* name) {
  char key[64];
  snprintf(key, sizeof key, "\"%s\"", name);
  const char* p = strstr(json, key);
  if (!p) fail("field missing", NULL);
  p = strchr(p + strlen(key), '"');
  if (!p) fail("field malformed", NULL);
  const char* end = strchr(++p, '"');
  if (!end) fail("field malformed", NULL);
  et_str s = {p, (size_t)(end - p)};
  return s;
}

static void print_name(void* ctx, et_str name) {
  (void)ctx;
  printf("%.*s\n", (int)name.size, name.data);
}

int main(int argc, char** argv) {
  const int listing = argc == 4 && strcmp(argv[1], "--list") == 0;
  if (!listing && argc != 6) {
    fprintf(stderr,
            "usage: plugin_floor STORE_SO FORMATTER_SO CONFIG_DIR PROFILE ENTRY_NAME | --list STORE_SO CONFIG_DIR\n");
    return 2;
  }
  et_host host = {sizeof host, 2, 1, NULL, no_service};
  const char* store_so = argv[listing ? 2 : 1];
  const char* config = argv[listing ? 3 : 3];
  struct found store = load(store_so, ET_KIND_SECRET_STORE, &host);
  char dir[4096];
  snprintf(dir, sizeof dir, "%s/keystore-encrypted-file", config);
  et_store_context context = {sizeof context, {dir, strlen(dir)}, {NULL, 0}};
  et_status st;
  memset(&st, 0, sizeof st);
  if (store.store.open(store.store.self, &context, &host, &st) != ET_OK) fail("open", &st);
  if (listing) {
    et_sink names = {NULL, print_name};
    if (store.store.list(store.store.self, (et_str){"token/", 6}, names, &st) != ET_OK) fail("list", &st);
    return 0;
  }

  char path[4096];
  snprintf(path, sizeof path, "%s/profiles.json", config);
  struct buffer profiles = read_file(path);
  char quoted[256];
  snprintf(quoted, sizeof quoted, "\"%s\"", argv[4]);
  if (!strstr(profiles.data, quoted)) fail("no such profile", NULL);

  struct buffer entry = {NULL, 0};
  et_sink value = {&entry, append};
  int32_t found = 0;
  if (store.store.get(store.store.self, (et_str){argv[5], strlen(argv[5])}, value, &found, &st) != ET_OK)
    fail("get", &st);
  if (!found) fail("no such entry", NULL);

  struct found formatter = load(argv[2], ET_KIND_FORMATTER, &host);
  et_token token;
  memset(&token, 0, sizeof token);
  token.size = sizeof token;
  token.access_token = string_field(entry.data, "access_token");
  token.token_type = (et_str){"Bearer", 6};
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  token.expires_at_ms = (int64_t)now.tv_sec * 1000 + 3600 * 1000;
  struct buffer out = {NULL, 0};
  et_sink text = {&out, append};
  if (formatter.formatter.format_token(formatter.formatter.self, &token, (int64_t)now.tv_sec * 1000, text, &st) !=
      ET_OK)
    fail("format_token", &st);
  if (fwrite(out.data, 1, out.size, stdout) != out.size || fflush(stdout) != 0) fail("write", NULL);
  return 0;
}
