#include "plugins/manifest.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "core/profiles.h"
#include "entratool/support/json.h"

namespace entratool::host {

namespace {

namespace json = support::json;

// Manifests are tiny; a huge file is a mistake or an attack, never a manifest.
constexpr size_t kMaxManifestBytes = size_t{64} * 1024;
constexpr size_t kMaxComponents = 64;

// "MAJOR.MINOR" with small decimal numbers.
bool parse_sdk_version(const std::string& text, int& major, int& minor) {
  auto dot = text.find('.');
  if (dot == std::string::npos || dot == 0 || dot + 1 == text.size() || dot > 4 || text.size() - dot - 1 > 4)
    return false;
  int parts[2] = {0, 0};
  for (size_t i = 0, part = 0; i < text.size(); ++i) {
    if (i == dot) {
      part = 1;
      continue;
    }
    if (text[i] < '0' || text[i] > '9') return false;
    parts[part] = parts[part] * 10 + (text[i] - '0');
  }
  major = parts[0];
  minor = parts[1];
  return true;
}

// Messages quote values from the file: control characters in them are shown as \xNN, so an error
// stays one line and cannot drive the terminal.
sdk::Status bad(const std::string& what) {
  static const char kHex[] = "0123456789abcdef";
  std::string shown = "invalid manifest: ";
  for (char ch : what) {
    auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7f) {
      shown += "\\x";
      shown += kHex[c >> 4];
      shown += kHex[c & 15];
    } else {
      shown += ch;
    }
  }
  return sdk::Status::general(shown);
}

// A printable-ASCII word list ("aliases", "secrets", ...).
sdk::Status string_list(const json::Value& object, const char* name, const std::string& where,
                        std::vector<std::string>& out) {
  const auto* v = object.find(name);
  if (!v) return sdk::Status::ok();
  if (!v->is_array()) return bad(where + " \"" + name + "\" is not an array of strings");
  for (const auto& item : v->items()) {
    if (!item.is_string() || item.text().empty() || item.text().size() > 64)
      return bad(where + " \"" + name + "\" holds something that is not a short string");
    for (char c : item.text())
      if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7F)
        return bad(where + " \"" + name + "\" entry '" + item.text() + "' is not printable ASCII without spaces");
    out.push_back(item.text());
  }
  return sdk::Status::ok();
}

sdk::Status boolean(const json::Value& object, const char* name, const std::string& where, bool& out) {
  const auto* v = object.find(name);
  if (!v) return sdk::Status::ok();
  if (!v->is_bool()) return bad(where + " \"" + name + "\" is not true or false");
  out = v->as_bool();
  return sdk::Status::ok();
}

template <class Enum>
sdk::Status choice(const json::Value& object, const char* name, const std::string& where,
                   std::initializer_list<std::pair<const char*, Enum>> choices, Enum& out) {
  const auto* v = object.find(name);
  if (!v) return sdk::Status::ok();
  std::string allowed;
  for (const auto& [text, value] : choices) {
    if (v->is_string() && v->text() == text) {
      out = value;
      return sdk::Status::ok();
    }
    allowed += (allowed.empty() ? "" : ", ") + std::string(text);
  }
  return bad(where + " \"" + name + "\" must be one of " + allowed);
}

sdk::Status parse_flow_declaration(const json::Value& v, const std::string& where, FlowDeclaration& d) {
  if (!v.is_object()) return bad(where + " \"flow\" is not an object");
  using R = FlowDeclaration::RefreshTokens;
  using C = FlowDeclaration::ClientAuthUse;
  if (auto s = string_list(v, "aliases", where, d.aliases); !s) return s;
  if (auto s = boolean(v, "interactive", where, d.interactive); !s) return s;
  if (auto s = boolean(v, "browser", where, d.browser); !s) return s;
  if (auto s = choice<R>(v, "refresh_tokens", where,
                         {{"none", R::none}, {"issues", R::issues}, {"redeems", R::redeems}}, d.refresh_tokens);
      !s)
    return s;
  if (auto s = choice<C>(v, "client_auth", where,
                         {{"none", C::none}, {"optional", C::optional}, {"required", C::required}}, d.client_auth);
      !s)
    return s;
  if (const auto* r = v.find("requires")) {
    std::vector<std::string> required;
    if (auto s = string_list(v, "requires", where, required); !s) return s;
    d.requires_tenant = d.requires_client_id = false;
    for (const auto& what : required) {
      if (what == "tenant")
        d.requires_tenant = true;
      else if (what == "client_id")
        d.requires_client_id = true;
      else
        return bad(std::string(where)
                       .append(" \"requires\" names '")
                       .append(what)
                       .append("'; only tenant and client_id can be required"));
    }
    (void)r;
  }
  if (auto s = string_list(v, "secrets", where, d.secrets); !s) return s;
  if (auto s = string_list(v, "fields", where, d.fields); !s) return s;
  if (auto s = string_list(v, "default_for", where, d.default_for); !s) return s;
  if (auto s = string_list(v, "environment", where, d.environment); !s) return s;
  for (const auto& name : d.environment)
    for (char c : name)
      if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'))
        return bad(std::string(where) + " \"environment\" names '" + name +
                   "'; use upper-case variable names (A-Z, 0-9, _)");
  for (const auto& method : d.default_for)
    if (method != "secret" && method != "certificate" && method != "none" && method != kManagedIdentity)
      return bad(std::string(where) + " \"default_for\" names '" + method +
                 "'; use secret, certificate, none or managed-identity");
  return sdk::Status::ok();
}

}  // namespace

bool is_plugin_kind(std::string_view kind) { return kind == "flow" || kind == "formatter" || kind == "secret-store"; }

bool is_valid_plugin_id(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  auto lower_or_digit = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!lower_or_digit(id[0])) return false;
  for (char c : id)
    if (!lower_or_digit(c) && c != '.' && c != '_' && c != '-') return false;
  return true;
}

sdk::Result<Manifest> parse_manifest(std::string_view text, const std::string& path) {
  auto doc = json::parse(text, {8});
  if (!doc) return bad(doc.status().message());
  if (!doc->is_object()) return bad("not a JSON object");

  const auto* format = doc->find("entratool_plugin_manifest");
  if (!format) return bad("\"entratool_plugin_manifest\" is missing");
  if (format->as_int() != kManifestFormat) {
    std::string hint = format->as_int() == 1 ? "; rebuild the plugin against SDK 2 (docs/plugin-abi.md)" : "";
    return bad("unsupported manifest format " + format->text() + " (this entratool reads format " +
               std::to_string(kManifestFormat) + ")" + hint);
  }

  auto string_field = [&](const char* name, std::string& out) -> sdk::Status {
    const auto* v = doc->find(name);
    if (!v) return bad(std::string("\"") + name + "\" is missing");
    if (!v->is_string()) return bad(std::string("\"") + name + "\" is not a string");
    out = v->text();
    return sdk::Status::ok();
  };

  Manifest m;
  std::string sdk_text;
  for (auto [name, out] : {std::pair<const char*, std::string*>{"id", &m.id},
                           {"version", &m.version},
                           {"sdk", &sdk_text},
                           {"library", &m.library}}) {
    if (auto s = string_field(name, *out); !s) return s;
  }
  if (const auto* d = doc->find("description"); d && d->is_string()) m.description = d->text();

  if (!is_valid_plugin_id(m.id)) return bad("id '" + m.id + "' is not lower-case letters, digits, '.', '_' or '-'");
  if (m.version.empty()) return bad("\"version\" is empty");
  if (!parse_sdk_version(sdk_text, m.sdk_major, m.sdk_minor)) return bad("sdk '" + sdk_text + "' is not MAJOR.MINOR");
  // The library must sit beside the manifest: a path here could point anywhere.
  if (m.library.empty() || m.library.find('/') != std::string::npos || m.library == "." || m.library == "..")
    return bad("library '" + m.library + "' must be a file name in the manifest's folder");

  const auto* components = doc->find("components");
  if (!components) return bad("\"components\" is missing (the components the library registers)");
  if (!components->is_array() || components->items().empty()) return bad("\"components\" must be a non-empty array");
  if (components->items().size() > kMaxComponents) return bad("more than 64 components");
  for (const auto& c : components->items()) {
    if (!c.is_object()) return bad("a component is not an object");
    ComponentManifest cm;
    cm.kind = c.get_string("kind");
    cm.id = c.get_string("id");
    cm.description = c.get_string("description");
    if (!is_plugin_kind(cm.kind)) return bad("component kind '" + cm.kind + "' is not flow, formatter or secret-store");
    if (!is_valid_plugin_id(cm.id))
      return bad("component id '" + cm.id + "' is not lower-case letters, digits, '.', '_' or '-'");
    const std::string where = cm.kind + " '" + cm.id + "':";
    for (const auto& other : m.components)
      if (other.id == cm.id) return bad("component id '" + cm.id + "' is listed twice");
    if (const auto* flow = c.find("flow")) {
      if (cm.kind != "flow") return bad(where + " only a flow has a \"flow\" declaration");
      if (auto s = parse_flow_declaration(*flow, where, cm.flow); !s) return s;
    }
    m.components.push_back(std::move(cm));
  }

  auto slash = path.find_last_of('/');
  std::string folder = slash == std::string::npos ? std::string(".") : path.substr(0, slash);
  std::string file = slash == std::string::npos ? path : path.substr(slash + 1);
  if (file != m.id + std::string(kManifestSuffix))
    return bad("file name '" + file + "' does not match its id '" + m.id + "' (expected '" + m.id +
               std::string(kManifestSuffix) + "')");
  m.path = path;
  m.library = folder + "/" + m.library;
  return m;
}

sdk::Result<Manifest> read_manifest(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return sdk::Status::general(std::string("cannot read manifest: ") + std::strerror(errno));
  std::string text;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int e = errno;
      ::close(fd);
      return sdk::Status::general(std::string("cannot read manifest: ") + std::strerror(e));
    }
    if (n == 0) break;
    text.append(buf, static_cast<size_t>(n));
    if (text.size() > kMaxManifestBytes) {
      ::close(fd);
      return bad("larger than 64 KiB");
    }
  }
  ::close(fd);
  return parse_manifest(text, path);
}

}  // namespace entratool::host
