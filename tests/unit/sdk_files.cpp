// Guards the support library's file reading (issue 14 items 2, 3, 4 and 7): special files never
// hang a read, reads are bounded, trust rules are checked on the opened file, and temporary
// files of a killed writer are removed by the next one.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "entratool/support/files.h"

namespace files = entratool::support::files;

namespace {

struct TempDir {
  std::string path;
  TempDir() {
    char tmpl[] = "/tmp/entratool-files-XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~TempDir() { std::system(("rm -rf '" + path + "'").c_str()); }
  std::string file(const std::string& name, const std::string& text, mode_t mode) const {
    std::string p = path + "/" + name;
    std::ofstream(p) << text;
    ::chmod(p.c_str(), mode);
    return p;
  }
};

}  // namespace

TEST_CASE("a_fifo_is_refused_at_once_instead_of_hanging_the_read") {
  TempDir d;
  std::string fifo = d.path + "/profiles.json";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  auto r = files::read_file(fifo);  // no writer: a blocking open would wait forever
  REQUIRE_FALSE(r);
  CHECK(r.status().message().find("not a regular file") != std::string::npos);
  auto trusted = files::read_file(fifo, files::trusted_file_rules("the profiles file"));
  REQUIRE_FALSE(trusted);
  CHECK(trusted.status().message().find("not a regular file") != std::string::npos);
}

TEST_CASE("reads_are_bounded") {
  TempDir d;
  std::string p = d.file("big", std::string(5000, 'x'), 0600);
  files::ReadRules rules;
  rules.max_bytes = 4096;
  auto r = files::read_file(p, rules);
  REQUIRE_FALSE(r);
  CHECK(r.status().message().find("too large") != std::string::npos);
  rules.max_bytes = 5000;
  CHECK(files::read_file(p, rules));
  CHECK_FALSE(files::read_file("/dev/zero"));  // a device is no regular file
}

TEST_CASE("trusted_files_refuse_symlinks_and_files_others_can_change") {
  TempDir d;
  std::string real = d.file("real.json", "{}", 0600);
  std::string link = d.path + "/profiles.json";
  REQUIRE(::symlink(real.c_str(), link.c_str()) == 0);
  auto r = files::read_file(link, files::trusted_file_rules("the profiles file"));
  REQUIRE_FALSE(r);
  CHECK(r.status().message().find("symbolic link") != std::string::npos);

  std::string writable = d.file("w.json", "{}", 0620);
  auto w = files::read_file(writable, files::trusted_file_rules("the profiles file"));
  REQUIRE_FALSE(w);
  CHECK(w.status().message().find("chmod go-w " + writable) != std::string::npos);
  // Readable by others is fine for a file that holds no secret.
  CHECK(files::read_file(d.file("r.json", "{}", 0644), files::trusted_file_rules("the profiles file")));
}

TEST_CASE("secret_files_readable_by_group_or_others_are_refused_with_the_chmod_to_run") {
  TempDir d;
  for (mode_t mode : {0644, 0640, 0604}) {
    CAPTURE(mode);
    std::string p = d.file("key.pem", "secret", mode);
    auto r = files::read_file(p, files::secret_file_rules("the private key"));
    REQUIRE_FALSE(r);
    CHECK(r.status().message().find("run 'chmod 600 " + p + "'") != std::string::npos);
  }
  CHECK(files::read_file(d.file("ok.pem", "secret", 0600), files::secret_file_rules("the private key")));
}

TEST_CASE("trusted_directories_refuse_symlinks_and_group_or_world_writable_folders") {
  TempDir d;
  CHECK(files::check_trusted_directory(d.path));
  std::string link = d.path + "/link";
  REQUIRE(::symlink(d.path.c_str(), link.c_str()) == 0);
  CHECK(files::check_trusted_directory(link).message().find("symbolic link") != std::string::npos);
  std::string open_dir = d.path + "/open";
  REQUIRE(::mkdir(open_dir.c_str(), 0700) == 0);
  ::chmod(open_dir.c_str(), 0777);
  CHECK(files::check_trusted_directory(open_dir).message().find("chmod 700") != std::string::npos);
  ::chmod(open_dir.c_str(), 0755);
  CHECK(files::check_trusted_directory(open_dir));
}

TEST_CASE("temporary_files_of_a_dead_writer_are_removed_by_the_next_writer") {
  TempDir d;
  std::string target = d.path + "/profiles.json";
  // pid 2^22+1 is above any pid_max default and so belongs to no live process.
  std::string dead = d.file("profiles.json.tmp-4194305-123", "{", 0600);
  std::string live = d.file("profiles.json.tmp-" + std::to_string(::getppid()) + "-9", "{", 0600);
  std::string other = d.file("other.json.tmp-4194305-1", "{", 0600);
  files::remove_stale_temporaries(target);
  CHECK_FALSE(files::exists(dead));
  CHECK(files::exists(live));   // its writer may still rename it
  CHECK(files::exists(other));  // another file's temporaries are not ours to judge
}
