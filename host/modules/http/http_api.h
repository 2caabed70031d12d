#pragma once
// The contract between the host and lib/entratool/entratool-http.so. Host-internal: both are
// built together by the same compiler, so the module hands out a C++ object (sdk::HttpClient);
// the version still guards against a stale module left beside a newer binary.
//
//   int entratool_http_abi_version(void)             == ENTRATOOL_HTTP_ABI_VERSION
//   entratool::sdk::HttpClient* entratool_http_create(void)   owned by the caller, delete to free
//
// The module stays loaded until the process exits: the client's code lives in it.

#define ENTRATOOL_HTTP_ABI_VERSION 1
#define ENTRATOOL_HTTP_ABI_SYMBOL "entratool_http_abi_version"
#define ENTRATOOL_HTTP_CREATE_SYMBOL "entratool_http_create"
