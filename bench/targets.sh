#!/usr/bin/env bash
# Every issue-10 target as a ratio measured in one run (interleaved runs, medians; see
# bench/timer.c and bench/parallel.c), against the test identity provider over HTTPS:
#   cached/puts, cached/trivial    a cached `get-token --silent` against a C puts program and a C++ one
#   json/token, yaml/token         cached `-o json` and `-o yaml` against cached `-o token`
#   force/curl                     `get-token --force` against curl making the same request (same CA file)
#   manifests200/manifestsN        cached, with formatter manifests added in the user folder up to 200
#   entriesN/entries1              cached, with N cached tokens in the store against one
#   parallel                       64 cached calls at once: calls/s (and 64 trivial programs)
#   peak RSS                       of the cached call (ru_maxrss)
#   plugin floor/puts, cached/floor  no target: bench/plugin_floor.c does only the plugin calls of a
#                                  cached call, so these split its cost into boundary and host
# plus the instructions of each (callgrind), which a busy machine does not disturb. With
# BASELINE_BUILD=<build folder> another build is timed in the same runs, for before/after figures.
# Reports only; it never fails on timing.
#
#   [BASELINE_BUILD=DIR] bench/targets.sh [BUILD_DIR] [RUNS] [ENTRIES]     (defaults: build, 200, 10000)
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

# The least any host on this plugin boundary does for a cached call (bench/plugin_floor.c): the
# same two plugins loaded and called, profiles.json read, nothing else. cached/floor is what the
# host itself adds; floor/puts, what the boundary costs before the host does anything.
"$cc" -O2 -I"$source_dir/sdk/include" -o "$work/plugin_floor" "$here/plugin_floor.c" -ldl
floor_entry=$("$work/plugin_floor" --list "$plugins/entratool-encrypted-file.so" "$one" | head -n1)
floor=("$work/plugin_floor" "$plugins/entratool-encrypted-file.so" "$plugins/entratool-token.so" "$one" bench "$floor_entry")
"${floor[@]}" >/dev/null || { echo "targets.sh: bench/plugin_floor failed" >&2; exit 1; }

many=$work/many
make_profile "$many"
echo "creating $((entries - 1)) extra cached tokens..." >&2
ENTRATOOL_CONFIG_DIR=$many "$work/fill_cache" "$plugins" bench "$((entries - 1))" "$authority" "$tenant" "$client_id"

# 200 manifests: the build's own 9 (or however many) beside the executable, and formatter plugins
# in the user folder up to 200, each with its own library file (hard links of one small library).
bundled=$(ls "$plugins"/*.plugin.json | wc -l)
data200=$work/data200
mkdir -p "$data200/entratool/plugins"
chmod 755 "$data200" "$data200/entratool" "$data200/entratool/plugins"
sdk=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["sdk"])' "$plugins/token.plugin.json")
for i in $(seq -w 1 $((200 - bundled))); do
  id=bench-format-$i
  ln "$plugins/entratool-token.so" "$data200/entratool/plugins/entratool-$id.so" 2>/dev/null ||
    cp "$plugins/entratool-token.so" "$data200/entratool/plugins/entratool-$id.so"
  printf '{"entratool_plugin_manifest": 2, "id": "%s", "version": "1.0.0", "sdk": "%s", "library": "entratool-%s.so", "description": "bench filler", "components": [{"kind": "formatter", "id": "%s", "description": "bench filler"}]}\n' \
    "$id" "$sdk" "$id" "$id" >"$data200/entratool/plugins/$id.plugin.json"
done
[[ $(ENTRATOOL_CONFIG_DIR=$one XDG_DATA_HOME=$data200 "$entratool" plugins list -o json | grep -o '"manifest"' | wc -l) -ge 200 ]] ||
  echo "targets.sh: warning: fewer than 200 manifests seen in the 200-manifest case" >&2

echo "timing ($runs cached runs, $net_runs network runs per command)..." >&2
get=(get-token -p bench --silent)
# BASELINE_BUILD=<another build folder>: its entratool is timed too, interleaved with this one in the
# same runs (same provider, store and folders), for before/after figures.
bins=("$entratool"); prefixes=("")
if [[ -n ${BASELINE_BUILD:-} ]]; then
  bins+=("$(cd "$BASELINE_BUILD" && pwd)/bin/entratool"); prefixes+=("base_")
fi
cached_args=(puts "$work/puts" :: trivial "$work/trivial" :: floor "${floor[@]}")
network_args=(curl "$curl_bin" -K "$work/curl.cfg")
parallel_args=(trivial "$work/trivial")
for i in "${!bins[@]}"; do
  e=${bins[$i]} p=${prefixes[$i]}
  cached_args+=(:: "${p}cached" "ENTRATOOL_CONFIG_DIR=$one" "$e" "${get[@]}"
    :: "${p}json" "ENTRATOOL_CONFIG_DIR=$one" "$e" "${get[@]}" -o json
    :: "${p}yaml" "ENTRATOOL_CONFIG_DIR=$one" "$e" "${get[@]}" -o yaml
    :: "${p}manifests200" "ENTRATOOL_CONFIG_DIR=$one" "XDG_DATA_HOME=$data200" "$e" "${get[@]}"
    :: "${p}entries" "ENTRATOOL_CONFIG_DIR=$many" "$e" "${get[@]}")
  network_args+=(:: "${p}force" "ENTRATOOL_CONFIG_DIR=$one" "$e" "${get[@]}" --force)
  parallel_args+=(:: "${p}cached" "ENTRATOOL_CONFIG_DIR=$one" "$e" "${get[@]}")
done
cached=$("$work/timer" "$runs" 20 "${cached_args[@]}")
network=$("$work/timer" "$net_runs" 5 "${network_args[@]}")
echo "64 at once..." >&2
parallel=$("$work/parallel" 64 $(( runs / 20 > 5 ? runs / 20 : 5 )) "${parallel_args[@]}")

# Instruction counts (callgrind, one run each) do not depend on the machine's load: the steadier
# figure on a busy machine. ENTRATOOL_BENCH_INSTRUCTIONS=0 skips them.
instructions=
if command -v valgrind >/dev/null && [[ ${ENTRATOOL_BENCH_INSTRUCTIONS:-1} != 0 ]]; then
  echo "counting instructions with callgrind..." >&2
  count() { env "$@" valgrind --tool=callgrind --callgrind-out-file=/dev/null "${prog[@]}" 2>&1 >/dev/null |
    sed -n 's/.*Collected : \([0-9]*\).*/\1/p' | tail -n1; }
  prog=("$work/puts"); instructions+="puts $(count)"$'\n'
  prog=("$work/trivial"); instructions+="trivial $(count)"$'\n'
  prog=("${floor[@]}"); instructions+="floor $(count)"$'\n'
  prog=("$curl_bin" -K "$work/curl.cfg"); instructions+="curl $(count)"$'\n'
  for i in "${!bins[@]}"; do
    e=${bins[$i]} p=${prefixes[$i]}
    prog=("$e" "${get[@]}")
    instructions+="${p}cached $(count "ENTRATOOL_CONFIG_DIR=$one")"$'\n'
    instructions+="${p}manifests200 $(count "ENTRATOOL_CONFIG_DIR=$one" "XDG_DATA_HOME=$data200")"$'\n'
    instructions+="${p}entries $(count "ENTRATOOL_CONFIG_DIR=$many")"$'\n'
    prog=("$e" "${get[@]}" -o json); instructions+="${p}json $(count "ENTRATOOL_CONFIG_DIR=$one")"$'\n'
    prog=("$e" "${get[@]}" -o yaml); instructions+="${p}yaml $(count "ENTRATOOL_CONFIG_DIR=$one")"$'\n'
    prog=("$e" "${get[@]}" --force); instructions+="${p}force $(count "ENTRATOOL_CONFIG_DIR=$one")"$'\n'
  done
fi
stop_provider

all=$cached$'\n'$network
field() { awk -v k="$1" -v f="$2" '$1==k{print $f}' <<<"$all"; }
pfield() { awk -v k="$1" '$1==k{print $2}' <<<"$parallel"; }
ifield() { awk -v k="$1" '$1==k{print $2}' <<<"$instructions"; }

echo "entratool, issue-10 targets: median wall time of interleaved runs, the processes' own CPU time, peak RSS"
echo "build: $build${BASELINE_BUILD:+ (baseline: $BASELINE_BUILD)}; $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "$runs cached runs, $net_runs network runs; provider traffic: $traffic"
label_of() {
  case $1 in
    puts) echo "C puts program";; trivial) echo "C++ iostream program (bench/trivial.cpp)";;
    floor) echo "plugin floor (bench/plugin_floor.c)";;
    curl) echo "curl, the same token request (https)";;
    cached) echo "get-token, cached (-o token)";; json) echo "get-token, cached, -o json";;
    yaml) echo "get-token, cached, -o yaml";; manifests200) echo "get-token, cached, 200 manifests";;
    entries) echo "get-token, cached, $entries entries";; force) echo "get-token --force (https)";;
  esac
}
printf '  %-44s %9s %9s %8s %12s\n' "" "wall ms" "cpu ms" "rss KB" "instructions"
for p in "${prefixes[@]}"; do
  [[ -n $p ]] && echo "  baseline:"
  for k in puts trivial floor curl cached json yaml manifests200 entries force; do
    case $k in puts | trivial | floor | curl) [[ -n $p ]] && continue; key=$k;; *) key=$p$k;; esac
    awk -v l="$(label_of $k)" -v w="$(field "$key" 2)" -v c="$(field "$key" 5)" -v r="$(field "$key" 6)" -v n="$(ifield "$key")" \
      'BEGIN { printf "  %-44s %9.3f %9.3f %8d %11s\n", l, w / 1000, c / 1000, r, (n == "" ? "-" : sprintf("%.2fM", n / 1e6)) }'
  done
done
ratio() {  # label key_a key_b target [ge]: wall, cpu and instruction ratios of a over b
  awk -v l="$1" -v a="$(field "$2" 2)" -v b="$(field "$3" 2)" -v ca="$(field "$2" 5)" -v cb="$(field "$3" 5)" \
      -v ia="$(ifield "$2")" -v ib="$(ifield "$3")" -v t="$4" 'BEGIN {
    r = a / b; printf "  %-30s %6.2fx  cpu %5.2fx", l, r, (cb > 0 ? ca / cb : 0)
    printf "  instructions %s", (ia > 0 && ib > 0 ? sprintf("%5.2fx", ia / ib) : "    -")
    if (t > 0) printf "   target <= %.2fx: %s", t, (r <= t ? "met" : "MISSED")
    printf "\n" }'
}
echo "the plugin boundary itself (no target; bench/plugin_floor.c loads and calls the same two plugins, nothing else):"
ratio "plugin floor/puts" floor puts 0
for p in "${prefixes[@]}"; do
  echo "ratios${p:+ (baseline)}: wall time (target judged on it), cpu time, instructions:"
  ratio "cached/puts" "${p}cached" puts 1.6
  ratio "cached/trivial" "${p}cached" trivial 1.0
  ratio "cached/plugin floor" "${p}cached" floor 0
  ratio "json/token" "${p}json" "${p}cached" 1.2
  ratio "yaml/token" "${p}yaml" "${p}cached" 1.2
  ratio "force/curl" "${p}force" curl 1.1
  ratio "manifests200/manifests$bundled" "${p}manifests200" "${p}cached" 1.05
  ratio "entries$entries/entries1" "${p}entries" "${p}cached" 1.05
  awk -v c="$(pfield "${p}cached")" -v t="$(pfield trivial)" 'BEGIN {
    printf "  %-30s %6.0f calls/s (64 trivial programs at once: %.0f/s)\n", "64 cached calls at once", c, t }'
  awk -v r="$(field "${p}cached" 6)" 'BEGIN {
    printf "  %-30s %6.2f MB   target <= 4 MB: %s\n", "peak RSS, cached", r / 1024, (r <= 4096 ? "met" : "MISSED") }'
done
if [[ -n ${BASELINE_BUILD:-} ]]; then
  awk -v a="$(pfield cached)" -v b="$(pfield base_cached)" 'BEGIN {
    printf "parallel throughput against the baseline: %.2fx   target >= 2x: %s\n", a / b, (a / b >= 2 ? "met" : "MISSED") }'
fi
