#!/usr/bin/env bash
# Start-up benchmark: how much slower than a trivial C++ program are `entratool --version`,
# `entratool plugins list` and a shell's Tab (`entratool __complete get-token -o ''`, which
# describes every command and reads the formatter manifests)? Builds bench/trivial.cpp with the same compiler (-O2) and bench/timer.c
# (posix_spawn + wait4, CLOCK_MONOTONIC), then runs the three programs interleaved (round-robin,
# so drift in machine load hits all of them alike), after a warm-up, and prints the medians and
# the ratios against the targets. Reports only; it never fails on timing.
#
#   bench/startup.sh [BUILD_DIR] [RUNS]     (defaults: build, 200)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:-$here/../build}" && pwd)
runs=${2:-200}
entratool=$build/bin/entratool
[[ -x $entratool ]] || { echo "startup.sh: $entratool not found; build first (cmake --build $build)" >&2; exit 1; }

cxx=$(sed -n 's/^CMAKE_CXX_COMPILER:[A-Z]*=//p' "$build/CMakeCache.txt" 2>/dev/null || true)
cxx=${cxx:-c++}
cc=${CC:-cc}

work=$(mktemp -d "${TMPDIR:-/tmp}/entratool-bench-XXXXXX")
trap 'rm -rf "$work"' EXIT

# The same helpers as bench/get_token.sh: one trivial program, one timer.
"$cxx" -O2 -o "$work/trivial" "$here/trivial.cpp"
"$cc" -O2 -o "$work/timer" "$here/timer.c"

# A clean environment: no user or extra plugin folders, only the build's own plugins beside it.
export HOME=$work/home XDG_DATA_HOME=$work/home/data XDG_CONFIG_HOME=$work/home/config ENTRATOOL_CONFIG_DIR=$work/home/entratool
unset ENTRATOOL_PLUGIN_PATH
plugins=$("$entratool" plugins list -o json | grep -c '"id"' || true)

results=$("$work/timer" "$runs" 20 trivial "$work/trivial" :: version "$entratool" --version :: list "$entratool" plugins list :: complete "$entratool" __complete get-token -o "")

field() { awk -v k="$1" -v f="$2" '$1==k{print $f}' <<<"$results"; }

echo "entratool start-up, median of $runs interleaved runs each (after 20 warm-up rounds)"
echo "build: $build ($plugins plugins beside the executable); $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
awk -v t="$(field trivial 2)" -v v="$(field version 2)" -v l="$(field list 2)" \
    -v tc="$(field trivial 5)" -v vc="$(field version 5)" -v lc="$(field list 5)" \
    -v c="$(field complete 2)" -v cc="$(field complete 5)" 'BEGIN {
  printf "  %-24s %10s %7s %10s %7s   %s\n", "", "wall", "ratio", "cpu", "ratio", "target"
  printf "  %-24s %7.3f ms %7s %7.3f ms %7s\n", "trivial C++ program", t / 1000, "1.00x", tc / 1000, "1.00x"
  printf "  %-24s %7.3f ms %6.2fx %7.3f ms %6.2fx   <= 2x: %s\n", "entratool --version", v / 1000, v / t, vc / 1000, vc / tc, (v / t <= 2 ? "met" : "MISSED")
  printf "  %-24s %7.3f ms %6.2fx %7.3f ms %6.2fx   <= 3x: %s\n", "entratool plugins list", l / 1000, l / t, lc / 1000, lc / tc, (l / t <= 3 ? "met" : "MISSED")
  printf "  %-24s %7.3f ms %6.2fx %7.3f ms %6.2fx   (a Tab in the shell)\n", "entratool __complete", c / 1000, c / t, cc / 1000, cc / tc
}'
echo "(targets are judged on wall time; cpu is the processes' own user+system time, which a busy machine disturbs less)"
