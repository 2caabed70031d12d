// KeychainApi on the Security framework (macOS only). Generic passwords through the SecItem API;
// a keychain file named by the "keychain" setting is opened with SecKeychainOpen and used through
// kSecUseKeychain (adding) and kSecMatchSearchList (everything else). No secret is ever passed to
// a child process: there is none (no `security` command).
#include <CoreFoundation/CoreFoundation.h>
#include <Security/Security.h>

#include <string>
#include <utility>

#include "keychain_api.h"

// SecKeychainOpen and kSecUseKeychain belong to the file-based keychain API that Apple marks
// deprecated; it is the one that works for a command-line tool without entitlements.
#pragma clang diagnostic ignored "-Wdeprecated-declarations"

namespace entratool::keystore {

namespace {

/// Owns one Core Foundation reference.
template <class T>
class CfRef {
 public:
  CfRef() = default;
  explicit CfRef(T ref) : ref_(ref) {}
  CfRef(const CfRef&) = delete;
  CfRef& operator=(const CfRef&) = delete;
  CfRef(CfRef&& other) noexcept : ref_(std::exchange(other.ref_, nullptr)) {}
  CfRef& operator=(CfRef&& other) noexcept {
    if (this != &other) {
      if (ref_) CFRelease(ref_);
      ref_ = std::exchange(other.ref_, nullptr);
    }
    return *this;
  }
  ~CfRef() {
    if (ref_) CFRelease(ref_);
  }
  T get() const { return ref_; }
  explicit operator bool() const { return ref_ != nullptr; }

 private:
  T ref_ = nullptr;
};

CfRef<CFStringRef> cf_string(std::string_view s) {
  return CfRef<CFStringRef>(CFStringCreateWithBytes(kCFAllocatorDefault, reinterpret_cast<const UInt8*>(s.data()),
                                                    static_cast<CFIndex>(s.size()), kCFStringEncodingUTF8, false));
}

CfRef<CFDataRef> cf_data(std::string_view s) {
  return CfRef<CFDataRef>(
      CFDataCreate(kCFAllocatorDefault, reinterpret_cast<const UInt8*>(s.data()), static_cast<CFIndex>(s.size())));
}

/// UTF-8 of a CFString; false when it is not one or cannot be converted.
bool utf8(CFTypeRef value, std::string& out) {
  out.clear();
  if (!value || CFGetTypeID(value) != CFStringGetTypeID()) return false;
  auto str = static_cast<CFStringRef>(value);
  if (const char* fast = CFStringGetCStringPtr(str, kCFStringEncodingUTF8)) {
    out = fast;
    return true;
  }
  CFIndex length = CFStringGetLength(str);
  CFIndex capacity = CFStringGetMaximumSizeForEncoding(length, kCFStringEncodingUTF8) + 1;
  std::string buffer(static_cast<std::size_t>(capacity), '\0');
  if (!CFStringGetCString(str, buffer.data(), capacity, kCFStringEncodingUTF8)) return false;
  buffer.resize(std::char_traits<char>::length(buffer.c_str()));
  out = std::move(buffer);
  return true;
}

class SecurityKeychain final : public KeychainApi {
 public:
  explicit SecurityKeychain(const std::string& keychain_path) {
    if (keychain_path.empty()) return;
    SecKeychainRef keychain = nullptr;
    open_status_ = SecKeychainOpen(keychain_path.c_str(), &keychain);
    keychain_ = CfRef<SecKeychainRef>(keychain);
    if (keychain_) {
      const void* items[] = {keychain_.get()};
      search_list_ = CfRef<CFArrayRef>(CFArrayCreate(kCFAllocatorDefault, items, 1, &kCFTypeArrayCallBacks));
      // SecKeychainOpen succeeds for a path that does not exist; asking for its status does not.
      SecKeychainStatus status = 0;
      OSStatus st = SecKeychainGetStatus(keychain_.get(), &status);
      if (st != errSecSuccess) open_status_ = st;
    }
  }

  std::int32_t add(std::string_view service, std::string_view account, std::string_view data) override {
    if (open_status_ != errSecSuccess) return open_status_;
    auto query = item_query(service, account, /*for_add=*/true);
    if (!query) return errSecAllocate;
    auto value = cf_data(data);
    if (!value) return errSecAllocate;
    CFDictionarySetValue(query.get(), kSecValueData, value.get());
    return SecItemAdd(query.get(), nullptr);
  }

  std::int32_t update(std::string_view service, std::string_view account, std::string_view data) override {
    if (open_status_ != errSecSuccess) return open_status_;
    auto query = item_query(service, account, false);
    auto value = cf_data(data);
    CfRef<CFMutableDictionaryRef> changes(new_dictionary());
    if (!query || !value || !changes) return errSecAllocate;
    CFDictionarySetValue(changes.get(), kSecValueData, value.get());
    return SecItemUpdate(query.get(), changes.get());
  }

  std::int32_t copy_data(std::string_view service, std::string_view account, std::string& data) override {
    data.clear();
    if (open_status_ != errSecSuccess) return open_status_;
    auto query = item_query(service, account, false);
    if (!query) return errSecAllocate;
    CFDictionarySetValue(query.get(), kSecReturnData, kCFBooleanTrue);
    CFDictionarySetValue(query.get(), kSecMatchLimit, kSecMatchLimitOne);
    CFTypeRef result = nullptr;
    OSStatus status = SecItemCopyMatching(query.get(), &result);
    CfRef<CFTypeRef> owned(result);
    if (status != errSecSuccess) return status;
    if (!result || CFGetTypeID(result) != CFDataGetTypeID()) return errSecDecode;
    auto bytes = static_cast<CFDataRef>(result);
    data.assign(reinterpret_cast<const char*>(CFDataGetBytePtr(bytes)),
                static_cast<std::size_t>(CFDataGetLength(bytes)));
    return errSecSuccess;
  }

  std::int32_t remove(std::string_view service, std::string_view account) override {
    if (open_status_ != errSecSuccess) return open_status_;
    auto query = item_query(service, account, false);
    if (!query) return errSecAllocate;
    return SecItemDelete(query.get());
  }

  std::int32_t list_accounts(std::string_view service, std::vector<std::string>& accounts) override {
    accounts.clear();
    if (open_status_ != errSecSuccess) return open_status_;
    auto query = item_query(service, {}, false);
    if (!query) return errSecAllocate;
    CFDictionarySetValue(query.get(), kSecReturnAttributes, kCFBooleanTrue);
    CFDictionarySetValue(query.get(), kSecMatchLimit, kSecMatchLimitAll);
    CFTypeRef result = nullptr;
    OSStatus status = SecItemCopyMatching(query.get(), &result);
    CfRef<CFTypeRef> owned(result);
    if (status != errSecSuccess) return status;
    if (!result) return errSecSuccess;
    // One item may come back as a dictionary rather than an array of one.
    auto add_account = [&](CFTypeRef item) {
      std::string account;
      if (item && CFGetTypeID(item) == CFDictionaryGetTypeID())
        utf8(CFDictionaryGetValue(static_cast<CFDictionaryRef>(item), kSecAttrAccount), account);
      accounts.push_back(std::move(account));
    };
    if (CFGetTypeID(result) == CFArrayGetTypeID()) {
      auto array = static_cast<CFArrayRef>(result);
      for (CFIndex i = 0, n = CFArrayGetCount(array); i < n; ++i) add_account(CFArrayGetValueAtIndex(array, i));
    } else {
      add_account(result);
    }
    return errSecSuccess;
  }

  std::string status_text(std::int32_t status) const override {
    CfRef<CFStringRef> text(SecCopyErrorMessageString(status, nullptr));
    std::string out;
    if (text) utf8(text.get(), out);
    return out;
  }

 private:
  static CFMutableDictionaryRef new_dictionary() {
    return CFDictionaryCreateMutable(kCFAllocatorDefault, 0, &kCFTypeDictionaryKeyCallBacks,
                                     &kCFTypeDictionaryValueCallBacks);
  }

  /// class generic password, the service, the account (when given), and the keychain.
  CfRef<CFMutableDictionaryRef> item_query(std::string_view service, std::string_view account, bool for_add) const {
    CfRef<CFMutableDictionaryRef> query(new_dictionary());
    auto service_ref = cf_string(service);
    if (!query || !service_ref) return CfRef<CFMutableDictionaryRef>();
    CFDictionarySetValue(query.get(), kSecClass, kSecClassGenericPassword);
    CFDictionarySetValue(query.get(), kSecAttrService, service_ref.get());
    if (!account.empty()) {
      auto account_ref = cf_string(account);
      if (!account_ref) return CfRef<CFMutableDictionaryRef>();
      CFDictionarySetValue(query.get(), kSecAttrAccount, account_ref.get());
    }
    if (for_add) {
      static const std::string label_prefix = "entratool: ";
      auto label = cf_string(label_prefix + std::string(account));
      if (label) CFDictionarySetValue(query.get(), kSecAttrLabel, label.get());
      if (keychain_) CFDictionarySetValue(query.get(), kSecUseKeychain, keychain_.get());
    } else if (search_list_) {
      CFDictionarySetValue(query.get(), kSecMatchSearchList, search_list_.get());
    }
    return query;
  }

  OSStatus open_status_ = errSecSuccess;
  CfRef<SecKeychainRef> keychain_;
  CfRef<CFArrayRef> search_list_;
};

}  // namespace

std::unique_ptr<KeychainApi> make_security_keychain(const std::string& keychain_path) {
  return std::make_unique<SecurityKeychain>(keychain_path);
}

}  // namespace entratool::keystore
