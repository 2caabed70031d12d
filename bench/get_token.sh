#!/usr/bin/env bash
# get-token benchmark. Starts the local test identity provider (tests/provider, over HTTPS),
# creates a client-secret profile (bench/common.sh), and times, interleaved (round-robin after a warm-up) with medians:
#   1. a cached `get-token` against a trivial C++ program            target <= 3x
#   2. a fresh `get-token --force` against curl making the same token request   target <= 1.5x
#      (also `--force --no-cache`, which skips the cache write, for comparison)
#   3. a cached `get-token` with 10,000 cached entries against one entry        target <= 1.5x
# Reports figures and ratios only; it never fails on timing.
#
#   bench/get_token.sh [BUILD_DIR] [RUNS] [ENTRIES]     (defaults: build, 200, 10000)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source_dir=$(cd "$here/.." && pwd)
build=$(cd "${1:-$source_dir/build}" && pwd)
runs=${2:-200}
entries=${3:-10000}
net_runs=$(( runs / 4 > 20 ? runs / 4 : 20 ))
# shellcheck source=bench/common.sh
source "$here/common.sh"

# SDK 2.0's EntraToolSDK::sdk is header-only; a build from before it also has libentratool_sdk.a.
sdk_lib=$build/sdk/libentratool_sdk.a; [[ -f $sdk_lib ]] || sdk_lib=
"$cxx" -O2 -std=c++17 -I"$source_dir/host" -I"$source_dir/sdk/include" -o "$work/fill_cache" "$here/fill_cache.cpp" \
  "$build/host/libentratool_host.a" ${sdk_lib:+"$sdk_lib"} "$build/sdk/libentratool_support.a" -lcrypto -lsodium -ldl -lpthread

many=$work/many  # $one with $entries - 1 other cached tokens of the same profile
make_profile "$many"
echo "creating $((entries - 1)) extra cached tokens..." >&2
start=$(date +%s)
ENTRATOOL_CONFIG_DIR=$many "$work/fill_cache" "$plugins" bench "$((entries - 1))" "$authority" "$tenant" "$client_id"
echo "  took $(( $(date +%s) - start ))s" >&2

echo "timing ($runs cached runs, $net_runs network runs per command)..." >&2
cached=$("$work/timer" "$runs" 20 \
  trivial "$work/trivial" :: \
  cached "ENTRATOOL_CONFIG_DIR=$one" "$entratool" get-token -p bench --silent :: \
  cached_many "ENTRATOOL_CONFIG_DIR=$many" "$entratool" get-token -p bench --silent)
network=$("$work/timer" "$net_runs" 5 \
  curl "$curl_bin" -K "$work/curl.cfg" :: \
  force "ENTRATOOL_CONFIG_DIR=$one" "$entratool" get-token -p bench --silent --force :: \
  force_nocache "ENTRATOOL_CONFIG_DIR=$one" "$entratool" get-token -p bench --silent --force --no-cache)

# Instruction counts (callgrind) do not depend on the machine's load: a steadier second opinion.
instructions=
if command -v valgrind >/dev/null && [[ ${ENTRATOOL_BENCH_INSTRUCTIONS:-1} != 0 ]]; then
  echo "counting instructions with callgrind..." >&2
  count() { env "$@" 2>&1 >/dev/null | sed -n 's/.*Collected : \([0-9]*\).*/\1/p' | tail -n1; }
  vg=(valgrind --tool=callgrind --callgrind-out-file=/dev/null)
  instructions="trivial $(count "${vg[@]}" "$work/trivial")
cached $(count "ENTRATOOL_CONFIG_DIR=$one" "${vg[@]}" "$entratool" get-token -p bench --silent)
cached_many $(count "ENTRATOOL_CONFIG_DIR=$many" "${vg[@]}" "$entratool" get-token -p bench --silent)
curl $(count "${vg[@]}" "$curl_bin" -K "$work/curl.cfg")
force $(count "ENTRATOOL_CONFIG_DIR=$one" "${vg[@]}" "$entratool" get-token -p bench --silent --force)
force_nocache $(count "ENTRATOOL_CONFIG_DIR=$one" "${vg[@]}" "$entratool" get-token -p bench --silent --force --no-cache)"
fi

stop_provider

field() { awk -v k="$1" -v f="$2" '$1==k{print $f}' <<<"$cached"$'\n'"$network"; }
ms() { awk -v v="$1" 'BEGIN{printf "%.3f", v/1000}'; }

echo "entratool get-token, interleaved runs: median wall time (p10-p90), and the processes' own CPU time"
echo "build: $build; $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg); cache entries: 1 vs $entries"
row() {  # label key base_key target
  awk -v name="$1" -v v="$(field "$2" 2)" -v lo="$(field "$2" 3)" -v hi="$(field "$2" 4)" -v cpu="$(field "$2" 5)" \
      -v base="$( [[ -n $3 ]] && field "$3" 2 || echo 0)" -v cbase="$( [[ -n $3 ]] && field "$3" 5 || echo 0)" -v target="$4" 'BEGIN {
    printf "  %-42s %8.3f ms (%7.3f-%8.3f)  cpu %7.3f ms", name, v / 1000, lo / 1000, hi / 1000, cpu / 1000
    if (base > 0) printf "  %5.2fx (cpu %5.2fx)", v / base, (cbase > 0 ? cpu / cbase : 0)
    if (target > 0) printf "  target <= %.1fx: %s", target, (v / base <= target ? "met" : "MISSED")
    printf "\n"
  }'
}
row "trivial C++ program" trivial "" 0
row "get-token, cached (1 entry)" cached trivial 3
row "curl, the same token request" curl "" 0
row "get-token --force (fresh token, cached)" force curl 1.5
row "get-token --force --no-cache" force_nocache curl 1.5
row "get-token, cached (1 entry)" cached "" 0
row "get-token, cached ($entries entries)" cached_many cached 1.5
echo "(ratios: cached vs trivial, --force vs curl, $entries entries vs one; targets judged on wall time, which a"
echo " loaded machine disturbs more than cpu time; provider traffic: $traffic)"
if [[ -n $instructions ]]; then
  echo "instructions executed (callgrind, one run each; independent of machine load):"
  awk '{ v[$1] = $2 } END {
    printf "  trivial %.1fM; cached %.1fM (%.2fx); cached, many entries %.1fM (%.2fx of one entry)\n", v["trivial"] / 1e6, v["cached"] / 1e6, v["cached"] / v["trivial"], v["cached_many"] / 1e6, v["cached_many"] / v["cached"]
    printf "  curl %.1fM; --force %.1fM (%.2fx); --force --no-cache %.1fM (%.2fx)\n", v["curl"] / 1e6, v["force"] / 1e6, v["force"] / v["curl"], v["force_nocache"] / 1e6, v["force_nocache"] / v["curl"]
  }' <<<"$instructions"
fi
