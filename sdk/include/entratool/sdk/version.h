/* \file version.h
 * The SDK's version (docs/plugin-abi.md has the rule): MAJOR changes only when something in
 * abi.h changes incompatibly (a member removed, reordered or retyped); everything else (a new
 * service, extension, component kind, or a member appended to a sized struct) is MINOR. A plugin
 * built for MAJOR.N loads in every host MAJOR.M with M >= N. C and C++. */
#ifndef ENTRATOOL_SDK_VERSION_H
#define ENTRATOOL_SDK_VERSION_H

#define ENTRATOOL_SDK_VERSION_MAJOR 2
#define ENTRATOOL_SDK_VERSION_MINOR 1

#define ENTRATOOL_SDK_STRINGIFY2(x) #x
#define ENTRATOOL_SDK_STRINGIFY(x) ENTRATOOL_SDK_STRINGIFY2(x)

/* Informative only (the boundary is C, so any compiler and C++ library may build a plugin):
 * what built the binary, shown by `entratool plugins info`. */
#if defined(__clang__)
#define ENTRATOOL_SDK_COMPILER "clang-" ENTRATOOL_SDK_STRINGIFY(__clang_major__)
#elif defined(__GNUC__)
#define ENTRATOOL_SDK_COMPILER "gcc-" ENTRATOOL_SDK_STRINGIFY(__GNUC__)
#elif defined(_MSC_VER)
#define ENTRATOOL_SDK_COMPILER "msvc-" ENTRATOOL_SDK_STRINGIFY(_MSC_VER)
#else
#define ENTRATOOL_SDK_COMPILER "unknown-compiler"
#endif
#if defined(_LIBCPP_VERSION)
#define ENTRATOOL_SDK_STDLIB "libc++"
#elif defined(__GLIBCXX__)
#define ENTRATOOL_SDK_STDLIB "libstdc++"
#elif defined(_MSC_VER)
#define ENTRATOOL_SDK_STDLIB "msvc-stl"
#elif defined(__cplusplus)
#define ENTRATOOL_SDK_STDLIB "unknown-c++-library"
#else
#define ENTRATOOL_SDK_STDLIB "c"
#endif
/** "<compiler>;<library>", e.g. "clang-14;libc++". */
#define ENTRATOOL_SDK_BUILT_WITH ENTRATOOL_SDK_COMPILER ";" ENTRATOOL_SDK_STDLIB

#endif /* ENTRATOOL_SDK_VERSION_H */
