// The DPAPI secret store as the host sees it: a Windows program (mingw-w64, run under Wine by
// run_wine_test.sh) that LoadLibrary()s the real entratool-dpapi.dll named by
// ENTRATOOL_DPAPI_PLUGIN, checks its descriptor, registers it through the C boundary (abi.h) and
// drives the et_secret_store it registers. What it guards: round trip, overwrite, erase, list, and
// that a blob sealed with other entropy, a truncated blob and a flipped byte are each refused with
// a message that names the secret, and left untouched.
#define DOCTEST_CONFIG_IMPLEMENT
// clang-format off
#include <windows.h>
#include <wincrypt.h>
// clang-format on

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

#include "doctest.h"
#include "entratool/sdk/abi.h"
#include "entratool/support/sha256.h"

namespace {

// ---- the host side of the boundary --------------------------------------------------------

std::vector<std::string> g_log;  // warnings the plugin logged through entratool.log/1

void log_line(void*, int32_t level, et_str message) {
  if (level >= ET_LOG_WARNING) g_log.emplace_back(message.data, message.size);
}
const et_log_service g_log_service{sizeof(et_log_service), nullptr, &log_line};

const void* get_service(void*, const char* id) {
  return std::strcmp(id, ET_SERVICE_LOG) == 0 ? &g_log_service : nullptr;
}
const et_host g_host{sizeof(et_host), ENTRATOOL_SDK_VERSION_MAJOR, ENTRATOOL_SDK_VERSION_MINOR, nullptr, &get_service};

struct Registered {
  int count = 0;
  std::string kind;
  std::string id;
  et_secret_store store{};
};

int32_t add_component(void* ctx, const char* kind, const char* id, const void* iface, et_status*) {
  auto* r = static_cast<Registered*>(ctx);
  ++r->count;
  r->kind = kind;
  r->id = id;
  const auto* s = static_cast<const et_secret_store*>(iface);
  std::memcpy(&r->store, s, std::min<std::size_t>(s->size, sizeof(et_secret_store)));
  return ET_OK;
}

void append(void* ctx, et_str data) { static_cast<std::string*>(ctx)->append(data.data, data.size); }
void push(void* ctx, et_str data) { static_cast<std::vector<std::string>*>(ctx)->emplace_back(data.data, data.size); }

et_str view(const std::string& s) { return et_str{s.data(), s.size()}; }

const et_plugin_descriptor* g_descriptor = nullptr;
Registered g_registered;

// ---- the store through its C interface ------------------------------------------------------

struct Outcome {
  int32_t category = ET_OK;
  std::string code;
  std::string message;
};

Outcome outcome(int32_t category, const et_status& st) {
  return Outcome{category, category ? st.code : "", category ? st.message : ""};
}

struct Store {
  std::string dir;

  explicit Store(std::string folder) : dir(std::move(folder)) {
    et_store_context context{sizeof(et_store_context), view(dir), et_pairs{nullptr, 0}};
    et_status st{};
    REQUIRE(g_registered.store.open(g_registered.store.self, &context, &g_host, &st) == ET_OK);
  }
  Outcome put(const std::string& name, const std::string& value) {
    et_status st{};
    return outcome(g_registered.store.put(g_registered.store.self, view(name), view(value), &st), st);
  }
  /// The value, or nullopt when absent; `error` gets a failure.
  std::optional<std::string> get(const std::string& name, Outcome* error = nullptr) {
    std::string value;
    int32_t found = 0;
    et_status st{};
    int32_t c = g_registered.store.get(g_registered.store.self, view(name), et_sink{&value, &append}, &found, &st);
    if (error) *error = outcome(c, st);
    if (c != ET_OK) return std::nullopt;
    return found ? std::optional<std::string>(value) : std::nullopt;
  }
  Outcome erase(const std::string& name) {
    et_status st{};
    return outcome(g_registered.store.erase(g_registered.store.self, view(name), &st), st);
  }
  std::vector<std::string> list(const std::string& prefix, Outcome* error = nullptr) {
    std::vector<std::string> names;
    et_status st{};
    int32_t c = g_registered.store.list(g_registered.store.self, view(prefix), et_sink{&names, &push}, &st);
    if (error) *error = outcome(c, st);
    return names;
  }
  std::string describe() {
    std::string text;
    g_registered.store.describe(g_registered.store.self, et_sink{&text, &append});
    return text;
  }
  std::string file_for(const std::string& name) const {
    return dir + "\\" + entratool::support::sha256_hex(name) + ".sec";
  }
};

// ---- files ------------------------------------------------------------------------------

bool exists(const std::string& path) { return GetFileAttributesA(path.c_str()) != INVALID_FILE_ATTRIBUTES; }

std::string temp_folder() {
  static int n = 0;
  char base[MAX_PATH + 1];
  DWORD len = GetTempPathA(sizeof base, base);
  REQUIRE(len > 0);
  // Wine reuses small process ids: the tick count tells runs in one prefix apart.
  std::string parent = std::string(base, len) + "entratool-dpapi-" + std::to_string(GetCurrentProcessId()) + "-" +
                       std::to_string(GetTickCount64()) + "-" + std::to_string(++n);
  REQUIRE_FALSE(exists(parent));
  return parent + "\\store";
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void write_file(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
  REQUIRE(out.good());
}

std::vector<std::string> files_in(const std::string& dir) {
  std::vector<std::string> names;
  WIN32_FIND_DATAA found{};
  HANDLE h = FindFirstFileA((dir + "\\*").c_str(), &found);
  if (h == INVALID_HANDLE_VALUE) return names;
  do {
    if (!(found.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY)) names.emplace_back(found.cFileName);
  } while (FindNextFileA(h, &found));
  FindClose(h);
  return names;
}

void put_u32(std::string& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>((v >> shift) & 0xff));
}

/// A store file as the plugin writes one (docs/secret-store.md), sealed with `entropy`.
std::string sealed_file(const std::string& name, const std::string& value, const std::string& entropy) {
  std::string plain;
  put_u32(plain, static_cast<std::uint32_t>(name.size()));
  plain += name + value;
  DATA_BLOB in{static_cast<DWORD>(plain.size()), reinterpret_cast<BYTE*>(plain.data())};
  DATA_BLOB ent{static_cast<DWORD>(entropy.size()), reinterpret_cast<BYTE*>(const_cast<char*>(entropy.data()))};
  DATA_BLOB out{};
  REQUIRE(CryptProtectData(&in, L"test", &ent, nullptr, nullptr, CRYPTPROTECT_UI_FORBIDDEN, &out));
  std::string file = "ETDP";
  file.push_back('\x01');
  put_u32(file, out.cbData);
  file.append(reinterpret_cast<const char*>(out.pbData), out.cbData);
  LocalFree(out.pbData);
  return file;
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

/// A refusal as the store must report one: not found-as-absent, the secret named, left untouched.
void check_refused(Store& store, const std::string& name, const std::string& expected_reason) {
  std::string before = read_file(store.file_for(name));
  Outcome error;
  CHECK_FALSE(store.get(name, &error).has_value());
  CHECK(error.category == ET_GENERAL);
  CHECK(error.code == "corrupt");
  INFO(error.message);
  CHECK(contains(error.message, "secret '" + name + "'"));
  CHECK(contains(error.message, expected_reason));
  CHECK(contains(error.message, "left untouched"));
  CHECK(read_file(store.file_for(name)) == before);
}

}  // namespace

TEST_CASE("the DLL exports a descriptor for SDK 2 and registers one secret store, 'dpapi'") {
  REQUIRE(g_descriptor != nullptr);
  CHECK(g_descriptor->magic == ENTRATOOL_PLUGIN_MAGIC);
  CHECK(g_descriptor->size >= sizeof(et_plugin_descriptor));
  CHECK(g_descriptor->sdk_major == ENTRATOOL_SDK_VERSION_MAJOR);
  CHECK(std::string(g_descriptor->id) == "dpapi");
  CHECK(g_registered.count == 1);
  CHECK(g_registered.kind == ET_KIND_SECRET_STORE);
  CHECK(g_registered.id == "dpapi");
  CHECK(g_registered.store.size >= sizeof(et_secret_store));
}

TEST_CASE("round trip: a stored secret comes back byte for byte and is not in the file in the clear") {
  Store store(temp_folder());
  CHECK(store.get("profile/app/client-secret") == std::nullopt);  // empty store: absent, nothing created
  CHECK_FALSE(exists(store.dir));
  CHECK(store.list("").empty());

  const std::string secret = "s3cret-value-1234567890";
  REQUIRE(store.put("profile/app/client-secret", secret).category == ET_OK);
  CHECK(store.get("profile/app/client-secret") == secret);
  std::string file = read_file(store.file_for("profile/app/client-secret"));
  CHECK(file.substr(0, 5) == std::string("ETDP\x01"));
  CHECK_FALSE(contains(file, secret));
  CHECK_FALSE(contains(file, "profile/app/client-secret"));

  std::string binary("a\0b\xff\r\n", 6);
  REQUIRE(store.put("binary", binary).category == ET_OK);
  CHECK(store.get("binary") == binary);
  std::string empty;
  REQUIRE(store.put("empty", empty).category == ET_OK);
  CHECK(store.get("empty") == empty);
  // A token bundle far over Credential Manager's 2,560 bytes.
  std::string large(1 << 20, 'x');
  for (std::size_t i = 0; i < large.size(); i += 7) large[i] = static_cast<char>('a' + i % 26);
  REQUIRE(store.put("token/large", large).category == ET_OK);
  CHECK(store.get("token/large") == large);
  CHECK(contains(store.describe(), "DPAPI"));
  CHECK(contains(store.describe(), store.dir));
}

TEST_CASE("overwrite replaces the value atomically and leaves no temporary file") {
  Store store(temp_folder());
  REQUIRE(store.put("profile/app/client-secret", "old").category == ET_OK);
  REQUIRE(store.put("profile/app/client-secret", "new, and longer than the old one").category == ET_OK);
  CHECK(store.get("profile/app/client-secret") == std::string("new, and longer than the old one"));
  auto files = files_in(store.dir);
  REQUIRE(files.size() == 1);
  CHECK(files[0] == entratool::support::sha256_hex("profile/app/client-secret") + ".sec");
}

TEST_CASE("erase removes a secret; erasing an absent one is not an error") {
  Store store(temp_folder());
  REQUIRE(store.put("a", "1").category == ET_OK);
  REQUIRE(store.put("b", "2").category == ET_OK);
  CHECK(store.erase("a").category == ET_OK);
  CHECK(store.get("a") == std::nullopt);
  CHECK(store.get("b") == std::string("2"));
  CHECK(store.erase("a").category == ET_OK);
  CHECK(store.erase("never-stored").category == ET_OK);
  CHECK(files_in(store.dir).size() == 1);
}

TEST_CASE("list gives the names with a prefix, sorted, from the names sealed inside the files") {
  Store store(temp_folder());
  for (const char* name : {"token/zz", "profile/b/client-secret", "profile/a/client-secret", "token/aa"})
    REQUIRE(store.put(name, "v").category == ET_OK);
  CHECK(store.list("") ==
        std::vector<std::string>{"profile/a/client-secret", "profile/b/client-secret", "token/aa", "token/zz"});
  CHECK(store.list("profile/") == std::vector<std::string>{"profile/a/client-secret", "profile/b/client-secret"});
  CHECK(store.list("token/a") == std::vector<std::string>{"token/aa"});
  CHECK(store.list("nothing").empty());
}

TEST_CASE("a blob sealed with other entropy is refused, named, left untouched, and skipped by list") {
  Store store(temp_folder());
  REQUIRE(store.put("token/good", "v").category == ET_OK);
  write_file(store.file_for("profile/app/client-secret"),
             sealed_file("profile/app/client-secret", "value", "some other program's entropy"));
  check_refused(store, "profile/app/client-secret", "cannot be decrypted by DPAPI");
  g_log.clear();
  Outcome error;
  CHECK(store.list("", &error) == std::vector<std::string>{"token/good"});
  CHECK(error.category == ET_OK);
  REQUIRE(g_log.size() == 1);
  CHECK(contains(g_log[0], "skipped 1 file"));
  CHECK(contains(g_log[0], "left untouched"));
  // Storing that secret again is how the user repairs it.
  REQUIRE(store.put("profile/app/client-secret", "fresh").category == ET_OK);
  CHECK(store.get("profile/app/client-secret") == std::string("fresh"));
}

TEST_CASE("a truncated blob is refused with a message that says it is truncated") {
  Store store(temp_folder());
  REQUIRE(store.put("profile/app/client-secret", "value").category == ET_OK);
  std::string path = store.file_for("profile/app/client-secret");
  std::string whole = read_file(path);
  write_file(path, whole.substr(0, whole.size() - 10));
  check_refused(store, "profile/app/client-secret", "is truncated");
  write_file(path, whole.substr(0, 3));
  check_refused(store, "profile/app/client-secret", "shorter than its header");
}

TEST_CASE("a flipped byte in the sealed data or its signature is refused by DPAPI's integrity check") {
  Store store(temp_folder());
  REQUIRE(store.put("profile/app/client-secret", "value").category == ET_OK);
  std::string path = store.file_for("profile/app/client-secret");
  std::string data = read_file(path);
  // A DPAPI blob ends with the encrypted data, its length and a 20-byte HMAC. (Windows also binds
  // the header fields before it, the master key's GUID and the salt; Wine's DPAPI ignores those,
  // so this test, which runs under Wine, flips only bytes that both check.)
  for (std::size_t from_end : {std::size_t{1}, std::size_t{10}, std::size_t{25}, std::size_t{30}}) {
    std::string flipped = data;
    flipped[data.size() - from_end] = static_cast<char>(flipped[data.size() - from_end] ^ 0x01);
    write_file(path, flipped);
    INFO("flipped byte " << data.size() - from_end << " of " << data.size());
    check_refused(store, "profile/app/client-secret", "cannot be decrypted by DPAPI");
  }
  // Bytes of the store's own header are checked by the store.
  std::string flipped = data;
  flipped[0] = 'X';
  write_file(path, flipped);
  check_refused(store, "profile/app/client-secret", "is not a DPAPI secret store file");
  flipped = data;
  flipped[8] = static_cast<char>(flipped[8] ^ 0x01);  // the blob's length
  write_file(path, flipped);
  check_refused(store, "profile/app/client-secret", "secret store file");
}

TEST_CASE("a file copied over another secret's file is refused (the name inside is checked)") {
  Store store(temp_folder());
  REQUIRE(store.put("profile/a/client-secret", "a").category == ET_OK);
  REQUIRE(store.put("profile/b/client-secret", "b").category == ET_OK);
  write_file(store.file_for("profile/b/client-secret"), read_file(store.file_for("profile/a/client-secret")));
  check_refused(store, "profile/b/client-secret", "holds another secret");
}

TEST_CASE("a foreign file and an unknown format version are refused with their own messages") {
  Store store(temp_folder());
  REQUIRE(store.put("x", "v").category == ET_OK);
  std::string good = read_file(store.file_for("x"));
  write_file(store.file_for("x"), "not ours at all, just some text");
  check_refused(store, "x", "is not a DPAPI secret store file");
  std::string newer = good;
  newer[4] = '\x02';
  write_file(store.file_for("x"), newer);
  check_refused(store, "x", "format version 2");
}

TEST_CASE("a value over the limit gets a clear error and nothing is stored") {
  Store store(temp_folder());
  REQUIRE(store.put("token/t", "old").category == ET_OK);
  std::string huge((std::size_t{64} << 20) + 1, 'x');
  Outcome error = store.put("token/t", huge);
  CHECK(error.category == ET_GENERAL);
  CHECK(error.code == "too_large");
  CHECK(contains(error.message, "too large"));
  CHECK(contains(error.message, "64 MiB"));
  CHECK(store.get("token/t") == std::string("old"));
}

TEST_CASE("invalid names are refused before anything touches the disk") {
  Store store(temp_folder());
  for (const std::string& bad : {std::string(), std::string("tab\there"), std::string(4097, 'n')}) {
    Outcome error = store.put(bad, "v");
    CHECK(error.category == ET_GENERAL);
    CHECK(contains(error.message, "invalid secret name"));
  }
  CHECK_FALSE(exists(store.dir));
}

TEST_CASE("a temporary file left by a dead writer is removed by list; a fresh one is kept") {
  Store store(temp_folder());
  REQUIRE(store.put("a", "1").category == ET_OK);
  std::string target = store.file_for("a");
  std::string old_temp = target + ".tmp-1-2-3";
  std::string new_temp = target + ".tmp-4-5-6";
  write_file(old_temp, "half");
  write_file(new_temp, "half");
  HANDLE h = CreateFileA(old_temp.c_str(), FILE_WRITE_ATTRIBUTES, 0, nullptr, OPEN_EXISTING, 0, nullptr);
  REQUIRE(h != INVALID_HANDLE_VALUE);
  FILETIME now{};
  GetSystemTimeAsFileTime(&now);
  ULARGE_INTEGER t{};
  t.LowPart = now.dwLowDateTime;
  t.HighPart = now.dwHighDateTime;
  t.QuadPart -= 3600ULL * 10000000ULL;  // an hour ago
  FILETIME old{t.LowPart, t.HighPart};
  REQUIRE(SetFileTime(h, nullptr, nullptr, &old));
  CloseHandle(h);
  CHECK(store.list("") == std::vector<std::string>{"a"});
  CHECK_FALSE(exists(old_temp));
  CHECK(exists(new_temp));
}

int main(int argc, char** argv) {
  const char* plugin = std::getenv("ENTRATOOL_DPAPI_PLUGIN");
  if (!plugin || !*plugin) {
    std::fprintf(stderr, "dpapi_plugin_test: set ENTRATOOL_DPAPI_PLUGIN to the path of entratool-dpapi.dll\n");
    return 2;
  }
  HMODULE library = LoadLibraryA(plugin);
  if (!library) {
    std::fprintf(stderr, "dpapi_plugin_test: cannot load %s (error %lu)\n", plugin, GetLastError());
    return 2;
  }
  auto entry = reinterpret_cast<et_plugin_entry_fn>(
      reinterpret_cast<void*>(GetProcAddress(library, ENTRATOOL_PLUGIN_ENTRY_SYMBOL)));
  if (!entry) {
    std::fprintf(stderr, "dpapi_plugin_test: %s exports no %s\n", plugin, ENTRATOOL_PLUGIN_ENTRY_SYMBOL);
    return 2;
  }
  g_descriptor = entry();
  if (g_descriptor && g_descriptor->register_components) {
    et_registrar registrar{sizeof(et_registrar), &g_registered, &add_component};
    et_status st{};
    if (g_descriptor->register_components(&g_host, &registrar, &st) != ET_OK) {
      std::fprintf(stderr, "dpapi_plugin_test: register_components failed: %s\n", st.message);
      return 2;
    }
  }
  doctest::Context context(argc, argv);
  return context.run();
}
