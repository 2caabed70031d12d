// Guards what a refused plugin manifest prints: values quoted from the file keep the message one
// line and free of terminal controls (found by tests/fuzz/fuzz_manifest.cpp: an id holding a
// newline was echoed raw into the "invalid manifest" error).
#include <doctest/doctest.h>

#include "plugins/manifest.h"

using entratool::host::parse_manifest;

TEST_CASE("control characters quoted from a manifest are escaped in its error") {
  auto m = parse_manifest(
      "{\"entratool_plugin_manifest\": 2, \"id\": \"m\\naged\\u001b[2J\", \"version\": \"1\", \"sdk\": \"2.0\", "
      "\"library\": \"x.so\", \"components\": [{\"kind\": \"flow\", \"id\": \"x\"}]}",
      "/opt/plugins/x.plugin.json");
  REQUIRE_FALSE(m);
  const std::string& message = m.status().message();
  CHECK(message.find('\n') == std::string::npos);
  CHECK(message.find('\x1b') == std::string::npos);
  CHECK(message.find("id 'm\\x0aaged\\x1b[2J'") != std::string::npos);
}
