#pragma once
/// \file version.h
/// The support library's own version (json, encoding, files, sha256). It is versioned apart from
/// the SDK contract: the plugin loader never checks it, since these helpers are linked statically
/// into whoever uses them and never cross the plugin boundary.

#define ENTRATOOL_SUPPORT_VERSION_MAJOR 1
#define ENTRATOOL_SUPPORT_VERSION_MINOR 0
