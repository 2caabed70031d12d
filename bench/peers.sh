#!/usr/bin/env bash
# entratool side by side with what users would pick instead, against the test identity provider
# over HTTPS, in one run, each a whole process per token, interleaved, medians:
#   entratool cached, entratool fresh (--force), curl (the bare request), Debian's python3-msal and
#   @azure/msal-node (bench/peers/, pinned; `npm ci` there) with the 15-line scripts beside this one.
# Needs scripts/install-deps.sh --bench. Reports only; it never fails on timing.
#
#   bench/peers.sh [BUILD_DIR] [RUNS]     (defaults: build, 40)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source_dir=$(cd "$here/.." && pwd)
build=$(cd "${1:-$source_dir/build}" && pwd)
runs=${2:-40}
# Debian's python3-msal is installed for Debian's python3, which need not be the first on PATH.
python=
for p in /usr/bin/python3 "$(command -v python3)"; do "$p" -c 'import msal' 2>/dev/null && { python=$p; break; }; done
[[ -n $python ]] || { echo "peers.sh: python3-msal is needed (scripts/install-deps.sh --bench)" >&2; exit 1; }
[[ -d $here/peers/node_modules/@azure/msal-node ]] ||
  { echo "peers.sh: @azure/msal-node is needed (scripts/install-deps.sh --bench, or npm ci in bench/peers)" >&2; exit 1; }
# shellcheck source=bench/common.sh
source "$here/common.sh"

# The peers read the client's settings from a 0600 file, as curl does, not from their command line.
( umask 077; python3 -c 'import json,sys; print(json.dumps(dict(zip(["client_id","secret","authority","scope"], sys.argv[1:]))))' \
    "$client_id" "$secret" "$authority/$tenant" "$scope" >"$work/client.json" )
node=$(command -v node)
# Anything a peer tried to reach beyond the loopback provider would go to this dead proxy and fail.
guard=(HTTPS_PROXY=http://127.0.0.1:9 HTTP_PROXY=http://127.0.0.1:9 NO_PROXY=127.0.0.1,localhost)
check() { env "$@" >/dev/null || { echo "peers.sh: this peer failed: $*" >&2; exit 1; }; }
check "${guard[@]}" "REQUESTS_CA_BUNDLE=$ca" "$python" "$here/peers/msal_client.py" "$work/client.json"
check "${guard[@]}" "NODE_EXTRA_CA_CERTS=$ca" "$node" "$here/peers/msal_client.js" "$work/client.json"

echo "timing ($runs runs each, interleaved)..." >&2
results=$("$work/timer" "$runs" 3 \
  cached "ENTRATOOL_CONFIG_DIR=$one" "$entratool" get-token -p bench --silent :: \
  fresh "ENTRATOOL_CONFIG_DIR=$one" "$entratool" get-token -p bench --silent --force :: \
  curl "$curl_bin" -K "$work/curl.cfg" :: \
  msal_py "${guard[@]}" "REQUESTS_CA_BUNDLE=$ca" "$python" "$here/peers/msal_client.py" "$work/client.json" :: \
  msal_node "${guard[@]}" "NODE_EXTRA_CA_CERTS=$ca" "$node" "$here/peers/msal_client.js" "$work/client.json")
stop_provider

msal_node_version=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["version"])' \
  "$here/peers/node_modules/@azure/msal-node/package.json")
msal_py_version=$("$python" -c 'import msal; print(msal.__version__)')
echo "one token per process against the local test provider (HTTPS), median of $runs interleaved runs"
echo "$(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg); provider traffic: $traffic"
awk -v nv="$msal_node_version" -v pv="$msal_py_version" '
  { w[$1] = $2; c[$1] = $5; r[$1] = $6; order[n++] = $1 }
  END {
    name["cached"] = "entratool get-token (cached)"; name["fresh"] = "entratool get-token --force"
    name["curl"] = "curl (the bare request)"; name["msal_py"] = "python3-msal " pv " (Debian)"
    name["msal_node"] = "@azure/msal-node " nv
    printf "| %-30s | %9s | %8s | %11s | %10s |\n", "", "median ms", "cpu ms", "vs entratool cached", "vs curl"
    printf "|%s|%s|%s|%s|%s|\n", "--------------------------------", "----------:", "---------:", "--------------------:", "-----------:"
    split("cached fresh curl msal_py msal_node", keys, " ")
    for (i = 1; i <= 5; i++) { k = keys[i]
      printf "| %-30s | %9.1f | %8.1f | %18.1fx | %9.2fx |\n", name[k], w[k] / 1000, c[k] / 1000, w[k] / w["cached"], w[k] / w["curl"] }
  }' <<<"$results"
