# shellcheck shell=bash
# Shared by bench/targets.sh, peers.sh, get_token.sh and passphrase.sh (sourced, not run): the helpers built with the
# build's compiler, an isolated HOME, the test identity provider, a client-secret profile with
# one cached token, and a curl config making the same token request. After it: $work, $entratool,
# $plugins, $cxx, $cc, $authority, $tenant, $client_id, $secret, $endpoint, $scope, $ca (the
# provider's CA file, also the profile's --ca-bundle), $one (a config folder with one cached
# token), $work/curl.cfg and the helpers $work/timer, $work/parallel, $work/trivial, $work/puts.
#   needs: here, source_dir, build set by the caller; defines cleanup on EXIT (which runs the
#   caller's on_cleanup function first, when there is one).
entratool=$build/bin/entratool
plugins=$build/lib/entratool/plugins
[[ -x $entratool ]] || { echo "$(basename "$0"): $entratool not found; build first (cmake --build $build)" >&2; exit 1; }
command -v curl >/dev/null || { echo "$(basename "$0"): curl is needed (scripts/install-deps.sh --bench)" >&2; exit 1; }

cxx=$(sed -n 's/^CMAKE_CXX_COMPILER:[A-Z]*=//p' "$build/CMakeCache.txt" 2>/dev/null || true)
cxx=${cxx:-c++}
cc=${CC:-cc}

work=$(mktemp -d "${TMPDIR:-/tmp}/entratool-bench-XXXXXX")
idp_pid=
cleanup() {
  [[ $(type -t on_cleanup) == function ]] && on_cleanup
  if [[ -n $idp_pid ]]; then
    exec {idp_in}>&- 2>/dev/null || true
    kill "$idp_pid" 2>/dev/null || true
    wait "$idp_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

echo "building the helpers..." >&2
"$cxx" -O2 -o "$work/trivial" "$here/trivial.cpp"
"$cc" -O2 -o "$work/puts" "$here/puts.c"
"$cc" -O2 -o "$work/timer" "$here/timer.c"
"$cc" -O2 -o "$work/parallel" "$here/parallel.c"

# Isolated state: nothing of the user's (profiles, store, plugins, proxies) takes part.
export HOME=$work/home XDG_DATA_HOME=$work/home/data XDG_CONFIG_HOME=$work/home/config
unset ENTRATOOL_PLUGIN_PATH ENTRATOOL_KEYSTORE ENTRATOOL_KEYSTORE_PASSPHRASE ENTRATOOL_CA_BUNDLE SSL_CERT_FILE \
  SSL_CERT_DIR AZURE_TENANT_ID AZURE_CLIENT_ID AZURE_CLIENT_SECRET AZURE_AUTHORITY_HOST HTTPS_PROXY https_proxy \
  HTTP_PROXY http_proxy ENTRATOOL_KEYSTORE_FORCE_OPENSSL
mkdir -p "$HOME"
one=$work/one

echo "starting the test identity provider..." >&2
mkfifo "$work/idp.in"
python3 "$here/provider_up.py" --https <"$work/idp.in" >"$work/idp.out" 2>"$work/idp.err" &
idp_pid=$!
exec {idp_in}>"$work/idp.in"
for _ in $(seq 1 300); do [[ -s $work/idp.out ]] && break; sleep 0.1; done
[[ -s $work/idp.out ]] || { echo "$(basename "$0"): the provider did not start: $(cat "$work/idp.err")" >&2; exit 1; }
info=$(head -n1 "$work/idp.out")
get() { python3 -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$info" "$1"; }
authority=$(get authority); tenant=$(get tenant); client_id=$(get client_id); secret=$(get secret)
endpoint=$(get token_endpoint); ca=$(get ca)
scope=https://graph.microsoft.com/.default

make_profile() {  # CONFIG_DIR: a client-secret profile "bench" with one cached token
  ENTRATOOL_CONFIG_DIR=$1 "$entratool" create-profile --name bench --tenant-id "$tenant" --client-id "$client_id" \
    --scope "$scope" --authority-host "$authority" --ca-bundle "$ca" --client-secret-stdin --set-default <<<"$secret" >/dev/null 2>&1
  ENTRATOOL_CONFIG_DIR=$1 "$entratool" get-token -p bench --silent >/dev/null
}
make_profile "$one"

# curl sends what the client-credentials flow sends: Basic auth (id and secret form-encoded) and
# the form, over HTTPS trusting the provider's CA file as the profile does (the system store stays
# in force for both); its config file keeps the secret off the command line.
enc() { python3 -c 'import sys,urllib.parse; print(urllib.parse.quote_plus(sys.argv[1]))' "$1"; }
( umask 077; printf 'silent\nfail\ncacert = "%s"\nuser = "%s:%s"\ndata = "grant_type=client_credentials&scope=%s"\nurl = "%s"\noutput = "/dev/null"\n' \
    "$ca" "$(enc "$client_id")" "$(enc "$secret")" "$(enc "$scope")" "$endpoint" >"$work/curl.cfg" )
curl_bin=$(command -v curl)

stop_provider() {  # stops the provider; $traffic: its request counts
  exec {idp_in}>&-
  wait "$idp_pid" 2>/dev/null || true
  idp_pid=
  traffic=$(tail -n1 "$work/idp.err")
}
