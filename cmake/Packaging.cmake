# `cpack -G DEB` in the build folder makes two Debian packages under /usr:
#   entratool      the program, its plugins and modules, shell completions and the man page
#   entratool-dev  the plugin SDK (headers, the support library, the CMake package)
# Dependencies are computed by dpkg-shlibdeps (package dpkg-dev) from the binaries.
set(CPACK_PACKAGE_NAME entratool)
set(CPACK_PACKAGE_VENDOR "entratool")
set(CPACK_PACKAGE_CONTACT "entratool maintainers <entratool@example.invalid>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "OAuth2 access tokens from Microsoft Entra ID and other OpenID providers")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)  # as Debian packages are; plugins are found by manifest, not symbols

set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL Unspecified sdk)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION utils)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://github.com/entratool/entratool")

set(CPACK_DEBIAN_UNSPECIFIED_PACKAGE_NAME entratool)
set(CPACK_DEBIAN_UNSPECIFIED_DESCRIPTION
    "OAuth2 access tokens from Microsoft Entra ID and other OpenID providers
 entratool gets access tokens for named profiles from a script, a CI job or a terminal:
 client credentials (secret or certificate), device code, browser sign-in, workload
 identity, CI OIDC and managed identity; tokens are cached in an encrypted store.")
set(CPACK_DEBIAN_SDK_PACKAGE_NAME entratool-dev)
set(CPACK_DEBIAN_SDK_PACKAGE_SECTION libdevel)
set(CPACK_DEBIAN_SDK_DESCRIPTION
    "Plugin SDK for entratool
 Headers and the CMake package (find_package(EntraToolSDK)) to build flow, formatter and
 secret-store plugins for entratool.")
set(CPACK_COMPONENT_UNSPECIFIED_DISPLAY_NAME entratool)
set(CPACK_COMPONENT_SDK_DISPLAY_NAME "entratool SDK")

include(CPack)
