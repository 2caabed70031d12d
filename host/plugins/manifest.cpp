#include "plugins/manifest.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "entratool/support/json.h"

namespace entratool::host {

namespace {

// Manifests are tiny; a huge file is a mistake or an attack, never a manifest.
constexpr size_t kMaxManifestBytes = 64 * 1024;

bool valid_id(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  auto lower_or_digit = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!lower_or_digit(id[0])) return false;
  for (char c : id)
    if (!lower_or_digit(c) && c != '.' && c != '_' && c != '-') return false;
  return true;
}

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

sdk::Status bad(std::string what) { return sdk::Status::general("invalid manifest: " + what); }

}  // namespace

bool is_plugin_kind(std::string_view kind) {
  return kind == "flow" || kind == "formatter" || kind == "secret-store";
}

sdk::Result<Manifest> parse_manifest(std::string_view text, const std::string& path) {
  auto doc = support::json::parse(text, {8});
  if (!doc) return bad(doc.status().message());
  if (!doc->is_object()) return bad("not a JSON object");

  const auto* format = doc->find("entratool_plugin_manifest");
  if (!format) return bad("\"entratool_plugin_manifest\" is missing");
  if (format->as_int() != 1) return bad("unsupported manifest format " + format->text() + " (this entratool reads format 1)");

  auto string_field = [&](const char* name, std::string& out) -> sdk::Status {
    const auto* v = doc->find(name);
    if (!v) return bad(std::string("\"") + name + "\" is missing");
    if (!v->is_string()) return bad(std::string("\"") + name + "\" is not a string");
    out = v->text();
    return sdk::Status::ok();
  };

  Manifest m;
  std::string sdk_text;
  for (auto [name, out] : {std::pair<const char*, std::string*>{"id", &m.id}, {"kind", &m.kind},
                           {"version", &m.version}, {"sdk", &sdk_text}, {"library", &m.library}}) {
    if (auto s = string_field(name, *out); !s) return s;
  }
  if (const auto* d = doc->find("description"); d && d->is_string()) m.description = d->text();

  if (!valid_id(m.id)) return bad("id '" + m.id + "' is not lower-case letters, digits, '.', '_' or '-'");
  if (!is_plugin_kind(m.kind)) return bad("kind '" + m.kind + "' is not flow, formatter or secret-store");
  if (m.version.empty()) return bad("\"version\" is empty");
  if (!parse_sdk_version(sdk_text, m.sdk_major, m.sdk_minor)) return bad("sdk '" + sdk_text + "' is not MAJOR.MINOR");
  // The library must sit beside the manifest: a path here could point anywhere.
  if (m.library.empty() || m.library.find('/') != std::string::npos || m.library == "." || m.library == "..")
    return bad("library '" + m.library + "' must be a file name in the manifest's folder");

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
