#include "core/token_cache.h"

#include <algorithm>
#include <cctype>

#include "entratool/sdk/secret_store.h"
#include "entratool/support/json.h"
#include "entratool/support/sha256.h"

namespace entratool::host {

namespace json = support::json;
using std::chrono::system_clock;

namespace {

// Bump when the entry layout changes; older entries then read as misses and are replaced.
constexpr long long kEntryVersion = 1;

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::vector<std::string> sorted_unique(std::vector<std::string> scopes) {
  std::sort(scopes.begin(), scopes.end());
  scopes.erase(std::unique(scopes.begin(), scopes.end()), scopes.end());
  scopes.erase(std::remove(scopes.begin(), scopes.end(), std::string()), scopes.end());
  return scopes;
}

long long epoch_ms(system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}
system_clock::time_point from_epoch_ms(long long ms) {
  // Saturate instead of overflowing the nanosecond count (an edited entry is still bounded).
  const long long limit = std::chrono::duration_cast<std::chrono::milliseconds>(system_clock::duration::max()).count();
  ms = std::clamp(ms, 0LL, limit);  // no token expires before 1970; now - 0 cannot overflow
  return system_clock::time_point(std::chrono::duration_cast<system_clock::duration>(std::chrono::milliseconds(ms)));
}

std::string join(const std::vector<std::string>& items, char sep) {
  std::string out;
  for (const auto& s : items) {
    if (!out.empty()) out += sep;
    out += s;
  }
  return out;
}

}  // namespace

TokenCache::TokenCache(sdk::SecretStore& store) : store_(store) {}

std::string TokenCache::normalised_key(const CacheKey& key) {
  // Newlines cannot occur in any field (URLs, GUIDs, flow ids and scopes have no whitespace),
  // so the joined text is unambiguous.
  std::string text =
      "v1\n" + lower(key.authority) + "\n" + lower(key.tenant) + "\n" + key.client_id + "\n" + key.flow + "\n";
  text += join(sorted_unique(key.scopes), '\n');
  return text;
}

std::string TokenCache::key_hash(const CacheKey& key) { return support::sha256_hex(normalised_key(key)); }

std::string TokenCache::profile_prefix(std::string_view profile) { return "token/" + std::string(profile) + "/"; }

std::string TokenCache::entry_name(const CacheKey& key) { return profile_prefix(key.profile) + key_hash(key); }

std::string TokenCache::serialize_entry(const CacheKey& key, const sdk::TokenResponse& token,
                                        system_clock::time_point stored_at) {
  json::Value doc = json::Value::object();
  doc.set("version", json::Value::number(kEntryVersion));
  doc.set("key", json::Value::string(normalised_key(key)));
  doc.set("stored_at_ms", json::Value::number(epoch_ms(stored_at)));
  doc.set("access_token", json::Value::string(token.access_token));
  doc.set("token_type", json::Value::string(token.token_type));
  doc.set("expires_at_ms", json::Value::number(epoch_ms(token.expires_at)));
  json::Value scopes = json::Value::array();
  for (const auto& s : token.scopes) scopes.push_back(json::Value::string(s));
  doc.set("scopes", std::move(scopes));
  if (!token.refresh_token.empty()) doc.set("refresh_token", json::Value::string(token.refresh_token));
  if (!token.id_token.empty()) doc.set("id_token", json::Value::string(token.id_token));
  // Extra fields are kept as [name, raw JSON text] pairs so they come back byte for byte.
  json::Value extra = json::Value::array();
  for (const auto& [name, raw] : token.extra) {
    json::Value pair = json::Value::array();
    pair.push_back(json::Value::string(name));
    pair.push_back(json::Value::string(raw));
    extra.push_back(std::move(pair));
  }
  doc.set("extra", std::move(extra));
  return json::serialize(doc);
}

std::optional<CachedToken> TokenCache::parse_entry(std::string_view text, const CacheKey* key) {
  auto parsed = json::parse(text);
  if (!parsed || !parsed->is_object()) return std::nullopt;
  const json::Value& doc = *parsed;
  const json::Value* version = doc.find("version");
  if (!version || version->as_int() != kEntryVersion) return std::nullopt;
  if (key) {
    const json::Value* stored_key = doc.find("key");
    if (!stored_key || !stored_key->is_string() || stored_key->text() != normalised_key(*key)) return std::nullopt;
  }
  const json::Value* access = doc.find("access_token");
  const json::Value* expires = doc.find("expires_at_ms");
  const json::Value* stored = doc.find("stored_at_ms");
  if (!access || !access->is_string() || access->text().empty()) return std::nullopt;
  if (!expires || !expires->as_int() || !stored || !stored->as_int()) return std::nullopt;
  CachedToken out;
  out.token.access_token = access->text();
  out.token.token_type = doc.get_string("token_type", "Bearer");
  out.token.expires_at = from_epoch_ms(*expires->as_int());
  out.stored_at = from_epoch_ms(*stored->as_int());
  if (const json::Value* scopes = doc.find("scopes"); scopes && scopes->is_array()) {
    for (const auto& s : scopes->items()) {
      if (!s.is_string()) return std::nullopt;
      out.token.scopes.push_back(s.text());
    }
  }
  out.key_text = doc.get_string("key");
  out.token.refresh_token = doc.get_string("refresh_token");
  out.token.id_token = doc.get_string("id_token");
  if (const json::Value* extra = doc.find("extra"); extra && extra->is_array()) {
    for (const auto& pair : extra->items()) {
      if (!pair.is_array() || pair.items().size() != 2 || !pair.items()[0].is_string() || !pair.items()[1].is_string())
        return std::nullopt;
      out.token.extra.emplace_back(pair.items()[0].text(), pair.items()[1].text());
    }
  }
  return out;
}

sdk::Result<std::optional<sdk::TokenResponse>> TokenCache::find(const CacheKey& key, system_clock::time_point now,
                                                                std::chrono::seconds min_validity) {
  auto value = store_.get(entry_name(key));
  if (!value) return value.status();
  if (!value->has_value()) return std::optional<sdk::TokenResponse>();
  auto entry = parse_entry(**value, &key);
  if (!entry) return std::optional<sdk::TokenResponse>();  // damaged or foreign: a miss, replaced on store
  if (entry->token.expires_at - now < min_validity) return std::optional<sdk::TokenResponse>();
  return std::optional<sdk::TokenResponse>(std::move(entry->token));
}

sdk::Status TokenCache::store(const CacheKey& key, const sdk::TokenResponse& token,
                              system_clock::time_point stored_at) {
  return store_.put(entry_name(key), serialize_entry(key, token, stored_at));
}

sdk::Status TokenCache::erase(const CacheKey& key) { return store_.erase(entry_name(key)); }

sdk::Result<std::optional<sdk::TokenResponse>> TokenCache::latest_for_profile(std::string_view profile) {
  auto names = store_.list(profile_prefix(profile));
  if (!names) return names.status();
  std::optional<CachedToken> best;
  std::optional<sdk::Status> first_error;
  for (const auto& name : *names) {
    auto value = store_.get(name);
    if (!value) {  // one damaged entry must not hide the others
      if (!first_error) first_error = value.status();
      continue;
    }
    if (!value->has_value()) continue;  // removed meanwhile
    auto entry = parse_entry(**value);
    if (entry && (!best || entry->stored_at > best->stored_at)) best = std::move(entry);
  }
  if (!best && first_error) return *first_error;  // nothing usable, and the store said why
  if (!best) return std::optional<sdk::TokenResponse>();
  return std::optional<sdk::TokenResponse>(std::move(best->token));
}

std::optional<CacheKey> TokenCache::key_from_text(std::string_view text, std::string_view profile) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start <= text.size()) {
    size_t nl = text.find('\n', start);
    lines.emplace_back(text.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start));
    if (nl == std::string_view::npos) break;
    start = nl + 1;
  }
  if (lines.size() < 5 || lines[0] != "v1") return std::nullopt;
  CacheKey key{lines[1], lines[2], lines[3], lines[4], {}, std::string(profile)};
  for (size_t i = 5; i < lines.size(); ++i) key.scopes.push_back(lines[i]);
  if (normalised_key(key) != text) return std::nullopt;
  return key;
}

sdk::Result<std::vector<std::pair<CacheKey, CachedToken>>> TokenCache::entries_of_profile(std::string_view profile) {
  auto names = store_.list(profile_prefix(profile));
  if (!names) return names.status();
  std::vector<std::pair<CacheKey, CachedToken>> out;
  for (const auto& name : *names) {
    auto value = store_.get(name);
    if (!value || !value->has_value()) continue;  // damaged or removed meanwhile: not a candidate
    auto entry = parse_entry(**value);
    if (!entry) continue;
    auto key = key_from_text(entry->key_text, profile);
    if (!key || entry_name(*key) != name) continue;
    out.emplace_back(std::move(*key), std::move(*entry));
  }
  return out;
}

sdk::Status TokenCache::erase_profile(std::string_view profile) {
  auto names = store_.list(profile_prefix(profile));
  if (!names) return names.status();
  for (const auto& name : *names)
    if (auto s = store_.erase(name); !s) return s;
  return sdk::Status::ok();
}

}  // namespace entratool::host
