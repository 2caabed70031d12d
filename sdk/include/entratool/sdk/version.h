#pragma once
/// \file version.h
/// The SDK's API version and ABI tag. See docs/plugin-abi.md for the version-bump rule:
/// MAJOR changes when any public type's layout or virtual table changes (old plugins are refused);
/// MINOR changes when something is only added (a plugin built for minor N loads in hosts >= N).

#define ENTRATOOL_SDK_VERSION_MAJOR 1
#define ENTRATOOL_SDK_VERSION_MINOR 0

#define ENTRATOOL_SDK_STRINGIFY2(x) #x
#define ENTRATOOL_SDK_STRINGIFY(x) ENTRATOOL_SDK_STRINGIFY2(x)

// The part of the ABI tag that must match: the C++ standard library and its ABI flavour.
// (g++ and clang++ on Linux share libstdc++ and are interchangeable; libc++ and MSVC are not.)
#if defined(_LIBCPP_VERSION)
#define ENTRATOOL_SDK_ABI_STDLIB "libc++"
#elif defined(__GLIBCXX__)
#if defined(_GLIBCXX_USE_CXX11_ABI) && _GLIBCXX_USE_CXX11_ABI
#define ENTRATOOL_SDK_ABI_STDLIB "libstdc++-cxx11"
#else
#define ENTRATOOL_SDK_ABI_STDLIB "libstdc++-cow"
#endif
#elif defined(_MSC_VER)
#define ENTRATOOL_SDK_ABI_STDLIB "msvc-" ENTRATOOL_SDK_STRINGIFY(_MSC_VER)
#else
#define ENTRATOOL_SDK_ABI_STDLIB "unknown"
#endif

// The informative part: which compiler built the binary.
#if defined(__clang__)
#define ENTRATOOL_SDK_ABI_COMPILER "clang-" ENTRATOOL_SDK_STRINGIFY(__clang_major__)
#elif defined(__GNUC__)
#define ENTRATOOL_SDK_ABI_COMPILER "gcc-" ENTRATOOL_SDK_STRINGIFY(__GNUC__)
#elif defined(_MSC_VER)
#define ENTRATOOL_SDK_ABI_COMPILER "msvc"
#else
#define ENTRATOOL_SDK_ABI_COMPILER "unknown"
#endif

/// "<stdlib>;<compiler>": the host compares the part before ';' and shows the whole.
#define ENTRATOOL_SDK_ABI_TAG ENTRATOOL_SDK_ABI_STDLIB ";" ENTRATOOL_SDK_ABI_COMPILER

namespace entratool::sdk {
inline constexpr int kSdkMajor = ENTRATOOL_SDK_VERSION_MAJOR;  ///< API major this SDK defines
inline constexpr int kSdkMinor = ENTRATOOL_SDK_VERSION_MINOR;  ///< API minor this SDK defines
}  // namespace entratool::sdk
