/* The contract between the host and lib/entratool/entratool-http.so, in C only.
 *
 * The host links libstdc++ and libgcc statically, and so does the module (OpenSSL; a sanitizer
 * build's module uses the shared ones). Two C++ runtimes live in one process, so no C++ object,
 * exception or allocation may cross between them: the module hands out the SDK's C HTTP service (et_http_service,
 * abi.h), and the host wraps it in an sdk::HttpClient (host/services/http_module.cpp).
 *
 *   int entratool_http_abi_version(void)                  == ENTRATOOL_HTTP_ABI_VERSION
 *   const et_http_service* entratool_http_service(void)   static storage, never freed; NULL when
 *                                                         the module cannot start
 *
 * The service follows abi.h's rules: the request is a set of views valid during send(); the
 * response goes to the caller's sink during send() (called at most once, and only when send()
 * returns ET_OK); an error is the return value (ET_GENERAL for a request the module refuses:
 * bad URL, http:// to a non-loopback host, unreadable CA bundle, bad proxy setting; ET_NETWORK;
 * ET_TIMEOUT) with the text in the caller's et_status. No exception leaves the module, and the
 * host's sink must not throw either. send() may be called from several threads at once.
 *
 * The module stays loaded until the process exits: the service's code lives in it. The version
 * guards against a stale module left beside a newer binary.
 */
#ifndef ENTRATOOL_HOST_HTTP_API_H
#define ENTRATOOL_HOST_HTTP_API_H

#include "entratool/sdk/abi.h"

/* 1: entratool_http_create() returned an sdk::HttpClient* (a C++ object).
 * 2: entratool_http_service() returns a C et_http_service. */
#define ENTRATOOL_HTTP_ABI_VERSION 2
#define ENTRATOOL_HTTP_ABI_SYMBOL "entratool_http_abi_version"
#define ENTRATOOL_HTTP_SERVICE_SYMBOL "entratool_http_service"
/* et_status.code of an ET_TIMEOUT that ran out while the name was still being resolved (the
 * DNS resolver did not answer): the message says so, and callers pass it on as it is. */
#define ENTRATOOL_HTTP_RESOLVER_TIMEOUT "resolver_timeout"

#ifdef __cplusplus
extern "C" {
#endif

/* Exported by the module (defined in http_client.cpp; the host looks them up by name). */
ENTRATOOL_PLUGIN_EXPORT int entratool_http_abi_version(void);
ENTRATOOL_PLUGIN_EXPORT const et_http_service* entratool_http_service(void);

typedef int (*entratool_http_abi_version_fn)(void);
typedef const et_http_service* (*entratool_http_service_fn)(void);

#ifdef __cplusplus
}
#endif

#endif /* ENTRATOOL_HOST_HTTP_API_H */
