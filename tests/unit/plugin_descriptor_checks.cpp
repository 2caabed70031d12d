// Guards the descriptor checks the loader runs before calling any plugin function: their order
// and their exact messages (docs/plugin-abi.md documents both).
#include <doctest/doctest.h>

#include "entratool/sdk/plugin.h"
#include "plugins/plugin_loader.h"

using entratool::host::check_descriptor;
using entratool::host::check_sdk_version;
using entratool::host::Manifest;

namespace {

entratool::sdk::Status register_nothing(entratool::sdk::Registrar&) { return entratool::sdk::Status::ok(); }

entratool_plugin_descriptor good_descriptor() {
  return {ENTRATOOL_PLUGIN_MAGIC, sizeof(entratool_plugin_descriptor), ENTRATOOL_SDK_VERSION_MAJOR,
          ENTRATOOL_SDK_VERSION_MINOR, ENTRATOOL_SDK_ABI_TAG, "x", "formatter", "1.0.0", "test", &register_nothing};
}

Manifest manifest() {
  Manifest m;
  m.id = "x";
  m.kind = "formatter";
  m.version = "1.0.0";
  m.path = "/p/x.plugin.json";
  m.library = "/p/entratool-x.so";
  return m;
}

std::string refusal(const entratool_plugin_descriptor* d) {
  auto s = check_descriptor(d, manifest(), "/p/entratool-x.so");
  CHECK(s.exit_code() == (s.is_ok() ? 0 : 1));
  return s.message();
}

const std::string kHost = std::to_string(ENTRATOOL_SDK_VERSION_MAJOR) + "." + std::to_string(ENTRATOOL_SDK_VERSION_MINOR);

}  // namespace

TEST_CASE("a descriptor matching the host and manifest passes") {
  auto d = good_descriptor();
  CHECK(check_descriptor(&d, manifest(), "/p/entratool-x.so").is_ok());
}

TEST_CASE("a null descriptor is refused") {
  CHECK(refusal(nullptr) == "plugin 'x' (/p/entratool-x.so) returned no descriptor: not an entratool plugin");
}

TEST_CASE("a wrong magic value is refused before any other field is read") {
  auto d = good_descriptor();
  d.magic = 0x12345678u;
  d.sdk_major = 99;  // would be refused too, but magic comes first
  CHECK(refusal(&d) == "plugin 'x' (/p/entratool-x.so) has a descriptor with the wrong magic value 0x12345678: not an entratool plugin");
}

TEST_CASE("a descriptor smaller than the host's oldest layout is refused") {
  auto d = good_descriptor();
  d.size = 8;
  CHECK(refusal(&d) == "plugin 'x' (/p/entratool-x.so) has a descriptor of 8 bytes; at least " +
                           std::to_string(sizeof(entratool_plugin_descriptor)) + " are needed");
}

TEST_CASE("a larger descriptor (a newer minor layout) is accepted when the minor is not newer") {
  auto d = good_descriptor();
  d.size += 16;
  CHECK(refusal(&d).empty());
}

TEST_CASE("another SDK major is refused with both versions named") {
  auto d = good_descriptor();
  d.sdk_major = ENTRATOOL_SDK_VERSION_MAJOR + 1;
  d.sdk_minor = 1;
  CHECK(refusal(&d) == "plugin 'x' was built for SDK " + std::to_string(ENTRATOOL_SDK_VERSION_MAJOR + 1) +
                           ".1; this entratool provides " + kHost);
}

TEST_CASE("a newer SDK minor is refused; an older minor is accepted") {
  CHECK(check_sdk_version("x", ENTRATOOL_SDK_VERSION_MAJOR, ENTRATOOL_SDK_VERSION_MINOR + 1).message() ==
        "plugin 'x' was built for SDK " + std::to_string(ENTRATOOL_SDK_VERSION_MAJOR) + "." +
            std::to_string(ENTRATOOL_SDK_VERSION_MINOR + 1) + "; this entratool provides " + kHost);
  CHECK(check_sdk_version("x", ENTRATOOL_SDK_VERSION_MAJOR, ENTRATOOL_SDK_VERSION_MINOR).is_ok());
  if (ENTRATOOL_SDK_VERSION_MINOR > 0)
    CHECK(check_sdk_version("x", ENTRATOOL_SDK_VERSION_MAJOR, ENTRATOOL_SDK_VERSION_MINOR - 1).is_ok());
  CHECK_FALSE(check_sdk_version("x", 0, 9));
}

TEST_CASE("another C++ standard library is refused; another compiler alone is not") {
  auto d = good_descriptor();
  d.abi_tag = "libc++;clang-15";
  CHECK(refusal(&d) == std::string("plugin 'x' (/p/entratool-x.so) was built with 'libc++;clang-15' but this entratool uses '") +
                           ENTRATOOL_SDK_ABI_TAG + "': the C++ standard libraries differ");
  d.abi_tag = nullptr;
  CHECK(refusal(&d).find("the C++ standard libraries differ") != std::string::npos);
  d.abi_tag = ENTRATOOL_SDK_ABI_STDLIB ";some-other-compiler-99";
  CHECK(refusal(&d).empty());
}

TEST_CASE("a descriptor that contradicts its manifest names only the fields that differ") {
  auto d = good_descriptor();
  d.id = "y";
  CHECK(refusal(&d) == "plugin 'x' (/p/entratool-x.so): the manifest says id 'x' but the library says id 'y'");
  d = good_descriptor();
  d.kind = "flow";
  d.version = "2.0.0";
  CHECK(refusal(&d) ==
        "plugin 'x' (/p/entratool-x.so): the manifest says kind 'formatter', version '1.0.0' but the library says "
        "kind 'flow', version '2.0.0'");
  d = good_descriptor();
  d.id = nullptr;
  CHECK(refusal(&d) == "plugin 'x' (/p/entratool-x.so): the manifest says id 'x' but the library says id ''");
}

TEST_CASE("a descriptor without a register function is refused") {
  auto d = good_descriptor();
  d.register_plugin = nullptr;
  CHECK(refusal(&d) == "plugin 'x' (/p/entratool-x.so) has no register function");
}
