#include "dpapi_store.h"

// clang-format off
#include <windows.h>
#include <wincrypt.h>
// clang-format on

#include <algorithm>
#include <atomic>
#include <cstring>
#include <exception>

#include "entratool/support/sha256.h"

namespace entratool::keystore {

using sdk::Result;
using sdk::Status;

namespace {

constexpr std::string_view kSecSuffix = ".sec";
constexpr std::string_view kTempMarker = ".tmp-";
const char kRecoveryAdvice[] = "it was left untouched — restore it or remove it and store the secret again";
/// A temporary file older than this was left by a writer that died (a live writer moves its own
/// within milliseconds of creating it).
constexpr ULONGLONG kOrphanAge100ns = 10ULL * 60 * 1000 * 1000 * 10;

/// A general error (exit 1) with a machine-readable code: "corrupt", "io", "too_large".
Status failure(std::string message, std::string code = {}) {
  return Status::error(sdk::ErrorCategory::general, std::move(message), std::move(code));
}

std::string quoted(const std::string& path) { return "'" + path + "'"; }

/// "error 13 (The data is invalid)" for a Windows error code.
std::string win_error(DWORD code) {
  std::string text = "error " + std::to_string(code);
  char* buf = nullptr;
  DWORD n =
      ::FormatMessageA(FORMAT_MESSAGE_ALLOCATE_BUFFER | FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS,
                       nullptr, code, 0, reinterpret_cast<char*>(&buf), 0, nullptr);
  if (n > 0 && buf) {
    std::string message(buf, n);
    while (!message.empty() &&
           (message.back() == '\r' || message.back() == '\n' || message.back() == ' ' || message.back() == '.'))
      message.pop_back();
    if (!message.empty()) text.append(" (").append(message).append(")");
  }
  if (buf) ::LocalFree(buf);
  return text;
}

/// UTF-8 to UTF-16 for the wide file APIs; an invalid sequence gives an empty string.
std::wstring widen(const std::string& s) {
  if (s.empty()) return {};
  int n = ::MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s.data(), static_cast<int>(s.size()), nullptr, 0);
  if (n <= 0) return {};
  std::wstring w(static_cast<std::size_t>(n), L'\0');
  ::MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s.data(), static_cast<int>(s.size()), w.data(), n);
  return w;
}

std::string narrow(const std::wstring& w) {
  if (w.empty()) return {};
  int n = ::WideCharToMultiByte(CP_UTF8, 0, w.data(), static_cast<int>(w.size()), nullptr, 0, nullptr, nullptr);
  if (n <= 0) return {};
  std::string s(static_cast<std::size_t>(n), '\0');
  ::WideCharToMultiByte(CP_UTF8, 0, w.data(), static_cast<int>(w.size()), s.data(), n, nullptr, nullptr);
  return s;
}

void wipe(std::string& s) {
  if (!s.empty()) ::SecureZeroMemory(s.data(), s.size());
  s.clear();
}

bool valid_name(std::string_view name) {
  if (name.empty() || name.size() > kDpapiMaxNameLength) return false;
  return std::all_of(name.begin(), name.end(), [](char c) { return c >= 0x20 && c <= 0x7e; });
}

Status invalid_name() {
  return failure("invalid secret name (it must be 1 to " + std::to_string(kDpapiMaxNameLength) +
                 " printable ASCII characters)");
}

Status not_opened() { return failure("secret store used before it was opened"); }

Status corrupt(const std::string& shown, const std::string& what) {
  return failure("secret store file " + shown + " " + what + "; " + kRecoveryAdvice, "corrupt");
}

bool is_hex64(std::string_view s) {
  return s.size() == 64 &&
         std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

bool is_entry_file_name(std::string_view file) {
  return file.size() == 64 + kSecSuffix.size() && file.substr(64) == kSecSuffix && is_hex64(file.substr(0, 64));
}

bool is_temporary_file_name(std::string_view file) {
  auto pos = file.find(kTempMarker);
  return pos == 64 + kSecSuffix.size() && is_entry_file_name(file.substr(0, pos));
}

void put_u32(std::string& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>((v >> shift) & 0xff));
}

std::uint32_t get_u32(std::string_view in) {
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<unsigned char>(in[static_cast<std::size_t>(i)]);
  return v;
}

/// The entropy as the DATA_BLOB DPAPI wants; the bytes are constant.
DATA_BLOB entropy_blob() {
  return DATA_BLOB{static_cast<DWORD>(kDpapiEntropy.size()),
                   reinterpret_cast<BYTE*>(const_cast<char*>(kDpapiEntropy.data()))};
}

/// A handle closed on every path.
struct Handle {
  HANDLE h = INVALID_HANDLE_VALUE;
  Handle() = default;
  explicit Handle(HANDLE handle) : h(handle) {}
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  ~Handle() {
    if (h != INVALID_HANDLE_VALUE) ::CloseHandle(h);
  }
  bool valid() const { return h != INVALID_HANDLE_VALUE; }
  void close() {
    if (h != INVALID_HANDLE_VALUE) ::CloseHandle(h);
    h = INVALID_HANDLE_VALUE;
  }
};

/// Reads a whole file that must be a regular file of ours (not a link or junction); nullopt when
/// it does not exist. Opened with every share mode, so a writer can move a new file over it and
/// a remover can delete it while it is read.
Result<std::optional<std::string>> read_if_exists(const std::string& path) {
  std::wstring wpath = widen(path);
  Handle file(::CreateFileW(wpath.c_str(), GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                            nullptr, OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL | FILE_FLAG_OPEN_REPARSE_POINT, nullptr));
  if (!file.valid()) {
    DWORD err = ::GetLastError();
    if (err == ERROR_FILE_NOT_FOUND || err == ERROR_PATH_NOT_FOUND) return std::optional<std::string>();
    return failure("cannot read " + quoted(path) + ": " + win_error(err), "io");
  }
  BY_HANDLE_FILE_INFORMATION info{};
  if (!::GetFileInformationByHandle(file.h, &info))
    return failure("cannot read " + quoted(path) + ": " + win_error(::GetLastError()), "io");
  if (info.dwFileAttributes & (FILE_ATTRIBUTE_REPARSE_POINT | FILE_ATTRIBUTE_DIRECTORY))
    return failure(quoted(path) + " is a link or a folder; the secret store only uses its own files - remove it");
  unsigned long long size = (static_cast<unsigned long long>(info.nFileSizeHigh) << 32) | info.nFileSizeLow;
  if (size > kDpapiMaxValueSize + kDpapiMaxNameLength + 64 * 1024)
    return failure("the secret store file " + quoted(path) + " is too large to be ours; " + kRecoveryAdvice, "corrupt");
  std::string data(static_cast<std::size_t>(size), '\0');
  std::size_t done = 0;
  while (done < data.size()) {
    DWORD got = 0;
    DWORD want = static_cast<DWORD>(std::min<std::size_t>(data.size() - done, 1u << 20));
    if (!::ReadFile(file.h, data.data() + done, want, &got, nullptr))
      return failure("cannot read " + quoted(path) + ": " + win_error(::GetLastError()), "io");
    if (got == 0) break;  // shrank while we read: what we have is checked like any other content
    done += got;
  }
  data.resize(done);
  return std::optional<std::string>(std::move(data));
}

/// Creates `dir` and its missing parents. (The user's profile folders carry an ACL that admits
/// only the user, SYSTEM and administrators; new folders inherit it.)
Status create_folders(const std::string& dir) {
  std::wstring w = widen(dir);
  if (w.empty()) return failure("the secret store folder " + quoted(dir) + " is not valid UTF-8");
  auto is_sep = [](wchar_t c) { return c == L'\\' || c == L'/'; };
  std::size_t start = 1;
  if (w.size() > 2 && is_sep(w[0]) && is_sep(w[1])) {
    // \\server\share\...: the share itself is never created.
    std::size_t seps = 0;
    for (start = 2; start < w.size() && seps < 2; ++start)
      if (is_sep(w[start])) ++seps;
  }
  for (std::size_t i = start; i <= w.size(); ++i) {
    if (i != w.size() && !is_sep(w[i])) continue;
    std::wstring part = w.substr(0, i);
    if (part.size() == 2 && part[1] == L':') continue;  // a drive, "C:"
    if (!::CreateDirectoryW(part.c_str(), nullptr)) {
      DWORD err = ::GetLastError();
      // An existing folder is fine whatever the error says (C:\Users may answer access denied).
      DWORD attrs = ::GetFileAttributesW(part.c_str());
      if (attrs != INVALID_FILE_ATTRIBUTES && (attrs & FILE_ATTRIBUTE_DIRECTORY)) continue;
      return failure("cannot create the secret store folder " + quoted(narrow(part)) + ": " + win_error(err), "io");
    }
  }
  return Status::ok();
}

/// Writes `data` to a new temporary file beside `path`, flushes it and moves it over `path`
/// (MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH): a reader sees the old file or the new one.
Status atomic_write(const std::string& path, std::string_view data) {
  static std::atomic<unsigned> counter{0};
  std::wstring target = widen(path);
  std::wstring temp;
  Handle file;
  for (int attempt = 0; attempt < 16 && !file.valid(); ++attempt) {
    temp = target + widen(std::string(kTempMarker) + std::to_string(::GetCurrentProcessId()) + "-" +
                          std::to_string(::GetTickCount64()) + "-" + std::to_string(counter++));
    // No sharing: nobody reads, writes or deletes a temporary file while it is being written.
    file.h = ::CreateFileW(temp.c_str(), GENERIC_WRITE, 0, nullptr, CREATE_NEW, FILE_ATTRIBUTE_NORMAL, nullptr);
    if (!file.valid() && ::GetLastError() != ERROR_FILE_EXISTS)
      return failure("cannot write " + quoted(narrow(temp)) + ": " + win_error(::GetLastError()), "io");
  }
  if (!file.valid()) return failure("cannot create a temporary file beside " + quoted(path), "io");
  auto fail = [&](const std::string& what, DWORD err) {
    file.close();
    ::DeleteFileW(temp.c_str());
    return failure(what + ": " + win_error(err), "io");
  };
  std::size_t done = 0;
  while (done < data.size()) {
    DWORD wrote = 0;
    DWORD want = static_cast<DWORD>(std::min<std::size_t>(data.size() - done, 1u << 20));
    if (!::WriteFile(file.h, data.data() + done, want, &wrote, nullptr) || wrote == 0)
      return fail("cannot write " + quoted(narrow(temp)), ::GetLastError());
    done += wrote;
  }
  if (!::FlushFileBuffers(file.h)) return fail("cannot flush " + quoted(narrow(temp)), ::GetLastError());
  file.close();
  // A scanner or indexer may hold the old file open for a moment without FILE_SHARE_DELETE.
  for (int attempt = 0;; ++attempt) {
    if (::MoveFileExW(temp.c_str(), target.c_str(), MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH))
      return Status::ok();
    DWORD err = ::GetLastError();
    if ((err != ERROR_ACCESS_DENIED && err != ERROR_SHARING_VIOLATION) || attempt >= 50) {
      ::DeleteFileW(temp.c_str());
      return failure("cannot replace " + quoted(path) + ": " + win_error(err), "io");
    }
    ::Sleep(20);
  }
}

/// What a CryptUnprotectData failure means, for the user.
std::string unprotect_reason(DWORD err) {
  std::string reason = "cannot be decrypted by DPAPI: " + win_error(err);
  if (err == ERROR_INVALID_DATA)
    reason += " - it is damaged, or was sealed by another Windows user, on another machine or by another program";
  else if (static_cast<HRESULT>(err) == NTE_BAD_KEY_STATE)
    reason += " - the user's DPAPI key is unavailable (was the password reset by an administrator?)";
  return reason;
}

Status catch_all(const char* what) { return failure(std::string("secret store: unexpected failure while ") + what); }

}  // namespace

Status DpapiStore::open(const sdk::StoreContext& context, sdk::HostServices& services) {
  if (context.directory.empty()) return failure("secret store: no folder given");
  dir_ = context.directory;
  while (dir_.size() > 3 && (dir_.back() == '\\' || dir_.back() == '/')) dir_.pop_back();
  if (widen(dir_).empty()) return failure("the secret store folder " + quoted(dir_) + " is not valid UTF-8");
  services_ = &services;
  return Status::ok();  // nothing is created until the first secret is stored
}

std::string DpapiStore::path_for(std::string_view name) const {
  return dir_ + "\\" + support::sha256_hex(name) + std::string(kSecSuffix);
}

Result<std::string> DpapiStore::encode(std::string_view name, std::string_view value) const {
  std::string plain;
  plain.reserve(4 + name.size() + value.size());
  put_u32(plain, static_cast<std::uint32_t>(name.size()));
  plain.append(name).append(value);
  DATA_BLOB in{static_cast<DWORD>(plain.size()), reinterpret_cast<BYTE*>(plain.data())};
  DATA_BLOB entropy = entropy_blob();
  DATA_BLOB out{};
  // CRYPTPROTECT_UI_FORBIDDEN: fail rather than show a dialog (CI, services). Never
  // CRYPTPROTECT_LOCAL_MACHINE: that would let every account on the machine decrypt.
  BOOL ok = ::CryptProtectData(&in, L"entratool secret", &entropy, nullptr, nullptr, CRYPTPROTECT_UI_FORBIDDEN, &out);
  DWORD err = ::GetLastError();
  wipe(plain);
  if (!ok) {
    return failure("DPAPI could not protect secret '" + std::string(name) + "': " + win_error(err) +
                   "; nothing was stored");
  }
  std::string file(kDpapiFileMagic);
  file.push_back(static_cast<char>(kDpapiFileFormat));
  put_u32(file, out.cbData);
  file.append(reinterpret_cast<const char*>(out.pbData), out.cbData);
  ::LocalFree(out.pbData);
  return file;
}

Status DpapiStore::decode(const std::string& shown, std::string_view data, std::string& name,
                          std::string& value) const {
  if (data.size() < kDpapiHeaderSize)
    return corrupt(shown, "is truncated (" + std::to_string(data.size()) + " bytes, shorter than its header)");
  if (data.substr(0, 4) != kDpapiFileMagic) return corrupt(shown, "is not a DPAPI secret store file");
  if (static_cast<unsigned char>(data[4]) != kDpapiFileFormat)
    return corrupt(shown, "has format version " + std::to_string(static_cast<unsigned char>(data[4])) +
                              ", which this entratool does not know (was it written by a newer one?)");
  std::uint32_t blob_size = get_u32(data.substr(5, 4));
  std::size_t have = data.size() - kDpapiHeaderSize;
  if (have < blob_size)
    return corrupt(
        shown, "is truncated (" + std::to_string(have) + " of " + std::to_string(blob_size) + " bytes of sealed data)");
  if (have > blob_size)
    return corrupt(shown, "has " + std::to_string(have - blob_size) + " unexpected bytes at its end");
  DATA_BLOB in{blob_size, reinterpret_cast<BYTE*>(const_cast<char*>(data.data() + kDpapiHeaderSize))};
  DATA_BLOB entropy = entropy_blob();
  DATA_BLOB out{};
  if (!::CryptUnprotectData(&in, nullptr, &entropy, nullptr, nullptr, CRYPTPROTECT_UI_FORBIDDEN, &out)) {
    DWORD err = ::GetLastError();
    if (out.pbData) ::LocalFree(out.pbData);
    return corrupt(shown, unprotect_reason(err));
  }
  std::string_view plain(reinterpret_cast<const char*>(out.pbData), out.cbData);
  Status status;
  std::uint32_t name_size = plain.size() >= 4 ? get_u32(plain) : 0;
  if (plain.size() < 4 || name_size > plain.size() - 4 || name_size == 0) {
    status = corrupt(shown, "holds sealed data that is not a secret of ours");
  } else {
    name.assign(plain.substr(4, name_size));
    value.assign(plain.substr(4 + name_size));
  }
  if (out.pbData) {
    ::SecureZeroMemory(out.pbData, out.cbData);
    ::LocalFree(out.pbData);
  }
  return status;
}

Result<std::optional<std::string>> DpapiStore::get(std::string_view name) {
  try {
    if (!valid_name(name)) return invalid_name();
    if (dir_.empty()) return not_opened();
    std::string path = path_for(name);
    auto data = read_if_exists(path);
    if (!data) return data.status();
    if (!*data) return std::optional<std::string>();
    // Names are not secret: saying which secret is damaged tells the user what to store again.
    std::string shown = quoted(path) + " (secret '" + std::string(name) + "')";
    std::string stored_name;
    std::string value;
    if (Status s = decode(shown, **data, stored_name, value); !s) return s;
    if (stored_name != name) {
      wipe(value);
      return corrupt(shown, "holds another secret than its file name says (was it renamed or copied?)");
    }
    return std::optional<std::string>(std::move(value));
  } catch (const std::exception&) {
    return catch_all("reading a secret");
  }
}

Status DpapiStore::put(std::string_view name, std::string_view value) {
  try {
    if (!valid_name(name)) return invalid_name();
    if (dir_.empty()) return not_opened();
    if (value.size() > kDpapiMaxValueSize)
      return failure("secret '" + std::string(name) + "' is too large for the secret store (" +
                         std::to_string(value.size()) + " bytes; at most 64 MiB); nothing was stored",
                     "too_large");
    if (Status s = create_folders(dir_); !s) return s;
    auto encoded = encode(name, value);
    if (!encoded) return encoded.status();
    return atomic_write(path_for(name), *encoded);
  } catch (const std::exception&) {
    return catch_all("storing a secret");
  }
}

Status DpapiStore::erase(std::string_view name) {
  try {
    if (!valid_name(name)) return invalid_name();
    if (dir_.empty()) return not_opened();
    std::string path = path_for(name);
    if (::DeleteFileW(widen(path).c_str())) return Status::ok();
    DWORD err = ::GetLastError();
    if (err == ERROR_FILE_NOT_FOUND || err == ERROR_PATH_NOT_FOUND) return Status::ok();
    return failure("cannot remove " + quoted(path) + ": " + win_error(err), "io");
  } catch (const std::exception&) {
    return catch_all("removing a secret");
  }
}

void DpapiStore::remove_orphaned_temporaries(const std::vector<std::string>& files) const {
  FILETIME now_ft{};
  ::GetSystemTimeAsFileTime(&now_ft);
  ULARGE_INTEGER now{};
  now.LowPart = now_ft.dwLowDateTime;
  now.HighPart = now_ft.dwHighDateTime;
  for (const std::string& file : files) {
    std::wstring path = widen(dir_ + "\\" + file);
    WIN32_FILE_ATTRIBUTE_DATA attrs{};
    if (!::GetFileAttributesExW(path.c_str(), GetFileExInfoStandard, &attrs)) continue;
    ULARGE_INTEGER written{};
    written.LowPart = attrs.ftLastWriteTime.dwLowDateTime;
    written.HighPart = attrs.ftLastWriteTime.dwHighDateTime;
    // A live writer holds its temporary file open without FILE_SHARE_DELETE, so even a young
    // one could not be deleted; the age check also spares the instant between close and move.
    if (now.QuadPart > written.QuadPart && now.QuadPart - written.QuadPart > kOrphanAge100ns)
      ::DeleteFileW(path.c_str());
  }
}

Result<std::vector<std::string>> DpapiStore::list(std::string_view prefix) {
  try {
    if (dir_.empty()) return not_opened();
    std::vector<std::string> files;
    std::vector<std::string> temporaries;
    WIN32_FIND_DATAW found{};
    std::wstring pattern = widen(dir_) + L"\\*";
    HANDLE find = ::FindFirstFileExW(pattern.c_str(), FindExInfoBasic, &found, FindExSearchNameMatch, nullptr, 0);
    if (find == INVALID_HANDLE_VALUE) {
      DWORD err = ::GetLastError();
      if (err == ERROR_FILE_NOT_FOUND || err == ERROR_PATH_NOT_FOUND) return std::vector<std::string>();
      return failure("cannot list " + quoted(dir_) + ": " + win_error(err), "io");
    }
    do {
      std::string file = narrow(found.cFileName);
      if (found.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) continue;
      if (is_entry_file_name(file))
        files.push_back(std::move(file));
      else if (is_temporary_file_name(file))
        temporaries.push_back(std::move(file));
    } while (::FindNextFileW(find, &found));
    ::FindClose(find);
    if (!temporaries.empty()) remove_orphaned_temporaries(temporaries);

    std::vector<std::string> names;
    std::size_t skipped = 0;
    std::string first_skipped;
    for (const std::string& file : files) {
      std::string path = dir_ + "\\" + file;
      auto data = read_if_exists(path);
      if (data && !*data) continue;  // erased since it was listed
      std::string name;
      std::string value;
      bool ok = data && decode(quoted(path), **data, name, value) &&
                support::sha256_hex(name) + std::string(kSecSuffix) == file;
      wipe(value);
      if (!ok) {
        if (skipped++ == 0) first_skipped = path;
        continue;
      }
      if (name.compare(0, prefix.size(), prefix) == 0) names.push_back(std::move(name));
    }
    if (skipped > 0 && services_) {
      services_->logger().log(sdk::LogLevel::warning,
                              "secret store: skipped " + std::to_string(skipped) +
                                  " file(s) that cannot be read or decrypted (damaged, or sealed by another user), "
                                  "e.g. " +
                                  quoted(first_skipped) + "; they were left untouched");
    }
    std::sort(names.begin(), names.end());
    return names;
  } catch (const std::exception&) {
    return catch_all("listing secrets");
  }
}

std::string DpapiStore::describe() const {
  return "DPAPI store at " + dir_ + " (CryptProtectData with the current Windows user's key; one file per secret)";
}

}  // namespace entratool::keystore
