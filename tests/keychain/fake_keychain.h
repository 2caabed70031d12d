#pragma once
// An in-memory keychain that answers like the Security framework: the same OSStatus codes
// (keychain_api.h) for a duplicate add, a missing item, a locked keychain, a refused or
// cancelled prompt. Every call is recorded, and the next answers can be scripted.

#include <deque>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "keychain_api.h"

namespace keychain_test {

namespace ks = entratool::keystore::keychain_status;

class FakeKeychain final : public entratool::keystore::KeychainApi {
 public:
  using Key = std::pair<std::string, std::string>;  // service, account
  std::map<Key, std::string> items;
  std::vector<std::string> calls;             // "add <account>", "update <account>", ...
  std::deque<std::int32_t> scripted;          // answers for the next calls, before the real behaviour
  std::int32_t locked_status = ks::kSuccess;  // non-zero: every call answers this (locked keychain)
  std::vector<std::string> extra_accounts;    // what list_accounts adds (foreign items, duplicates)

  std::int32_t add(std::string_view service, std::string_view account, std::string_view data) override {
    if (auto s = answer("add", account)) return *s;
    Key key{std::string(service), std::string(account)};
    if (items.count(key)) return ks::kDuplicateItem;
    items[key] = std::string(data);
    return ks::kSuccess;
  }
  std::int32_t update(std::string_view service, std::string_view account, std::string_view data) override {
    if (auto s = answer("update", account)) return *s;
    auto it = items.find(Key{std::string(service), std::string(account)});
    if (it == items.end()) return ks::kItemNotFound;
    it->second = std::string(data);
    return ks::kSuccess;
  }
  std::int32_t copy_data(std::string_view service, std::string_view account, std::string& data) override {
    if (auto s = answer("copy_data", account)) return *s;
    auto it = items.find(Key{std::string(service), std::string(account)});
    if (it == items.end()) return ks::kItemNotFound;
    data = it->second;
    return ks::kSuccess;
  }
  std::int32_t remove(std::string_view service, std::string_view account) override {
    if (auto s = answer("remove", account)) return *s;
    return items.erase(Key{std::string(service), std::string(account)}) ? ks::kSuccess : ks::kItemNotFound;
  }
  std::int32_t list_accounts(std::string_view service, std::vector<std::string>& accounts) override {
    if (auto s = answer("list_accounts", "")) return *s;
    accounts.clear();
    for (const auto& [key, value] : items)
      if (key.first == service) accounts.push_back(key.second);
    accounts.insert(accounts.end(), extra_accounts.begin(), extra_accounts.end());
    return accounts.empty() ? ks::kItemNotFound : ks::kSuccess;
  }
  std::string status_text(std::int32_t status) const override {
    return status == -61 ? "Write permissions error." : std::string();
  }

 private:
  std::optional<std::int32_t> answer(const char* call, std::string_view account) {
    calls.push_back(std::string(call) + (account.empty() ? "" : " " + std::string(account)));
    if (locked_status != ks::kSuccess) return locked_status;
    if (scripted.empty()) return std::nullopt;
    std::int32_t s = scripted.front();
    scripted.pop_front();
    return s;
  }
};

}  // namespace keychain_test
