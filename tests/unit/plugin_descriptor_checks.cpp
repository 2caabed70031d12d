// Guards the checks the loader runs before it uses anything a plugin hands over: the descriptor
// (order and exact messages, docs/plugin-abi.md documents both) and each registered interface
// struct (size and required function pointers).
#include <doctest/doctest.h>

#include <cstring>

#include "entratool/sdk/abi.h"
#include "plugins/plugin_loader.h"

using entratool::host::check_descriptor;
using entratool::host::check_interface;
using entratool::host::check_sdk_version;
using entratool::host::Manifest;

namespace {

int32_t register_nothing(const et_host*, const et_registrar*, et_status*) { return ET_OK; }

et_plugin_descriptor good_descriptor() {
  return {ENTRATOOL_PLUGIN_MAGIC,
          sizeof(et_plugin_descriptor),
          ENTRATOOL_SDK_VERSION_MAJOR,
          ENTRATOOL_SDK_VERSION_MINOR,
          "x",
          "1.0.0",
          "test",
          ENTRATOOL_SDK_BUILT_WITH,
          &register_nothing,
          nullptr};
}

Manifest manifest() {
  Manifest m;
  m.id = "x";
  m.version = "1.0.0";
  m.path = "/p/x.plugin.json";
  m.library = "/p/entratool-x.so";
  m.components.push_back({"formatter", "x", "", {}});
  return m;
}

std::string refusal(const et_plugin_descriptor* d) {
  auto s = check_descriptor(d, manifest(), "/p/entratool-x.so");
  CHECK(s.exit_code() == (s.is_ok() ? 0 : 1));
  return s.message();
}

const std::string kHost =
    std::to_string(ENTRATOOL_SDK_VERSION_MAJOR) + "." + std::to_string(ENTRATOOL_SDK_VERSION_MINOR);

int32_t format_nothing(void*, const et_token*, int64_t, et_sink, et_status*) { return ET_OK; }
int32_t acquire_nothing(void*, const et_flow_request*, const et_host*, et_token_sink, et_status*) { return ET_OK; }

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
  CHECK(
      refusal(&d) ==
      "plugin 'x' (/p/entratool-x.so) has a descriptor with the wrong magic value 0x12345678: not an entratool plugin");
}

TEST_CASE("a descriptor too small to hold the register function is refused") {
  auto d = good_descriptor();
  d.size = 8;
  CHECK(refusal(&d) == "plugin 'x' (/p/entratool-x.so) has a descriptor of 8 bytes; at least " +
                           std::to_string(entratool::host::kMinDescriptorSize) + " are needed");
  CHECK(entratool::host::kMinDescriptorSize == offsetof(et_plugin_descriptor, get_extension));
}

TEST_CASE("a larger descriptor (a newer minor layout) is accepted when the minor is not newer") {
  auto d = good_descriptor();
  d.size += 16;
  CHECK(refusal(&d).empty());
}

TEST_CASE("another SDK major is refused with both versions named; an older one says to rebuild") {
  auto d = good_descriptor();
  d.sdk_major = ENTRATOOL_SDK_VERSION_MAJOR + 1;
  d.sdk_minor = 1;
  CHECK(refusal(&d) == "plugin 'x' was built for SDK " + std::to_string(ENTRATOOL_SDK_VERSION_MAJOR + 1) +
                           ".1; this entratool provides " + kHost);
  d.sdk_major = 1;
  d.sdk_minor = 0;
  CHECK(refusal(&d) == "plugin 'x' was built for SDK 1.0; this entratool provides " + kHost +
                           "; rebuild it against this SDK (docs/plugin-abi.md)");
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

TEST_CASE("another compiler or C++ library is not a reason to refuse: the boundary is C") {
  auto d = good_descriptor();
  d.built_with = "clang-15;libc++";
  CHECK(refusal(&d).empty());
  d.built_with = nullptr;
  CHECK(refusal(&d).empty());
}

TEST_CASE("a descriptor that contradicts its manifest names only the fields that differ") {
  auto d = good_descriptor();
  d.id = "y";
  CHECK(refusal(&d) == "plugin 'x' (/p/entratool-x.so): the manifest says id 'x' but the library says id 'y'");
  d = good_descriptor();
  d.id = "y";
  d.version = "2.0.0";
  CHECK(refusal(&d) ==
        "plugin 'x' (/p/entratool-x.so): the manifest says id 'x', version '1.0.0' but the library says "
        "id 'y', version '2.0.0'");
  d = good_descriptor();
  d.id = nullptr;
  CHECK(refusal(&d) == "plugin 'x' (/p/entratool-x.so): the manifest says id 'x' but the library says id ''");
}

TEST_CASE("a descriptor without a register function is refused") {
  auto d = good_descriptor();
  d.register_components = nullptr;
  CHECK(refusal(&d) == "plugin 'x' (/p/entratool-x.so) has no register function");
}

TEST_CASE("an interface struct smaller than the host needs is refused with both sizes") {
  et_formatter f{};
  f.size = 8;
  f.format_token = &format_nothing;
  CHECK(check_interface("formatter", &f) == "has an interface of 8 bytes; at least " +
                                                std::to_string(offsetof(et_formatter, get_extension)) + " are needed");
  et_flow flow{};
  flow.size = 4;
  CHECK(check_interface("flow", &flow).find("has an interface of 4 bytes") == 0);
}

TEST_CASE("a required function pointer left NULL is refused by name; optional ones may be NULL") {
  et_formatter f{};
  f.size = sizeof f;
  CHECK(check_interface("formatter", &f) == "has a NULL format_token function");
  f.format_token = &format_nothing;  // format_document and get_extension are optional
  CHECK(check_interface("formatter", &f).empty());

  et_flow flow{};
  flow.size = sizeof flow;
  CHECK(check_interface("flow", &flow) == "has a NULL acquire function");
  flow.acquire = &acquire_nothing;
  CHECK(check_interface("flow", &flow).empty());

  et_secret_store s{};
  s.size = sizeof s;
  CHECK(check_interface("secret-store", &s) == "has a NULL open function");
}

TEST_CASE("a larger interface struct from a newer minor is accepted") {
  struct Bigger {
    et_formatter base;
    void* appended;
  } b{};
  b.base.size = sizeof b;
  b.base.format_token = &format_nothing;
  CHECK(check_interface("formatter", &b).empty());
}
