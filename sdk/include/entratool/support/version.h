/* \file version.h
 * The support library's own version (json, encoding, files, sha256, token_text). It is versioned
 * apart from the SDK contract (entratool/sdk/version.h): the plugin loader never checks it, since
 * these helpers are linked statically into whoever uses them and never cross the plugin boundary.
 * 1.1: token_text.h (first_non_utf8_field, formerly in the SDK library).
 * 1.2: files::ReadRules (regular files only, bounded, trust rules), check_trusted_directory,
 *      remove_stale_temporaries; json::ParseOptions::allow_duplicate_keys (duplicates refused).
 * 1.3: grants.h (the code redemption and the federated-assertion request).
 *      Unchanged since: json.h declares the library's own parser, json::detail::Parser, a friend
 *      of json::Value, which changes neither Value's layout nor any function a plugin calls. */
#ifndef ENTRATOOL_SUPPORT_VERSION_H
#define ENTRATOOL_SUPPORT_VERSION_H

#define ENTRATOOL_SUPPORT_VERSION_MAJOR 1
#define ENTRATOOL_SUPPORT_VERSION_MINOR 3

#endif /* ENTRATOOL_SUPPORT_VERSION_H */
