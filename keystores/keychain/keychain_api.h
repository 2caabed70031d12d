#pragma once
/// \file keychain_api.h
/// The few Security framework calls the Keychain store makes, behind an interface, so that the
/// store's logic (names, listing, error mapping, sizes) is tested on any platform against a fake
/// that answers with the framework's real status codes (tests/keychain). The real implementation,
/// keychain_security.cpp, is built on macOS only.
///
/// Every item is a generic password (kSecClassGenericPassword) identified by its service and
/// account; the data is the secret's value as it is. Calls return an OSStatus; nothing throws
/// except std::bad_alloc. One instance is used by one thread.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace entratool::keystore {

/// OSStatus values the store acts on (Security/SecBase.h, MacTypes.h).
namespace keychain_status {
inline constexpr std::int32_t kSuccess = 0;                     // errSecSuccess
inline constexpr std::int32_t kUserCanceled = -128;             // errSecUserCanceled
inline constexpr std::int32_t kParam = -50;                     // errSecParam
inline constexpr std::int32_t kNotAvailable = -25291;           // errSecNotAvailable: no keychain at all
inline constexpr std::int32_t kReadOnly = -25292;               // errSecReadOnly
inline constexpr std::int32_t kAuthFailed = -25293;             // errSecAuthFailed
inline constexpr std::int32_t kNoSuchKeychain = -25294;         // errSecNoSuchKeychain
inline constexpr std::int32_t kInvalidKeychain = -25295;        // errSecInvalidKeychain
inline constexpr std::int32_t kDuplicateItem = -25299;          // errSecDuplicateItem
inline constexpr std::int32_t kItemNotFound = -25300;           // errSecItemNotFound
inline constexpr std::int32_t kDataTooLarge = -25302;           // errSecDataTooLarge
inline constexpr std::int32_t kNoDefaultKeychain = -25307;      // errSecNoDefaultKeychain
inline constexpr std::int32_t kInteractionNotAllowed = -25308;  // errSecInteractionNotAllowed: locked, no UI
inline constexpr std::int32_t kInteractionRequired = -25315;    // errSecInteractionRequired
inline constexpr std::int32_t kDecode = -26275;                 // errSecDecode
inline constexpr std::int32_t kMissingEntitlement = -34018;     // errSecMissingEntitlement
}  // namespace keychain_status

/// One keychain (or the user's default search list), as the store needs it.
class KeychainApi {
 public:
  virtual ~KeychainApi() = default;
  /// SecItemAdd of a new item with `data`; kDuplicateItem when (service, account) exists.
  virtual std::int32_t add(std::string_view service, std::string_view account, std::string_view data) = 0;
  /// SecItemUpdate of the existing item's data; kItemNotFound when there is none.
  virtual std::int32_t update(std::string_view service, std::string_view account, std::string_view data) = 0;
  /// SecItemCopyMatching with kSecReturnData: the item's data into `data`.
  virtual std::int32_t copy_data(std::string_view service, std::string_view account, std::string& data) = 0;
  /// SecItemDelete of the item; kItemNotFound when there is none.
  virtual std::int32_t remove(std::string_view service, std::string_view account) = 0;
  /// SecItemCopyMatching with kSecMatchLimitAll and kSecReturnAttributes: the account of every
  /// item of `service` (kItemNotFound when there is none). An item whose account is not a UTF-8
  /// string is given as an empty string.
  virtual std::int32_t list_accounts(std::string_view service, std::vector<std::string>& accounts) = 0;
  /// The framework's own text for a status (SecCopyErrorMessageString), or empty.
  virtual std::string status_text(std::int32_t status) const = 0;
};

/// The Security framework implementation (macOS only, keychain_security.cpp). `keychain_path`
/// empty: the user's default keychain for new items and the search list for lookups; else that
/// keychain file alone.
std::unique_ptr<KeychainApi> make_security_keychain(const std::string& keychain_path);

}  // namespace entratool::keystore
