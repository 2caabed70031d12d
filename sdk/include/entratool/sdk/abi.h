/* \file abi.h
 * The binary contract between entratool and its plugins, in C. Nothing else crosses the
 * boundary: no C++ type, no exception, no allocation made on one side and freed on the other.
 * A plugin built with any compiler and any C++ standard library (libstdc++, libc++, MSVC's) can
 * implement it; most authors use the header-only C++ adapter (plugin.h) instead of this file.
 *
 * Rules every function here follows (docs/plugin-abi.md has the long form):
 * - Strings go in as et_str views (pointer + size, not NUL-terminated unless said so); a view
 *   is valid only during the call that received it. Copy what you keep.
 * - Results come back through sinks the caller owns (et_sink, et_pair_sink, et_token_sink): the
 *   callee calls them during the call, the caller copies. So the side that allocates frees.
 * - Errors come back as the function's int32_t return (an et_category, 0 = success) and, when
 *   non-zero, in the caller-provided et_status (category, machine-readable code, message).
 * - Interfaces are structs of function pointers that start with `size` (sizeof the struct in the
 *   SDK that built it). New members are only ever appended (a minor SDK version): a reader uses
 *   only the members `size` covers and treats the rest as NULL.
 * - New interfaces are found by string id with a version suffix ("entratool.http/1"), on both
 *   sides: et_host.get_service for what the host lends, get_extension for what a component
 *   offers beyond its base interface (CLAP's get_extension). An unknown id gives NULL.
 * - Thread-safety: the host calls a component from one thread at a time; host services may be
 *   called from the thread the host called in on.
 */
#ifndef ENTRATOOL_SDK_ABI_H
#define ENTRATOOL_SDK_ABI_H

#include <stddef.h>
#include <stdint.h>

#include "entratool/sdk/version.h"

#if defined(_WIN32)
#define ENTRATOOL_PLUGIN_EXPORT __declspec(dllexport)
#else
#define ENTRATOOL_PLUGIN_EXPORT __attribute__((visibility("default")))
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Values ------------------------------------------------------------------------------ */

/** A read-only byte string; `data` may be NULL when `size` is 0. */
typedef struct et_str {
  const char* data;
  size_t size;
} et_str;

/** A name and a value, e.g. a form field, an HTTP header or a profile setting. */
typedef struct et_pair {
  et_str name;
  et_str value;
} et_pair;

/** A read-only array of strings. */
typedef struct et_strs {
  const et_str* items;
  size_t count;
} et_strs;

/** A read-only array of pairs. */
typedef struct et_pairs {
  const et_pair* items;
  size_t count;
} et_pairs;

/** What kind of failure; each is one documented exit code (docs/exit-codes.md). */
typedef enum et_category {
  ET_OK = 0,
  ET_GENERAL = 1, /**< bad input, bad plugin, local I/O, anything else */
  ET_PROFILE_NOT_FOUND = 2,
  ET_AUTH_FAILED = 3, /**< the identity provider said no, or a user cancelled sign-in */
  ET_NETWORK = 4,     /**< refused, DNS, TLS, reset, an unusable response */
  ET_TIMEOUT = 5      /**< --timeout or a code's lifetime ran out */
} et_category;

#define ET_STATUS_CODE_CAPACITY 64
#define ET_STATUS_MESSAGE_CAPACITY 2048

/** An error, written by the callee into storage the caller owns. `code` is machine-readable
 *  ("invalid_grant", "interaction_required", "not_found", "store_locked", "timeout", ...; empty
 *  when there is none) and `message` is one line for the user, never holding a secret. Both are
 *  NUL-terminated and truncated to fit. */
typedef struct et_status {
  int32_t category; /**< an et_category; ET_OK until something fails */
  char code[ET_STATUS_CODE_CAPACITY];
  char message[ET_STATUS_MESSAGE_CAPACITY];
} et_status;

/** Receives bytes: the callee calls write() any number of times; the caller appends. Where a
 *  function documents it as a list, each write() is one whole item. */
typedef struct et_sink {
  void* ctx;
  void (*write)(void* ctx, et_str data);
} et_sink;

/** Receives pairs, in order (form fields, headers). */
typedef struct et_pair_sink {
  void* ctx;
  void (*add)(void* ctx, et_str name, et_str value);
} et_pair_sink;

/** One token endpoint response, normalised. */
typedef struct et_token {
  uint32_t size;         /**< sizeof(et_token) */
  et_str access_token;   /**< a secret; never empty in a successful response */
  et_str token_type;     /**< as the provider sent it, e.g. "Bearer" */
  int64_t expires_at_ms; /**< absolute UTC expiry, milliseconds since the Unix epoch */
  et_strs scopes;        /**< granted scopes */
  et_str refresh_token;  /**< a secret; empty when none was issued */
  et_str id_token;       /**< empty when none was issued */
  et_pairs extra;        /**< other top-level response fields: name and raw JSON text of the value */
} et_token;

/** Receives one token; the caller copies what it points to. */
typedef struct et_token_sink {
  void* ctx;
  void (*set)(void* ctx, const et_token* token);
} et_token_sink;

/* ---- What the host lends: et_host and its services ---------------------------------------- */

/** Handed to every plugin call that may need the host. Valid until the process exits. */
typedef struct et_host {
  uint32_t size;      /**< sizeof(et_host) */
  uint16_t sdk_major; /**< the host's SDK version */
  uint16_t sdk_minor;
  void* ctx;
  /** The service with this id ("entratool.http/1"), or NULL when this host has none. The
   *  returned struct is the host's and lives until exit; its first member is its size. */
  const void* (*get_service)(void* ctx, const char* id);
} et_host;

#define ET_SERVICE_LOG "entratool.log/1"
#define ET_SERVICE_CONSOLE "entratool.console/1"
#define ET_SERVICE_CLOCK "entratool.clock/1"
#define ET_SERVICE_HTTP "entratool.http/1"
#define ET_SERVICE_BROWSER "entratool.browser/1"
#define ET_SERVICE_TOKEN_ENDPOINT "entratool.token-endpoint/1"
#define ET_SERVICE_CLIENT_AUTH "entratool.client-auth/1"
#define ET_SERVICE_SIGN_IN "entratool.sign-in/1"
#define ET_SERVICE_SECRETS "entratool.secrets/1"
#define ET_SERVICE_PLATFORM_SECRETS "entratool.platform-secrets/1" /* SDK 2.1 */

typedef enum et_log_level { ET_LOG_DEBUG = 0, ET_LOG_INFO = 1, ET_LOG_WARNING = 2, ET_LOG_ERROR = 3 } et_log_level;

/** Diagnostic log (stderr with --verbose). Never pass a secret. */
typedef struct et_log_service {
  uint32_t size;
  void* ctx;
  void (*log)(void* ctx, int32_t level, et_str message);
} et_log_service;

/** The terminal. status() lines go to stderr and are dropped under --silent; notice() lines are
 *  shown even then (a device code); stdout belongs to the host. */
typedef struct et_console_service {
  uint32_t size;
  void* ctx;
  void (*status)(void* ctx, et_str line);
  void (*notice)(void* ctx, et_str line);
  /** Asks on stderr and reads one line into `answer`; `secret` non-zero turns echo off. Fails
   *  (ET_GENERAL, code "cannot_prompt") when nobody can answer. */
  int32_t (*prompt)(void* ctx, et_str question, int32_t secret, et_sink answer, et_status* status);
  /** Non-zero when a person sees progress and can answer prompts. */
  int32_t (*interactive)(void* ctx);
} et_console_service;

/** Time, so flows can be tested with a fake clock. */
typedef struct et_clock_service {
  uint32_t size;
  void* ctx;
  int64_t (*now_ms)(void* ctx);       /**< UTC, milliseconds since the Unix epoch */
  int64_t (*monotonic_ns)(void* ctx); /**< the clock deadlines are expressed in */
  void (*sleep_ms)(void* ctx, int64_t ms);
  int32_t (*cancelled)(void* ctx); /**< non-zero once the user pressed Ctrl-C */
} et_clock_service;

/** One HTTP exchange. `form` (urlencoded by the host) wins over `body` when it has items. */
typedef struct et_http_request {
  uint32_t size;
  et_str method; /**< "POST" when empty */
  et_str url;    /**< http:// is refused unless the host is loopback */
  et_pairs headers;
  et_pairs form;
  et_str body;
  et_str content_type; /**< for `body`; application/json when empty */
  int64_t timeout_ms;  /**< this exchange, connect to last byte; <= 0 means 60 s */
  et_str ca_bundle;    /**< an extra PEM CA file; empty for the system CAs only */
  et_str proxy;        /**< "http://host:port"; empty: HTTPS_PROXY/NO_PROXY */
} et_http_request;

/** Receives the response: a non-2xx status is a response, not an error. */
typedef struct et_http_response_sink {
  void* ctx;
  void (*set)(void* ctx, int32_t status, et_pairs headers, et_str body);
} et_http_response_sink;

typedef struct et_http_service {
  uint32_t size;
  void* ctx;
  /** One request, never retried. Errors: ET_NETWORK, ET_TIMEOUT. */
  int32_t (*send)(void* ctx, const et_http_request* request, et_http_response_sink response, et_status* status);
} et_http_service;

/** Opens a URL for the user ($BROWSER, else the platform opener). */
typedef struct et_browser_service {
  uint32_t size;
  void* ctx;
  int32_t (*open)(void* ctx, et_str url, et_status* status);
} et_browser_service;

/* ---- Flows ------------------------------------------------------------------------------- */

/** How the profile's client authenticates (what the client-auth service will add). */
typedef enum et_client_auth {
  ET_CLIENT_AUTH_NONE = 0,       /**< a public client: client_id only */
  ET_CLIENT_AUTH_SECRET = 1,     /**< client_secret (HTTP Basic or form body) */
  ET_CLIENT_AUTH_CERTIFICATE = 2 /**< a signed client assertion (RFC 7523) */
} et_client_auth;

/** One acquisition, built by the host from the profile, flags and environment. It carries no
 *  client secret: the client-auth service adds credentials, the secrets service reads the
 *  secrets the flow declared. Valid for the duration of the acquire() call. */
typedef struct et_flow_request {
  uint32_t size; /**< sizeof(et_flow_request) */
  et_str profile_name;
  et_str client_id; /**< empty when the flow does not need one */
  et_str tenant;    /**< empty when the flow does not need one */
  et_strs scopes;   /**< normalised, in request order */
  et_str token_endpoint;
  et_str device_code_endpoint;
  et_str authorize_endpoint;
  et_str redirect_uri;     /**< the profile's; empty: the sign-in service chooses */
  et_str ca_bundle;        /**< extra CA file for HTTP requests */
  int32_t client_auth;     /**< an et_client_auth */
  int32_t open_browser;    /**< zero with --no-browser */
  et_str refresh_token;    /**< a secret: for a flow that redeems refresh tokens */
  et_pairs settings;       /**< the profile's settings and the fields the flow declared */
  int64_t deadline_ns;     /**< on the clock service's monotonic_ns: finish before it */
  const void* acquisition; /**< the host's; pass the request back to services unchanged */
} et_flow_request;

/** The token endpoint exchange, decided once in the host for every flow: retries of 429/5xx
 *  with backoff and Retry-After inside the deadline, and the mapping of a refusal to a status:
 *  ET_AUTH_FAILED with code = the OAuth `error` ("invalid_grant", "authorization_pending",
 *  "slow_down", ...) and a message with the AADSTS code and a hint; ET_NETWORK for an
 *  unusable response; ET_TIMEOUT past the deadline. */
typedef struct et_token_endpoint_service {
  uint32_t size;
  void* ctx;
  /** POSTs `form` and `headers` to `url` (empty: the request's token endpoint) with the
   *  request's CA bundle and deadline. A 2xx body is written to `body`; anything else is the
   *  status described above. */
  int32_t (*post)(void* ctx, const et_flow_request* request, et_str url, et_pairs form, et_pairs headers, et_sink body,
                  et_status* status);
  /** post() to the token endpoint, then reads the token response (expires_in as a number or a
   *  string; scope absent means the requested scopes). */
  int32_t (*request_token)(void* ctx, const et_flow_request* request, et_pairs form, et_pairs headers,
                           et_token_sink token, et_status* status);
} et_token_endpoint_service;

/** Client authentication at a token endpoint, by the request's client_auth: client_id for a
 *  public client; the secret as HTTP Basic or in the form (setting "client_auth" basic|body);
 *  or a fresh client assertion signed by the host's signer (settings "assertion_alg"
 *  PS256|RS256, "send_x5c"). The flow never sees the secret or the key. */
typedef struct et_client_auth_service {
  uint32_t size;
  void* ctx;
  /** Adds the fields and headers for a request to `audience` (empty: the token endpoint). */
  int32_t (*apply)(void* ctx, const et_flow_request* request, et_str audience, et_pair_sink form, et_pair_sink headers,
                   et_status* status);
} et_client_auth_service;

/** Receives a browser sign-in's result: the code and the values its redemption must repeat. */
typedef struct et_sign_in_sink {
  void* ctx;
  void (*set)(void* ctx, et_str code, et_str redirect_uri, et_str code_verifier);
} et_sign_in_sink;

/** A user sign-in in the browser with PKCE (S256) and a loopback redirect (RFC 8252): listener,
 *  authorize URL with state and nonce, browser or printed URL, redirect. */
typedef struct et_sign_in_service {
  uint32_t size;
  void* ctx;
  /** `scopes` as sent (the flow adds openid/offline_access if it wants them); `extra` more
   *  authorize parameters (e.g. prompt, login_hint). Errors: ET_AUTH_FAILED (the provider's
   *  error redirect, with its code), ET_TIMEOUT, ET_GENERAL (cancelled, redirect not loopback). */
  int32_t (*sign_in)(void* ctx, const et_flow_request* request, et_strs scopes, et_pairs extra, et_sign_in_sink result,
                     et_status* status);
} et_sign_in_service;

/** The secrets a flow declared in its manifest ("secrets"), read from the secret store (or the
 *  environment, for the implicit profile). A name the flow did not declare is refused. */
typedef struct et_secrets_service {
  uint32_t size;
  void* ctx;
  /** `found` is set to 0 when the secret is absent; the value goes to `value`. */
  int32_t (*get)(void* ctx, const et_flow_request* request, et_str name, et_sink value, int32_t* found,
                 et_status* status);
} et_secrets_service;

/** SDK 2.1. A few small secrets (a store's data key) kept in the platform's own secret store
 *  (the Secret Service on Linux, the Keychain on macOS, DPAPI on Windows), for a secret store that
 *  keeps its bulk data elsewhere. The host opens that store; the names are the caller's and kept
 *  apart from the user's secrets. Errors name the platform store and why it is unavailable. */
typedef struct et_platform_secrets_service {
  uint32_t size;
  void* ctx;
  /** `found` is set to 0 when the secret is absent; the value goes to `value`. */
  int32_t (*get)(void* ctx, et_str name, et_sink value, int32_t* found, et_status* status);
  /** Creates or replaces. */
  int32_t (*put)(void* ctx, et_str name, et_str value, et_status* status);
  /** Removes; absent is not an error. */
  int32_t (*erase)(void* ctx, et_str name, et_status* status);
  /** One line: which store holds them, e.g. "the Secret Service (keyring 'Login' ...)". */
  void (*describe)(void* ctx, et_sink out);
} et_platform_secrets_service;

/** An OAuth2 grant. Stateless between calls. */
typedef struct et_flow {
  uint32_t size; /**< sizeof(et_flow) */
  void* self;
  /** Performs the grant and hands the token to `token` exactly once on success. */
  int32_t (*acquire)(void* self, const et_flow_request* request, const et_host* host, et_token_sink token,
                     et_status* status);
  /** Optional (may be NULL): another interface this flow offers, by id. */
  const void* (*get_extension)(void* self, const char* id);
} et_flow;

/* ---- Formatters -------------------------------------------------------------------------- */

/** Renders a token (get-token, refresh) or a JSON document (inspect, plugins list). */
typedef struct et_formatter {
  uint32_t size; /**< sizeof(et_formatter) */
  void* self;
  /** The complete text, including its final newline. `now_ms` (UTC) is for expires_in. */
  int32_t (*format_token)(void* self, const et_token* token, int64_t now_ms, et_sink out, et_status* status);
  /** Optional (NULL: this format shows tokens only). `json` is valid JSON; keep its key order. */
  int32_t (*format_document)(void* self, et_str json, et_sink out, et_status* status);
  const void* (*get_extension)(void* self, const char* id); /**< optional */
} et_formatter;

/* ---- Secret stores ----------------------------------------------------------------------- */

/** Where and how a store keeps its data; filled by the host. */
typedef struct et_store_context {
  uint32_t size;
  et_str directory;  /**< the store's own folder below the config folder (the store creates it 0700) */
  et_pairs settings; /**< the store's settings from config.json ("keystore_settings") */
} et_store_context;

/** Named secrets, encrypted at rest; safe against concurrent processes. Names are printable
 *  ASCII such as "profile/app/client-secret" or "token/<hash>". A value that cannot be read is
 *  an error naming the file and what to do (codes "store_locked", "corrupt", "io"), and the
 *  store never replaces it silently. */
typedef struct et_secret_store {
  uint32_t size; /**< sizeof(et_secret_store) */
  void* self;
  int32_t (*open)(void* self, const et_store_context* context, const et_host* host, et_status* status);
  /** `found` 0 when absent; the value goes to `value`. */
  int32_t (*get)(void* self, et_str name, et_sink value, int32_t* found, et_status* status);
  /** Creates or replaces atomically. */
  int32_t (*put)(void* self, et_str name, et_str value, et_status* status);
  /** Removes; absent is not an error. */
  int32_t (*erase)(void* self, et_str name, et_status* status);
  /** Names starting with `prefix`, sorted; each write() to `names` is one name. */
  int32_t (*list)(void* self, et_str prefix, et_sink names, et_status* status);
  /** One line for `config show`: where the secrets are and how they are protected. */
  void (*describe)(void* self, et_sink out);
  const void* (*get_extension)(void* self, const char* id); /**< optional */
} et_secret_store;

/* ---- Registration and the entry point ---------------------------------------------------- */

#define ET_KIND_FLOW "flow"
#define ET_KIND_FORMATTER "formatter"
#define ET_KIND_SECRET_STORE "secret-store"

/** Handed to register_components(). The host copies the interface struct (the `size` it says,
 *  up to what the host knows), so it may live on the plugin's stack; `self` must live until
 *  exit. Each (kind, id) must be one the manifest lists, once. */
typedef struct et_registrar {
  uint32_t size;
  void* ctx;
  int32_t (*add)(void* ctx, const char* kind, const char* id, const void* interface, et_status* status);
} et_registrar;

/** "ETPL": the first member of every descriptor. */
#define ENTRATOOL_PLUGIN_MAGIC 0x4C505445u
/** The one symbol the host looks up. */
#define ENTRATOOL_PLUGIN_ENTRY_SYMBOL "entratool_plugin_entry"

/** Plain data in the plugin's static storage, never freed. Fields are only ever appended. */
typedef struct et_plugin_descriptor {
  uint32_t magic;     /**< ENTRATOOL_PLUGIN_MAGIC */
  uint32_t size;      /**< sizeof(et_plugin_descriptor) in the plugin's SDK */
  uint16_t sdk_major; /**< ENTRATOOL_SDK_VERSION_MAJOR the plugin was built with */
  uint16_t sdk_minor;
  const char* id;          /**< the library's id: its manifest is <id>.plugin.json */
  const char* version;     /**< the plugin's own version, e.g. "1.0.0" */
  const char* description; /**< one line */
  const char* built_with;  /**< informative: compiler and C++ library, shown by `plugins info` */
  /** Registers every component the manifest lists. Called once, after the checks. */
  int32_t (*register_components)(const et_host* host, const et_registrar* registrar, et_status* status);
  /** Optional: a library-wide extension by id. */
  const void* (*get_extension)(const char* id);
} et_plugin_descriptor;

typedef const et_plugin_descriptor* (*et_plugin_entry_fn)(void);

/* ---- Extension: locking a secret store --------------------------------------------------- */

/** Offered by a secret store that keeps an unlocked key beyond one process (the encrypted-file
 *  store in passphrase mode caches its derived key in the kernel keyring), through
 *  et_secret_store.get_extension. `entratool lock` calls it on the active store; a store that
 *  does not offer it has nothing to lock. */
#define ET_EXTENSION_STORE_LOCK "entratool.store-lock/1"

typedef struct et_store_lock {
  uint32_t size; /**< sizeof(et_store_lock) */
  void* ctx;     /**< the store's own; passed back to lock() */
  /** Forgets every unlocked key the store keeps outside this process, so that its next use needs
   *  the passphrase again. `dropped` is set to 1 when a key was forgotten, 0 when none was kept
   *  (not an error). */
  int32_t (*lock)(void* ctx, int32_t* dropped, et_status* status);
} et_store_lock;

#ifdef __cplusplus
}
#endif

#endif /* ENTRATOOL_SDK_ABI_H */
