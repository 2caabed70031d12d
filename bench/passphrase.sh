#!/usr/bin/env bash
# Passphrase-mode benchmark. Starts the local test identity provider, makes three config folders
# with one cached token each (a key-file store; a passphrase store; a passphrase store with
# "unlock_timeout": "0", which runs scrypt in every process), unlocks the passphrase store once,
# and times a cached `get-token` in each, interleaved (round-robin after a warm-up), with medians:
#   passphrase store after the first unlock, against the key-file store     target <= 1.5x
#   passphrase store without the session cache (scrypt per process), for comparison
# plus a trivial C++ program, and instruction counts (callgrind). Reports only; never fails on
# timing. Runs itself under `keyctl session -` (package keyutils), so the unlocked key lives in a
# keyring of its own that dies with the benchmark.
#
#   bench/passphrase.sh [BUILD_DIR] [RUNS]     (defaults: build, 200; the scrypt case runs RUNS/20)
set -euo pipefail
if [[ -z ${ENTRATOOL_BENCH_OWN_SESSION:-} ]]; then
  command -v keyctl >/dev/null || { echo "passphrase.sh: keyctl is needed (scripts/install-deps.sh --test)" >&2; exit 1; }
  ENTRATOOL_BENCH_OWN_SESSION=1 exec keyctl session - "$0" "$@"
fi
here=$(cd "$(dirname "$0")" && pwd)
source_dir=$(cd "$here/.." && pwd)
build=$(cd "${1:-$source_dir/build}" && pwd)
runs=${2:-200}
slow_runs=$(( runs / 20 > 5 ? runs / 20 : 5 ))
on_cleanup() { keyctl clear @s >/dev/null 2>&1 || true; }  # the unlocked key goes with the benchmark
# shellcheck source=bench/common.sh
source "$here/common.sh"
passphrase='a benchmark passphrase of reasonable length'

# key: key-file store; pass: passphrase store (unlocked once, below); slow: passphrase, no cache.
mkdir -m 700 "$work/slow"
printf '{"keystore_settings": {"unlock_timeout": "0"}}\n' >"$work/slow/config.json"
chmod 600 "$work/slow/config.json"
for dir in pass slow; do  # the key-file store is common.sh's $one
  ENTRATOOL_CONFIG_DIR="$work/$dir" ENTRATOOL_KEYSTORE_PASSPHRASE=$passphrase "$entratool" create-profile --name bench \
    --tenant-id "$tenant" --client-id "$client_id" --scope "$scope" --authority-host "$authority" --ca-bundle "$ca" \
    --client-secret-stdin --set-default <<<"$secret" >/dev/null 2>&1
  ENTRATOOL_CONFIG_DIR="$work/$dir" ENTRATOOL_KEYSTORE_PASSPHRASE=$passphrase "$entratool" get-token -p bench --silent >/dev/null
done
# The passphrase store is unlocked now (create-profile did it): no variable from here on, except
# for the store that keeps nothing unlocked.
ENTRATOOL_CONFIG_DIR=$work/pass "$entratool" get-token -p bench --silent >/dev/null \
  || { echo "passphrase.sh: the unlocked store still wants its passphrase" >&2; exit 1; }

echo "timing ($runs cached runs each, $slow_runs for the store without the session cache)..." >&2
fast=$("$work/timer" "$runs" 20 \
  trivial "$work/trivial" :: \
  key "ENTRATOOL_CONFIG_DIR=$one" "$entratool" get-token -p bench --silent :: \
  pass "ENTRATOOL_CONFIG_DIR=$work/pass" "$entratool" get-token -p bench --silent)
slow=$("$work/timer" "$slow_runs" 2 \
  slow "ENTRATOOL_CONFIG_DIR=$work/slow" "ENTRATOOL_KEYSTORE_PASSPHRASE=$passphrase" "$entratool" get-token -p bench --silent)

instructions=
if command -v valgrind >/dev/null && [[ ${ENTRATOOL_BENCH_INSTRUCTIONS:-1} != 0 ]]; then
  echo "counting instructions with callgrind..." >&2
  count() { env "$@" 2>&1 >/dev/null | sed -n 's/.*Collected : \([0-9]*\).*/\1/p' | tail -n1; }
  vg=(valgrind --tool=callgrind --callgrind-out-file=/dev/null)
  instructions="trivial $(count "${vg[@]}" "$work/trivial")
key $(count "ENTRATOOL_CONFIG_DIR=$one" "${vg[@]}" "$entratool" get-token -p bench --silent)
pass $(count "ENTRATOOL_CONFIG_DIR=$work/pass" "${vg[@]}" "$entratool" get-token -p bench --silent)"
fi

stop_provider

field() { awk -v k="$1" -v f="$2" '$1==k{print $f}' <<<"$fast"$'\n'"$slow"; }
echo "entratool get-token (cached), passphrase store vs key-file store: median wall time (p10-p90), cpu time"
echo "build: $build; $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
row() {  # label key base_key target
  awk -v name="$1" -v v="$(field "$2" 2)" -v lo="$(field "$2" 3)" -v hi="$(field "$2" 4)" -v cpu="$(field "$2" 5)" \
      -v base="$( [[ -n $3 ]] && field "$3" 2 || echo 0)" -v cbase="$( [[ -n $3 ]] && field "$3" 5 || echo 0)" -v target="$4" 'BEGIN {
    printf "  %-48s %9.3f ms (%8.3f-%9.3f)  cpu %8.3f ms", name, v / 1000, lo / 1000, hi / 1000, cpu / 1000
    if (base > 0) printf "  %6.2fx (cpu %6.2fx)", v / base, (cbase > 0 ? cpu / cbase : 0)
    if (target > 0) printf "  target <= %.1fx: %s", target, (v / base <= target ? "met" : "MISSED")
    printf "\n"
  }'
}
row "trivial C++ program" trivial "" 0
row "key-file store" key "" 0
row "passphrase store, unlocked in this session" pass key 1.5
row "passphrase store, unlock_timeout 0 (scrypt)" slow key 0
echo "(ratios against the key-file store; the target is judged on wall time)"
if [[ -n $instructions ]]; then
  echo "instructions executed (callgrind, one run each):"
  awk '{ v[$1] = $2 } END {
    printf "  trivial %.2fM; key-file store %.2fM; passphrase store, unlocked %.2fM (%.2fx of key-file)\n", v["trivial"] / 1e6, v["key"] / 1e6, v["pass"] / 1e6, v["pass"] / v["key"]
  }' <<<"$instructions"
fi
