// Owner and mode checks on a path and every folder on the way (tests run as root; foreign
// owners come from chown to nobody).
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "plugins/trust.h"

using entratool::host::AllowedOwners;
using entratool::host::check_path;

namespace {
struct Tree {
  std::string root;
  Tree() {
    char tmpl[] = "/tmp/entratool-trust-XXXXXX";
    root = ::mkdtemp(tmpl);
  }
  ~Tree() { std::system(("rm -rf '" + root + "'").c_str()); }
  std::string dir(const std::string& name, mode_t mode = 0755) {
    std::string p = root + "/" + name;
    ::mkdir(p.c_str(), 0755);
    ::chmod(p.c_str(), mode);
    return p;
  }
  std::string file(const std::string& name, mode_t mode = 0644) {
    std::string p = root + "/" + name;
    std::ofstream(p) << "x";
    ::chmod(p.c_str(), mode);
    return p;
  }
};
const AllowedOwners kSelf = AllowedOwners::root_or_self();
constexpr uid_t kNobody = 65534;
}  // namespace

TEST_CASE("a private file in private folders is acceptable, with symlinks resolved") {
  Tree t;
  t.dir("a");
  std::string f = t.file("a/lib.so");
  ::symlink(f.c_str(), (t.root + "/link.so").c_str());
  auto c = check_path(t.root + "/link.so", "library", kSelf);
  CHECK(c.problem == "");
  CHECK(c.resolved == f);
}

TEST_CASE("a group- or world-writable file is refused with the fix") {
  Tree t;
  std::string f = t.file("lib.so", 0666);
  CHECK(check_path(f, "library", kSelf).problem ==
        "library '" + f + "' is group- or world-writable; fix with: chmod go-w '" + f + "'");
}

TEST_CASE("a file or folder owned by another user is refused") {
  Tree t;
  std::string f = t.file("lib.so");
  REQUIRE(::chown(f.c_str(), kNobody, static_cast<gid_t>(-1)) == 0);
  CHECK(check_path(f, "library", kSelf).problem ==
        "library '" + f +
            "' is owned by user 'nobody' (uid 65534), not by root or you; only files of root or your own are trusted");
  std::string d = t.dir("theirs");
  std::string g = t.file("theirs/lib.so");
  REQUIRE(::chown(d.c_str(), kNobody, static_cast<gid_t>(-1)) == 0);
  CHECK(check_path(g, "library", kSelf).problem ==
        "library '" + g + "': folder '" + d + "' on its way is owned by user 'nobody' (uid 65534), not by root or you");
}

TEST_CASE("a world-writable ancestor is refused unless it is sticky") {
  Tree t;
  std::string d = t.dir("shared", 0777);
  std::string f = t.file("shared/lib.so");
  CHECK(check_path(f, "library", kSelf).problem ==
        "library '" + f + "': folder '" + d +
            "' on its way is group- or world-writable (and not sticky); fix with: chmod go-w '" + d + "'");
  Tree t2;  // a fresh tree: folder verdicts are remembered per process
  std::string s = t2.dir("sticky", 01777);
  std::string g = t2.file("sticky/lib.so");
  CHECK(check_path(g, "library", kSelf).problem == "");
}

TEST_CASE("a symlink into a world-writable folder is judged by its target") {
  Tree t;
  std::string d = t.dir("ww", 0777);
  std::string f = t.file("ww/lib.so");
  std::string link = t.root + "/lib.so";
  ::symlink(f.c_str(), link.c_str());
  CHECK(check_path(link, "library", kSelf).problem ==
        "library '" + link + "': folder '" + d +
            "' on its way is group- or world-writable (and not sticky); fix with: chmod go-w '" + d + "'");
}

TEST_CASE("a missing file says so") {
  Tree t;
  CHECK(check_path(t.root + "/none.so", "library", kSelf).problem ==
        "library '" + t.root + "/none.so' cannot be read: No such file or directory");
}
