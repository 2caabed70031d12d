#!/usr/bin/env bash
# What checking plugins costs (issue 11). Copies the build into a temporary prefix, signs its
# plugins into a bundle, and times `plugins info` of a ~0.7 MB (token) and a ~4.8 MB
# (encrypted-file) plugin with no policy, with "plugins": "pinned" (hash only) and with
# "plugins": "signed" (hash + Ed25519 over bundle.json), interleaved. The difference is the
# price of the check: loading the plugin-trust module (lib/entratool/entratool-trust.so, which
# carries its own SHA-256 and Ed25519: host/plugins/trust_crypto.h), one SHA-256 of the library
# (from its open descriptor) and, for signed, one signature check. Reports only; it never fails on
# timing.
#
#   bench/plugin_trust.sh [BUILD_DIR] [RUNS]     (defaults: build, 100)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:-$here/../build}" && pwd)
runs=${2:-100}
work=$(mktemp -d "${TMPDIR:-/tmp}/entratool-bench-trust-XXXXXX")
trap 'rm -rf "$work"' EXIT
cc=${CC:-cc}
"$cc" -O2 -o "$work/timer" "$here/timer.c"
export HOME=$work/home XDG_DATA_HOME=$work/home/data XDG_CONFIG_HOME=$work/home/config ENTRATOOL_CONFIG_DIR=$work/home/entratool
unset ENTRATOOL_PLUGIN_PATH
for p in none pinned signed; do
  mkdir -p "$work/$p/bin"
  cp "$build/bin/entratool" "$work/$p/bin/"
  cp -r "$build/lib" "$work/$p/"
done
openssl genpkey -algorithm ed25519 -out "$work/key.pem" 2>/dev/null
plugins=lib/entratool/plugins
pub=$("$work/signed/bin/entratool" plugins bundle create "$work/signed/$plugins" --name bench --version 1 \
      --signing-key "$work/key.pem" --public-key)
hash() { sha256sum "$work/pinned/$plugins/entratool-$1.so" | cut -d' ' -f1; }
mkdir -p "$work/signed/etc/entratool" "$work/pinned/etc/entratool"
printf '{"plugins": "signed", "trusted_keys": ["%s"]}\n' "$pub" >"$work/signed/etc/entratool/policy.json"
printf '{"plugins": "pinned", "pins": {"token": "%s", "encrypted-file": "%s"}}\n' "$(hash token)" "$(hash encrypted-file)" \
  >"$work/pinned/etc/entratool/policy.json"
for p in none pinned signed; do "$work/$p/bin/entratool" plugins info token >/dev/null; done
results=$("$work/timer" "$runs" 10 \
  none-token "$work/none/bin/entratool" plugins info token :: \
  pinned-token "$work/pinned/bin/entratool" plugins info token :: \
  signed-token "$work/signed/bin/entratool" plugins info token :: \
  none-store "$work/none/bin/entratool" plugins info encrypted-file :: \
  pinned-store "$work/pinned/bin/entratool" plugins info encrypted-file :: \
  signed-store "$work/signed/bin/entratool" plugins info encrypted-file)
echo "plugins info, median of $runs interleaved runs; $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "token.so $(stat -c %s "$build/$plugins/entratool-token.so") bytes, encrypted-file.so $(stat -c %s "$build/$plugins/entratool-encrypted-file.so") bytes"
awk '{ m[$1] = $2 } END {
  printf "  %-14s %10s %10s\n", "", "wall us", "vs none"
  split("token store", ks, " ")
  for (i = 1; i <= 2; i++) for (j = 1; j <= 3; j++) {
    split("none pinned signed", ps, " "); k = ps[j] "-" ks[i]
    printf "  %-14s %10d %+10d\n", k, m[k], m[k] - m["none-" ks[i]]
  }
}' <<<"$results"
