// libFuzzer target for plugin manifests (host/plugins/manifest.cpp, parse_manifest). The file
// name the parser checks is made from the input's own "id" when it has one, so real manifests
// (the seed corpus is the built plugins' manifests) get past the name check. Properties: an
// accepted manifest has valid ids, known kinds, at least one component and no component id
// twice, and its library lies directly in the manifest's folder; an error is one line.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>

#include "entratool/support/json.h"
#include "plugins/manifest.h"

namespace host = entratool::host;

namespace {

void require(bool condition, const char* what) {
  if (!condition) {
    std::fprintf(stderr, "fuzz_manifest: property violated: %s\n", what);
    std::abort();
  }
}

const std::string kFolder = "/opt/entratool/plugins";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::string id = "fuzz";
  if (auto doc = entratool::support::json::parse(text); doc && doc->is_object()) {
    std::string named = doc->get_string("id");
    if (!named.empty() && named.find('/') == std::string::npos) id = named;
  }
  auto m = host::parse_manifest(text, kFolder + "/" + id + std::string(host::kManifestSuffix));
  if (!m) {
    const std::string& msg = m.status().message();
    require(msg.rfind("invalid manifest: ", 0) == 0, "an error says the manifest is invalid");
    require(msg.find('\n') == std::string::npos, "an error is one line");
    return 0;
  }
  require(host::is_valid_plugin_id(m->id) && m->id == id, "the id is valid and names the file");
  require(!m->version.empty() && m->sdk_major >= 0 && m->sdk_minor >= 0, "version and sdk are set");
  require(!m->components.empty() && m->components.size() <= 64, "one to 64 components");
  std::set<std::string> ids;
  for (const auto& c : m->components) {
    require(host::is_plugin_kind(c.kind), "a known kind");
    require(host::is_valid_plugin_id(c.id), "a valid component id");
    require(ids.insert(c.id).second, "no component id twice");
    if (c.kind != "flow") require(c.flow.secrets.empty() && c.flow.fields.empty(), "only flows declare flow needs");
  }
  const std::string prefix = kFolder + "/";
  require(m->library.rfind(prefix, 0) == 0, "the library is in the manifest's folder");
  const std::string file = m->library.substr(prefix.size());
  require(!file.empty() && file != "." && file != ".." && file.find('/') == std::string::npos,
          "the library is a plain file name");
  return 0;
}
