#!/usr/bin/env bash
# Start-up benchmark: how much slower than a trivial C++ program are `entratool --version` and
# `entratool plugins list`? Builds a hello-world with the same compiler (-O2) and a small C timer
# (posix_spawn + waitpid, CLOCK_MONOTONIC), then runs the three programs interleaved (round-robin,
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

cat >"$work/trivial.cpp" <<'CPP'
#include <iostream>
int main() { std::cout << "hello\n"; return 0; }
CPP
"$cxx" -O2 -o "$work/trivial" "$work/trivial.cpp"

cat >"$work/timer.c" <<'C'
/* timer RUNS WARMUP LABEL CMD... [:: LABEL CMD...]...: interleaved and rotated runs; prints
   "LABEL median_wall_us median_cpu_us" (cpu = the child's user+system time, from wait4). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
extern char **environ;
static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}
static double now_us(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}
static double run_once(char **argv, double *cpu_us) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  double start = now_us();
  pid_t pid;
  if (posix_spawn(&pid, argv[0], &fa, NULL, argv, environ) != 0) { perror(argv[0]); exit(2); }
  int status;
  struct rusage ru;
  wait4(pid, &status, 0, &ru);
  double elapsed = now_us() - start;
  *cpu_us = (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e6 + ru.ru_utime.tv_usec + ru.ru_stime.tv_usec;
  posix_spawn_file_actions_destroy(&fa);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) { fprintf(stderr, "%s failed\n", argv[0]); exit(2); }
  return elapsed;
}
int main(int argc, char **argv) {
  int runs = atoi(argv[1]), warmup = atoi(argv[2]), n = 0;
  char **cmds[16];
  const char *labels[16];
  for (int i = 3; i < argc && n < 16;) {
    labels[n] = argv[i++];
    cmds[n] = &argv[i];
    while (i < argc && strcmp(argv[i], "::") != 0) i++;
    if (i < argc) argv[i++] = NULL;
    n++;
  }
  double *t = calloc((size_t)runs * n, sizeof *t), *cpu = calloc((size_t)runs * n, sizeof *cpu);
  /* Each round starts with a different program, so none always runs first or last. */
  for (int r = -warmup; r < runs; r++)
    for (int k = 0; k < n; k++) {
      int c = ((r % n) + n + k) % n;
      double cpu_us;
      double us = run_once(cmds[c], &cpu_us);
      if (r >= 0) {
        t[c * runs + r] = us;
        cpu[c * runs + r] = cpu_us;
      }
    }
  for (int c = 0; c < n; c++) {
    qsort(&t[c * runs], runs, sizeof *t, cmp);
    qsort(&cpu[c * runs], runs, sizeof *cpu, cmp);
    printf("%s %.1f %.1f\n", labels[c], t[c * runs + runs / 2], cpu[c * runs + runs / 2]);
  }
  return 0;
}
C
"$cc" -O2 -o "$work/timer" "$work/timer.c"

# A clean environment: no user or extra plugin folders, only the build's own plugins beside it.
export HOME=$work/home XDG_DATA_HOME=$work/home/data XDG_CONFIG_HOME=$work/home/config ENTRATOOL_CONFIG_DIR=$work/home/entratool
unset ENTRATOOL_PLUGIN_PATH
plugins=$("$entratool" plugins list -o json | grep -c '"id"' || true)

results=$("$work/timer" "$runs" 20 trivial "$work/trivial" :: version "$entratool" --version :: list "$entratool" plugins list)

field() { awk -v k="$1" -v f="$2" '$1==k{print $f}' <<<"$results"; }

echo "entratool start-up, median of $runs interleaved runs each (after 20 warm-up rounds)"
echo "build: $build ($plugins plugins beside the executable); $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
awk -v t="$(field trivial 2)" -v v="$(field version 2)" -v l="$(field list 2)" \
    -v tc="$(field trivial 3)" -v vc="$(field version 3)" -v lc="$(field list 3)" 'BEGIN {
  printf "  %-24s %10s %7s %10s %7s   %s\n", "", "wall", "ratio", "cpu", "ratio", "target"
  printf "  %-24s %7.3f ms %7s %7.3f ms %7s\n", "trivial C++ program", t / 1000, "1.00x", tc / 1000, "1.00x"
  printf "  %-24s %7.3f ms %6.2fx %7.3f ms %6.2fx   <= 2x: %s\n", "entratool --version", v / 1000, v / t, vc / 1000, vc / tc, (v / t <= 2 ? "met" : "MISSED")
  printf "  %-24s %7.3f ms %6.2fx %7.3f ms %6.2fx   <= 3x: %s\n", "entratool plugins list", l / 1000, l / t, lc / 1000, lc / tc, (l / t <= 3 ? "met" : "MISSED")
}'
echo "(targets are judged on wall time; cpu is the processes' own user+system time, which a busy machine disturbs less)"
