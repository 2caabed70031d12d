// libFuzzer target for the encrypted-file store's on-disk formats (keystores/encrypted-file):
// a per-secret file (magic, version, key mode, nonce, ciphertext, tag), store.json (key mode and
// scrypt parameters) and the key file, read through the store's own API as a later process
// would. A store with one secret is made once; each input replaces one of its files (the first
// byte picks which) and a fresh store instance reads it back, lists, and (bit 2 of that byte)
// stores another secret.
// Properties: a damaged file never yields a value other than the one stored (AES-GCM), a
// refusal is a one-line message, and no read or refused write changes the damaged file.
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "encrypted_file_store.h"
#include "support/fakes.h"

namespace ks = entratool::keystore;

namespace {

void require(bool condition, const char* what) {
  if (!condition) {
    std::fprintf(stderr, "fuzz_store: property violated: %s\n", what);
    std::abort();
  }
}

const char* kName = "fuzz/secret";
const char* kValue = "the stored value";

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void write(const std::string& path, const std::string& data) {
  ::unlink(path.c_str());
  std::ofstream(path, std::ios::binary) << data;
  ::chmod(path.c_str(), 0600);
}

struct Baseline {
  std::string root, dir, sec_path, settings, key, sec;
};

void remove_tree(const std::string& path) {
  if (DIR* d = ::opendir(path.c_str())) {
    while (dirent* e = ::readdir(d)) {
      const std::string name = e->d_name;
      if (name == "." || name == "..") continue;
      const std::string child = path + "/" + name;
      struct stat st {};
      if (::lstat(child.c_str(), &st) == 0 && S_ISDIR(st.st_mode))
        remove_tree(child);
      else
        ::unlink(child.c_str());
    }
    ::closedir(d);
  }
  ::rmdir(path.c_str());
}

std::string g_root;  // removed at exit

const Baseline& baseline() {
  static const Baseline b = [] {
    ::unsetenv(ks::kPassphraseEnv);
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/entratool-fuzz-store-XXXXXX";
    require(::mkdtemp(pattern.data()) != nullptr, "mkdtemp");
    Baseline out;
    out.root = g_root = pattern;
    std::atexit([] { remove_tree(g_root); });
    out.dir = pattern + "/store";
    fakes::Services services;
    ks::EncryptedFileStore store;
    require(store.open({out.dir, {}}, services).is_ok(), "the baseline store opens");
    require(store.put(kName, kValue).is_ok(), "the baseline secret is stored");
    out.sec_path = store.path_for(kName);
    out.settings = slurp(out.dir + "/store.json");
    out.key = slurp(out.dir + "/key");
    out.sec = slurp(out.sec_path);
    require(!out.settings.empty() && out.key.size() >= 32 && !out.sec.empty(), "the baseline files exist");
    return out;
  }();
  return b;
}

bool one_line(const entratool::sdk::Status& s) {
  return !s.message().empty() && s.message().find('\n') == std::string::npos;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const Baseline& b = baseline();
  const std::string input(reinterpret_cast<const char*>(data) + 1, size - 1);
  // Everything back to the baseline, then one file replaced by the input.
  write(b.dir + "/store.json", b.settings);
  write(b.dir + "/key", b.key);
  write(b.sec_path, b.sec);
  std::string target;
  switch (data[0] % 3) {
    case 0:
      target = b.sec_path;
      break;
    case 1:
      target = b.dir + "/store.json";
      break;
    default:
      target = b.dir + "/key";
      break;
  }
  write(target, input);

  fakes::Services services;
  ks::EncryptedFileStore store;
  require(store.open({b.dir, {}}, services).is_ok(), "the store opens");
  auto got = store.get(kName);
  if (got) {
    require(got->has_value() && **got == kValue, "a damaged file never yields another value");
  } else {
    require(one_line(got.status()), "a refusal is one line");
  }
  auto listed = store.list("");
  if (listed) {
    for (const auto& name : *listed) require(name == kName, "only the stored name is listed");
  } else {
    require(one_line(listed.status()), "a refused list is one line");
  }
  // Writing is slow (fsync, lock): only when bit 2 of the selector asks for it.
  const bool write_too = (data[0] & 4) != 0;
  auto stored = write_too ? store.put("fuzz/other", "another value") : entratool::sdk::Status::general("not asked");
  if (!stored) require(one_line(stored), "a refused write is one line");
  require(slurp(target) == input, "the damaged file is left as it was");
  if (stored) {
    auto back = store.get("fuzz/other");
    require(back && back->has_value() && **back == "another value", "what was stored reads back");
    store.erase("fuzz/other");
  }
  return 0;
}
