// The encrypted-file secret store, driven directly: format, key modes, damage handling, file
// modes, concurrency and scale.
#include <doctest/doctest.h>
#include <sys/wait.h>

#include <chrono>
#include <memory>

#include "crypto.h"
#include "encrypted_file_store.h"
#include "entratool/support/encoding.h"
#include "entratool/support/json.h"
#include "keystore_test_support.h"

using namespace keystore_test;
using entratool::keystore::EncryptedFileStore;
using entratool::keystore::kPassphraseEnv;
using entratool::keystore::StoreOptions;

namespace {

/// The cheapest parameters the store accepts, so passphrase tests stay fast; and no kernel keyring
/// cache, so each store asks for its passphrase (key_cache_test.cpp tests the cache).
StoreOptions fast_options() {
  StoreOptions o;
  o.key_cache = false;
  o.new_store_scrypt.n = entratool::keystore::kScryptMinN;
  return o;
}

struct Opened {
  FakeServices services;
  std::unique_ptr<EncryptedFileStore> store;
};

std::unique_ptr<Opened> open_store(const std::string& dir, StoreOptions options = fast_options()) {
  auto o = std::make_unique<Opened>();
  o->store = std::make_unique<EncryptedFileStore>(options);
  sdk::StoreContext ctx;
  ctx.directory = dir;
  auto s = o->store->open(ctx, o->services);
  REQUIRE_MESSAGE(s.is_ok(), s.message());
  return o;
}

std::string get_value(EncryptedFileStore& store, const std::string& name) {
  auto r = store.get(name);
  REQUIRE_MESSAGE(r.is_ok(), r.status().message());
  std::string missing = "no value for " + name;
  REQUIRE_MESSAGE(r->has_value(), missing);
  return **r;
}

/// The status of a get() that must fail.
sdk::Status get_failure(EncryptedFileStore& store, const std::string& name) {
  auto r = store.get(name);
  REQUIRE_FALSE(r.is_ok());
  return r.status();
}

/// Creates the store in `dir` (or opens it) and puts "name" = "value" in it.
void put_one(const std::string& dir) {
  auto o = open_store(dir);
  REQUIRE(o->store->put("name", "value").is_ok());
}

std::string store_dir(const TempDir& t) { return t.path() + "/keystore-encrypted-file"; }

std::vector<std::string> sec_files(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& f : files_in(dir))
    if (f.size() > 4 && f.substr(f.size() - 4) == ".sec") out.push_back(f);
  return out;
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

}  // namespace

TEST_CASE("round trip: put then get returns the value; absent names are nullopt") {
  EnvGuard no_pass(kPassphraseEnv, nullptr);
  TempDir t;
  auto o = open_store(store_dir(t));
  auto absent = o->store->get("profile/app/client-secret");
  REQUIRE(absent.is_ok());
  CHECK_FALSE(absent->has_value());
  // Reading an empty store creates no key.
  CHECK(files_in(store_dir(t)).empty());

  std::string value = "s3cr3t~value with spaces\n and bytes \x01\x02\xff";
  REQUIRE(o->store->put("profile/app/client-secret", value).is_ok());
  CHECK(get_value(*o->store, "profile/app/client-secret") == value);
  REQUIRE(o->store->put("empty", "").is_ok());
  CHECK(get_value(*o->store, "empty").empty());

  // A second process (a new instance) reads the same values with the key file.
  auto again = open_store(store_dir(t));
  CHECK(get_value(*again->store, "profile/app/client-secret") == value);
}

TEST_CASE("invalid names are refused") {
  EnvGuard no_pass(kPassphraseEnv, nullptr);
  TempDir t;
  auto o = open_store(store_dir(t));
  CHECK_FALSE(o->store->put("", "x").is_ok());
  CHECK_FALSE(o->store->put(std::string("a\nb"), "x").is_ok());
  CHECK_FALSE(o->store->get(std::string(5000, 'a')).is_ok());
  CHECK(contains(o->store->erase("tab\there").message(), "printable ASCII"));
}

TEST_CASE("many entries: each is its own file and all are listed and readable") {
  EnvGuard no_pass(kPassphraseEnv, nullptr);
  TempDir t;
  auto o = open_store(store_dir(t));
  constexpr int kCount = 150;
  for (int i = 0; i < kCount; ++i)
    REQUIRE(o->store->put("token/" + std::to_string(i), "value-" + std::to_string(i)).is_ok());
  CHECK(sec_files(store_dir(t)).size() == kCount);
  auto names = o->store->list("");
  REQUIRE(names.is_ok());
  CHECK(names->size() == kCount);
  CHECK(std::is_sorted(names->begin(), names->end()));
  auto fresh = open_store(store_dir(t));
  for (int i = 0; i < kCount; ++i)
    CHECK(get_value(*fresh->store, "token/" + std::to_string(i)) == "value-" + std::to_string(i));
}

TEST_CASE("overwrite replaces the value in place with a fresh nonce") {
  EnvGuard no_pass(kPassphraseEnv, nullptr);
  TempDir t;
  auto o = open_store(store_dir(t));
  REQUIRE(o->store->put("name", "first").is_ok());
  std::string before = slurp(o->store->path_for("name"));
  REQUIRE(o->store->put("name", "second").is_ok());
  CHECK(get_value(*o->store, "name") == "second");
  REQUIRE(o->store->put("name", "second").is_ok());
  std::string after = slurp(o->store->path_for("name"));
  CHECK(sec_files(store_dir(t)).size() == 1);
  // Same value twice still gives different bytes: the nonce is fresh on every write.
  std::string again = (o->store->put("name", "second"), slurp(o->store->path_for("name")));
  CHECK(after != again);
  CHECK(before.substr(6, 12) != after.substr(6, 12));
}

TEST_CASE("erase removes the file; erasing an absent name is fine") {
  EnvGuard no_pass(kPassphraseEnv, nullptr);
  TempDir t;
  auto o = open_store(store_dir(t));
  REQUIRE(o->store->put("a", "1").is_ok());
  REQUIRE(o->store->put("b", "2").is_ok());
  REQUIRE(o->store->erase("a").is_ok());
  CHECK_FALSE(o->store->get("a")->has_value());
  CHECK_FALSE(support::files::exists(o->store->path_for("a")));
  CHECK(get_value(*o->store, "b") == "2");
  CHECK(o->store->erase("a").is_ok());
  CHECK(o->store->erase("never-there").is_ok());
  // The lock file stays (deleting lock files breaks concurrent users).
  CHECK(support::files::exists(store_dir(t) + "/store.lock"));
}

TEST_CASE("list removes temporary files that crashed writers left, and nothing else") {
  EnvGuard no_pass(kPassphraseEnv, nullptr);
  TempDir t;
  std::string dir = store_dir(t);
  auto o = open_store(dir);
  REQUIRE(o->store->put("name", "value").is_ok());
  std::string sec = entratool::keystore::sha256_hex("name") + ".sec";
  spit(dir + "/" + sec + ".tmp-123-456", "half");
  spit(dir + "/key.tmp-123-abcdef", "half");
  spit(dir + "/notes.txt", "a file the user put here");
  {
    // While a writer holds the lock, its temporary file may be live: keep it.
    auto held = support::files::FileLock::acquire(dir + "/store.lock");
    REQUIRE(held.is_ok());
    REQUIRE(o->store->list("").is_ok());
    CHECK(support::files::exists(dir + "/" + sec + ".tmp-123-456"));
  }
  auto names = o->store->list("");
  REQUIRE(names.is_ok());
  CHECK(*names == std::vector<std::string>{"name"});
  CHECK(files_in(dir) == std::vector<std::string>{sec, "key", "notes.txt", "store.json", "store.lock"});
}

TEST_CASE("list returns sorted names with the prefix") {
  EnvGuard no_pass(kPassphraseEnv, nullptr);
  TempDir t;
  auto o = open_store(store_dir(t));
  auto empty = o->store->list("");
  REQUIRE(empty.is_ok());
  CHECK(empty->empty());
  for (const char* n : {"token/b", "profile/x/secret", "token/a", "tokenizer", "profile/y/secret"})
    REQUIRE(o->store->put(n, "v").is_ok());
  auto tokens = o->store->list("token/");
  REQUIRE(tokens.is_ok());
  CHECK(*tokens == std::vector<std::string>{"token/a", "token/b"});
  auto profiles = o->store->list("profile/");
  REQUIRE(profiles.is_ok());
  CHECK(*profiles == std::vector<std::string>{"profile/x/secret", "profile/y/secret"});
  auto all = o->store->list("");
  REQUIRE(all.is_ok());
  CHECK(all->size() == 5);
  CHECK(o->services.logger_.warnings.empty());
}

TEST_CASE("wrong key: a different key file makes get fail, naming the file, and changes nothing") {
  EnvGuard no_pass(kPassphraseEnv, nullptr);
  TempDir t;
  std::string dir = store_dir(t);
  std::string other = t.path() + "/other";
  auto o = open_store(dir);
  REQUIRE(o->store->put("name", "value").is_ok());
  auto p = open_store(other);
  REQUIRE(p->store->put("x", "y").is_ok());
  std::string file = o->store->path_for("name");
  std::string before = slurp(file);
  spit(dir + "/key", slurp(other + "/key"));

  auto fresh = open_store(dir);
  auto r = get_failure(*fresh->store, "name");
  CHECK(contains(r.message(), "'" + file + "' (secret 'name') cannot be decrypted (wrong key or damaged)"));
  CHECK(contains(r.message(), "left untouched"));
  CHECK_FALSE(contains(r.message(), "value"));
  CHECK(slurp(file) == before);
  // list skips what it cannot read, with one warning, instead of failing.
  auto names = fresh->store->list("");
  REQUIRE(names.is_ok());
  CHECK(names->empty());
  CHECK(fresh->services.logger_.warnings.size() == 1);
  CHECK(slurp(file) == before);
}

TEST_CASE("a damaged key file is reported and left alone") {
  EnvGuard no_pass(kPassphraseEnv, nullptr);
  TempDir t;
  std::string dir = store_dir(t);
  put_one(dir);
  spit(dir + "/key", "short");
  auto o = open_store(dir);
  auto r = get_failure(*o->store, "name");
  CHECK(contains(r.message(), "key file '" + dir + "/key' is damaged"));
  CHECK_FALSE(o->store->put("other", "v").is_ok());
  CHECK(slurp(dir + "/key") == "short");

  ::unlink((dir + "/key").c_str());
  auto again = open_store(dir);
  auto missing = get_failure(*again->store, "name");
  CHECK(contains(missing.message(), "is missing"));
  // A missing key is not silently replaced by a new one.
  CHECK_FALSE(again->store->put("other", "v").is_ok());
  CHECK_FALSE(support::files::exists(dir + "/key"));
}

TEST_CASE("secret files without store settings are not papered over with a new key") {
  EnvGuard no_pass(kPassphraseEnv, nullptr);
  TempDir t;
  std::string dir = store_dir(t);
  put_one(dir);
  ::unlink((dir + "/store.json").c_str());
  ::unlink((dir + "/key").c_str());
  auto o = open_store(dir);
  auto r = get_failure(*o->store, "name");
  CHECK(contains(r.message(), "store.json' are missing"));
  CHECK_FALSE(o->store->put("other", "v").is_ok());
  CHECK_FALSE(support::files::exists(dir + "/key"));
  CHECK_FALSE(o->store->list("").is_ok());
}

TEST_CASE("passphrase mode: chosen by the environment at creation, wrong passphrase is one clear error") {
  TempDir t;
  std::string dir = store_dir(t);
  {
    EnvGuard pass(kPassphraseEnv, "correct horse battery staple");
    auto o = open_store(dir);
    REQUIRE(o->store->put("name", "value").is_ok());
    CHECK(contains(o->store->describe(), "passphrase with scrypt N=16384 r=8 p=1"));
  }
  CHECK_FALSE(support::files::exists(dir + "/key"));
  std::string file = slurp(dir + "/" + entratool::keystore::sha256_hex("name") + ".sec");
  {
    EnvGuard pass(kPassphraseEnv, "correct horse battery staple");
    auto o = open_store(dir);
    CHECK(get_value(*o->store, "name") == "value");
  }
  {
    EnvGuard pass(kPassphraseEnv, "wrong");
    auto o = open_store(dir);
    auto r = get_failure(*o->store, "name");
    CHECK(r.message() == "wrong passphrase for the secret store at " + dir + " (from " + kPassphraseEnv + ")");
    CHECK(r.exit_code() == 1);
    CHECK_FALSE(o->store->put("name", "other").is_ok());
    CHECK_FALSE(o->store->list("").is_ok());
  }
  CHECK(slurp(dir + "/" + entratool::keystore::sha256_hex("name") + ".sec") == file);
}

TEST_CASE("passphrase mode without the variable prompts, and fails clearly when it cannot") {
  TempDir t;
  std::string dir = store_dir(t);
  {
    EnvGuard pass(kPassphraseEnv, "pw-for-prompt");
    put_one(dir);
  }
  EnvGuard no_pass(kPassphraseEnv, nullptr);
  {
    auto o = open_store(dir);
    o->services.console_.answer = "pw-for-prompt";
    CHECK(get_value(*o->store, "name") == "value");
    // The key is derived once per process.
    CHECK(get_value(*o->store, "name") == "value");
    REQUIRE(o->store->put("second", "v2").is_ok());
    CHECK(o->services.console_.prompts == 1);
  }
  {
    auto o = open_store(dir);
    o->services.console_.answer = "typo";
    auto r = get_failure(*o->store, "name");
    CHECK(r.message() == "wrong passphrase for the secret store at " + dir);
  }
  {
    auto o = open_store(dir);
    auto r = get_failure(*o->store, "name");
    CHECK(contains(r.message(), "is protected by a passphrase: set ENTRATOOL_KEYSTORE_PASSPHRASE"));
    // Absent names need no key, so no prompt.
    auto absent = o->store->get("absent");
    REQUIRE(absent.is_ok());
    CHECK(o->services.console_.prompts == 1);
  }
}

TEST_CASE("a key-file store refuses to run with a passphrase set instead of ignoring it") {
  TempDir t;
  std::string dir = store_dir(t);
  {
    EnvGuard no_pass(kPassphraseEnv, nullptr);
    put_one(dir);
  }
  EnvGuard pass(kPassphraseEnv, "late");
  auto o = open_store(dir);
  auto r = get_failure(*o->store, "name");
  CHECK(contains(r.message(), "was created with a key file, but ENTRATOOL_KEYSTORE_PASSPHRASE is set"));
}

TEST_CASE("a tampered byte anywhere is an error and the file is left byte-identical") {
  EnvGuard no_pass(kPassphraseEnv, nullptr);
  TempDir t;
  std::string dir = store_dir(t);
  auto o = open_store(dir);
  REQUIRE(o->store->put("name", "a value long enough to have a body").is_ok());
  std::string file = o->store->path_for("name");
  std::string original = slurp(file);
  // Header bytes after the version (mode is checked separately), nonce, ciphertext and tag.
  for (std::size_t pos : {std::size_t{7}, std::size_t{17}, std::size_t{20}, original.size() / 2, original.size() - 1}) {
    CAPTURE(pos);
    std::string tampered = original;
    tampered[pos] = static_cast<char>(tampered[pos] ^ 0x01);
    spit(file, tampered);
    auto fresh = open_store(dir);
    auto r = get_failure(*fresh->store, "name");
    CHECK(contains(r.message(), "'" + file +
                                    "' (secret 'name') cannot be decrypted (wrong key or damaged); it was left "
                                    "untouched — restore it or remove it and store the secret again"));
    CHECK(slurp(file) == tampered);
    // Another put of a different name must not touch it either.
    REQUIRE(fresh->store->put("other", "x").is_ok());
    CHECK(slurp(file) == tampered);
  }
  // The mode byte flipped: reported as a mismatch, still untouched.
  std::string mode_flipped = original;
  mode_flipped[5] = 2;
  spit(file, mode_flipped);
  auto fresh = open_store(dir);
  auto r = get_failure(*fresh->store, "name");
  CHECK(contains(r.message(), "left untouched"));
  CHECK(slurp(file) == mode_flipped);
  // An explicit put of that very name replaces it.
  REQUIRE(fresh->store->put("name", "fresh").is_ok());
  CHECK(get_value(*fresh->store, "name") == "fresh");
}

TEST_CASE("truncated files are errors, never empty values") {
  EnvGuard no_pass(kPassphraseEnv, nullptr);
  TempDir t;
  std::string dir = store_dir(t);
  auto o = open_store(dir);
  REQUIRE(o->store->put("name", "value").is_ok());
  std::string file = o->store->path_for("name");
  std::string original = slurp(file);
  for (std::size_t size : {std::size_t{0}, std::size_t{3}, std::size_t{10}, entratool::keystore::kFileHeaderSize + 15,
                           original.size() - 1}) {
    CAPTURE(size);
    spit(file, original.substr(0, size));
    auto fresh = open_store(dir);
    auto r = get_failure(*fresh->store, "name");
    CHECK(contains(r.message(), "'" + file + "'"));
    CHECK(contains(r.message(), "left untouched"));
    CHECK(slurp(file) == original.substr(0, size));
  }
  for (std::size_t size : {std::size_t{0}, std::size_t{3}, std::size_t{10}}) {
    spit(file, original.substr(0, size));
    auto fresh = open_store(dir);
    CHECK(contains(fresh->store->get("name").status().message(), "is truncated (" + std::to_string(size) + " bytes)"));
  }
  spit(file, "not ours at all");
  auto fresh = open_store(dir);
  CHECK(contains(fresh->store->get("name").status().message(), "is not an entratool secret store file"));
}

TEST_CASE("store.json's mode and kdf are named in a refusal only when printable, so it stays one line") {
  EnvGuard no_pass(kPassphraseEnv, nullptr);
  TempDir t;
  std::string dir = store_dir(t);
  REQUIRE(open_store(dir)->store->put("name", "value").is_ok());
  const std::string settings = dir + "/store.json";
  const std::string original = slurp(settings);
  struct Case {
    const char* json;
    const char* says;
  };
  for (const Case& c :
       {Case{R"({"format": 1, "mode": "vault"})", "name an unknown key mode 'vault';"},
        Case{R"({"format": 1, "mode": "a\nb"})", "name an unknown key mode;"},
        Case{R"({"format": 1, "mode": "passphrase", "kdf": "argon2"})", "name an unknown key derivation 'argon2';"},
        Case{R"({"format": 1, "mode": "passphrase", "kdf": "x\ny"})", "name an unknown key derivation;"}}) {
    CAPTURE(c.json);
    spit(settings, c.json);
    auto r = get_failure(*open_store(dir)->store, "name");
    CHECK(contains(r.message(), c.says));
    CHECK(r.message().find('\n') == std::string::npos);
    CHECK(slurp(settings) == c.json);
  }
  spit(settings, original);
}

TEST_CASE("an unknown format version is refused and kept") {
  EnvGuard no_pass(kPassphraseEnv, nullptr);
  TempDir t;
  std::string dir = store_dir(t);
  auto o = open_store(dir);
  REQUIRE(o->store->put("name", "value").is_ok());
  std::string file = o->store->path_for("name");
  std::string future = slurp(file);
  future[4] = 2;
  spit(file, future);
  auto r = get_failure(*o->store, "name");
  CHECK(contains(r.message(),
                 "'" + file + "' (secret 'name') has format version 2, which this entratool does not support"));
  CHECK(slurp(file) == future);

  std::string settings = dir + "/store.json";
  std::string text = slurp(settings);
  auto pos = text.find("\"format\": 1");
  REQUIRE(pos != std::string::npos);
  text.replace(pos, 11, "\"format\": 9");
  spit(settings, text);
  auto fresh = open_store(dir);
  auto bad = fresh->store->list("");
  REQUIRE_FALSE(bad.is_ok());
  CHECK(contains(bad.status().message(), "have format version 9"));
  CHECK(slurp(settings) == text);
}

TEST_CASE("a file renamed to another secret's name is detected") {
  EnvGuard no_pass(kPassphraseEnv, nullptr);
  TempDir t;
  auto o = open_store(store_dir(t));
  REQUIRE(o->store->put("alice", "a").is_ok());
  REQUIRE(o->store->put("bob", "b").is_ok());
  spit(o->store->path_for("bob"), slurp(o->store->path_for("alice")));
  auto r = get_failure(*o->store, "bob");
  CHECK(contains(r.message(), "holds another secret than its file name says"));
  auto names = o->store->list("");
  REQUIRE(names.is_ok());
  CHECK(*names == std::vector<std::string>{"alice"});
  CHECK(o->services.logger_.warnings.size() == 1);
}

TEST_CASE("scrypt parameters out of bounds in store.json are refused before deriving, file kept") {
  TempDir t;
  std::string dir = store_dir(t);
  {
    EnvGuard pass(kPassphraseEnv, "pw");
    put_one(dir);
  }
  std::string settings = dir + "/store.json";
  std::string original = slurp(settings);
  auto doc = support::json::parse(original);
  REQUIRE(doc.is_ok());

  struct Case {
    const char* key;
    long long value;
    const char* expect;
  };
  for (const Case& c : {Case{"n", 1024, "N=1024 is below 16384"}, Case{"n", 1LL << 21, "N=2097152 is above 1048576"},
                        Case{"n", 20000, "not a power of two"}, Case{"r", 4, "r=4 is outside 8..16"},
                        Case{"r", 17, "r=17 is outside 8..16"}, Case{"p", 5, "p=5 is outside 1..4"},
                        Case{"p", 0, "invalid scrypt parameters"}}) {
    CAPTURE(c.key);
    CAPTURE(c.value);
    support::json::Value edited = *doc;
    edited.set(c.key, support::json::Value::number(c.value));
    std::string text = support::json::serialize(edited, 2);
    spit(settings, text);
    EnvGuard pass(kPassphraseEnv, "pw");
    auto o = open_store(dir);
    auto r = get_failure(*o->store, "name");
    CHECK(contains(r.message(), c.expect));
    CHECK(contains(r.message(), "left untouched"));
    CHECK(slurp(settings) == text);
  }
  {
    // Within bounds but not what the check value was made with: the check catches it.
    support::json::Value edited = *doc;
    edited.set("n", support::json::Value::number(1LL << 15));
    spit(settings, support::json::serialize(edited, 2));
    EnvGuard pass(kPassphraseEnv, "pw");
    auto o = open_store(dir);
    CHECK(contains(o->store->get("name").status().message(), "wrong passphrase"));
  }
  spit(settings, original);
  EnvGuard pass(kPassphraseEnv, "pw");
  auto o = open_store(dir);
  CHECK(get_value(*o->store, "name") == "value");
}

TEST_CASE("OWASP scrypt parameters work (OpenSSL maxmem raised)") {
  TempDir t;
  std::string dir = store_dir(t);
  EnvGuard pass(kPassphraseEnv, "owasp");
  auto o = open_store(dir, StoreOptions{});
  REQUIRE(o->store->put("name", "value").is_ok());
  CHECK(contains(o->store->describe(), "scrypt N=131072 r=8 p=1"));
  auto fresh = open_store(dir, StoreOptions{});
  CHECK(get_value(*fresh->store, "name") == "value");
}

TEST_CASE("file modes: folder 0700, key, settings, secrets and lock 0600; a loose key file is refused") {
  EnvGuard no_pass(kPassphraseEnv, nullptr);
  TempDir t;
  std::string dir = store_dir(t);
  mode_t old_umask = ::umask(0);  // modes must come from the open() calls, not from a friendly umask
  auto o = open_store(dir);
  REQUIRE(o->store->put("name", "value").is_ok());
  ::umask(old_umask);
  CHECK(mode_of(dir) == 0700);
  for (const auto& f : files_in(dir)) {
    CAPTURE(f);
    CHECK(mode_of(path_in(dir, f)) == 0600);
  }
  CHECK(files_in(dir) ==
        std::vector<std::string>{entratool::keystore::sha256_hex("name") + ".sec", "key", "store.json", "store.lock"});
  ::chmod((dir + "/key").c_str(), 0644);
  auto fresh = open_store(dir);
  auto r = get_failure(*fresh->store, "name");
  CHECK(contains(r.message(), "run 'chmod 600 " + dir + "/key'"));
  ::chmod(dir.c_str(), 0755);
  EncryptedFileStore loose;
  FakeServices services;
  sdk::StoreContext ctx;
  ctx.directory = dir;
  CHECK(contains(loose.open(ctx, services).message(), "chmod 700"));
}

TEST_CASE("neither values nor names appear in any file under the folder") {
  TempDir t;
  for (const char* pass : {static_cast<const char*>(nullptr), "a passphrase"}) {
    std::string dir = store_dir(t) + (pass ? "-pass" : "-key");
    EnvGuard env(kPassphraseEnv, pass);
    auto o = open_store(dir);
    std::string value = "VERY-SECRET-CLIENT-SECRET-9f8e7d";
    std::string name = "profile/recognisable-name/client-secret";
    REQUIRE(o->store->put(name, value).is_ok());
    REQUIRE(o->store->put(name, value + "-rotated").is_ok());
    REQUIRE(o->store->put("other", value).is_ok());
    for (const auto& f : files_in(dir)) {
      std::string bytes = slurp(path_in(dir, f));
      CAPTURE(f);
      CHECK_FALSE(contains(bytes, value));
      CHECK_FALSE(contains(bytes, "recognisable-name"));
      if (pass) CHECK_FALSE(contains(bytes, pass));
    }
    CHECK_FALSE(contains(o->store->describe(), value));
  }
}

TEST_CASE("describe says where and how") {
  EnvGuard no_pass(kPassphraseEnv, nullptr);
  TempDir t;
  std::string dir = store_dir(t);
  auto o = open_store(dir);
  CHECK(contains(o->store->describe(), "created with the first secret"));
  REQUIRE(o->store->put("n", "v").is_ok());
  CHECK(o->store->describe() == "encrypted file store at " + dir + " (AES-256-GCM, key file " + dir + "/key)");
}

namespace {
/// Runs `body` in `count` forked children at once; true when all exited 0.
template <class Body>
bool run_children(int count, Body body) {
  std::vector<pid_t> pids;
  for (int i = 0; i < count; ++i) {
    pid_t pid = ::fork();
    if (pid == 0) {
      int rc = 1;
      try {
        rc = body(i) ? 0 : 1;
      } catch (...) {
      }
      ::_exit(rc);
    }
    if (pid < 0) return false;
    pids.push_back(pid);
  }
  bool all_ok = true;
  for (pid_t pid : pids) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    all_ok = all_ok && WIFEXITED(status) && WEXITSTATUS(status) == 0;
  }
  return all_ok;
}

/// A store opened inside a child, without doctest assertions (they are not fork-safe).
bool child_store(const std::string& dir, FakeServices& services, EncryptedFileStore& store) {
  sdk::StoreContext ctx;
  ctx.directory = dir;
  return store.open(ctx, services).is_ok();
}
}  // namespace

TEST_CASE("concurrent writers in several processes: one key, nothing torn or lost") {
  for (const char* pass : {static_cast<const char*>(nullptr), "shared passphrase"}) {
    CAPTURE(pass ? "passphrase" : "key file");
    EnvGuard env(kPassphraseEnv, pass);
    TempDir t;
    std::string dir = store_dir(t);
    constexpr int kWriters = 6;
    constexpr int kEach = 15;
    // All start on a store that does not exist yet, so they also race to create it.
    bool ok = run_children(kWriters + 1, [&](int child) {
      FakeServices services;
      EncryptedFileStore store(fast_options());
      if (!child_store(dir, services, store)) return false;
      if (child == kWriters) {
        // A reader: the shared name is absent or a complete value, never an error.
        for (int i = 0; i < 4 * kEach; ++i) {
          auto r = store.get("shared");
          if (!r.is_ok()) return false;
          if (r->has_value() && (*r)->rfind("writer-", 0) != 0) return false;
        }
        return true;
      }
      for (int i = 0; i < kEach; ++i) {
        std::string own = "w" + std::to_string(child) + "/" + std::to_string(i);
        if (!store.put(own, "value-of-" + own).is_ok()) return false;
        if (!store.put("shared", "writer-" + std::to_string(child) + "-" + std::to_string(i)).is_ok()) return false;
      }
      return true;
    });
    REQUIRE(ok);
    auto o = open_store(dir);
    auto names = o->store->list("");
    REQUIRE(names.is_ok());
    CHECK(names->size() == kWriters * kEach + 1);
    CHECK(o->services.logger_.warnings.empty());
    for (int child = 0; child < kWriters; ++child)
      for (int i = 0; i < kEach; ++i) {
        std::string own = "w" + std::to_string(child) + "/" + std::to_string(i);
        CHECK(get_value(*o->store, own) == "value-of-" + own);
      }
    CHECK(get_value(*o->store, "shared").rfind("writer-", 0) == 0);
    // No temporary files are left behind.
    for (const auto& f : files_in(dir)) CHECK(f.find(".tmp-") == std::string::npos);
  }
}

namespace {
/// Writes an entry exactly as docs/secret-store.md describes the format, without fsync, so that
/// the scale test can build a 10,000-entry store in a moment (and so the format is pinned).
void write_documented_entry(const std::string& dir, const entratool::keystore::DataKey& key, const std::string& name,
                            const std::string& value) {
  std::string nonce = *entratool::keystore::random_bytes(12);
  std::string header = std::string("ETKS") + '\x01' + '\x01' + nonce;
  std::string plain;
  for (int shift = 24; shift >= 0; shift -= 8) plain.push_back(static_cast<char>((name.size() >> shift) & 0xff));
  plain += name + value;
  std::string sealed = *entratool::keystore::seal(key, nonce, header, plain);
  spit(dir + "/" + entratool::keystore::sha256_hex(name) + ".sec", header + sealed);
}

double median_get_ms(const std::string& dir, const std::string& name, int rounds) {
  std::vector<double> times;
  for (int i = 0; i < rounds; ++i) {
    auto start = std::chrono::steady_clock::now();
    // What a cached get-token does: a fresh store, open, one get.
    FakeServices services;
    EncryptedFileStore store;
    sdk::StoreContext ctx;
    ctx.directory = dir;
    bool ok = store.open(ctx, services).is_ok();
    auto r = store.get(name);
    ok = ok && r.is_ok() && r->has_value();
    times.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
    REQUIRE(ok);
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}
}  // namespace

TEST_CASE("scale: a get in a store of 10,000 entries costs what it costs in a store of one") {
  EnvGuard no_pass(kPassphraseEnv, nullptr);
  TempDir t;
  std::string small = t.path() + "/small";
  std::string large = t.path() + "/large";
  std::string token(2000, 't');  // about the size of a cached token bundle
  for (const std::string& dir : {small, large}) {
    auto o = open_store(dir);
    REQUIRE(o->store->put("token/wanted", token).is_ok());
  }
  entratool::keystore::DataKey key(slurp(large + "/key"));
  for (int i = 0; i < 10000; ++i) write_documented_entry(large, key, "token/" + std::to_string(i), token);
  {
    // The documented format is what the store reads.
    auto o = open_store(large);
    CHECK(get_value(*o->store, "token/4242") == token);
  }
  // Interleaved rounds so that machine load hits both sides alike.
  double small_ms = 1e9;
  double large_ms = 1e9;
  for (int round = 0; round < 5; ++round) {
    small_ms = std::min(small_ms, median_get_ms(small, "token/wanted", 60));
    large_ms = std::min(large_ms, median_get_ms(large, "token/wanted", 60));
  }
  MESSAGE("median open+get: 1 entry " << small_ms << " ms, 10,001 entries " << large_ms << " ms");
  CHECK(large_ms <= 1.5 * small_ms + 0.05);  // 50 µs of slack for timer noise on tiny numbers
  CHECK(large_ms < 3.0);
}
