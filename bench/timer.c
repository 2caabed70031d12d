/* bench/timer: runs several commands interleaved and prints each one's median wall time.
 *
 *   timer RUNS WARMUP LABEL [NAME=VALUE...] CMD ARGS... [:: LABEL [NAME=VALUE...] CMD ARGS...]...
 *
 * Leading NAME=VALUE words set environment variables for that command only (no `env` process
 * in between to distort the figures). Each round runs the commands in a new random order
 * (a fixed seed, so runs are repeatable): in a fixed cycle every command would always follow the
 * same one, and a process runs measurably slower after one that has evicted its caches (a
 * command right after the C++ program was 4% slower than the same command after itself). Output
 * and errors go to /dev/null; a failing run stops everything.
 * Prints "LABEL median_us p10_us p90_us median_cpu_us median_maxrss_kb" per command. */
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

extern char** environ;

struct command {
  const char* label;
  char** argv;
  char** envp;
};

static int cmp(const void* a, const void* b) {
  double x = *(const double*)a, y = *(const double*)b;
  return (x > y) - (x < y);
}

static double now_us(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

/* environ with NAME=VALUE overrides applied. */
static char** make_env(char** overrides, int n) {
  int base = 0;
  while (environ[base]) base++;
  char** envp = calloc((size_t)base + n + 1, sizeof *envp);
  int k = 0;
  for (int i = 0; i < base; i++) {
    int replaced = 0;
    for (int j = 0; j < n; j++) {
      size_t len = strcspn(overrides[j], "=") + 1;
      if (strncmp(environ[i], overrides[j], len) == 0) replaced = 1;
    }
    if (!replaced) envp[k++] = environ[i];
  }
  for (int j = 0; j < n; j++) envp[k++] = overrides[j];
  envp[k] = NULL;
  return envp;
}

static double run_once(const struct command* c, double* cpu_us, double* rss_kb) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  double start = now_us();
  pid_t pid;
  if (posix_spawn(&pid, c->argv[0], &fa, NULL, c->argv, c->envp) != 0) {
    perror(c->argv[0]);
    exit(2);
  }
  int status;
  struct rusage ru;
  wait4(pid, &status, 0, &ru);
  double elapsed = now_us() - start;
  posix_spawn_file_actions_destroy(&fa);
  *rss_kb = (double)ru.ru_maxrss;
  *cpu_us = (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e6 + ru.ru_utime.tv_usec + ru.ru_stime.tv_usec;
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    fprintf(stderr, "timer: '%s' (%s) failed with status %d\n", c->label, c->argv[0], status);
    exit(2);
  }
  return elapsed;
}

int main(int argc, char** argv) {
  if (argc < 5) {
    fprintf(stderr, "usage: timer RUNS WARMUP LABEL [NAME=VALUE...] CMD... [:: LABEL ...]\n");
    return 2;
  }
  int runs = atoi(argv[1]), warmup = atoi(argv[2]), n = 0;
  struct command cmds[16];
  for (int i = 3; i < argc && n < 16;) {
    cmds[n].label = argv[i++];
    int first_env = i;
    while (i < argc && strchr(argv[i], '=') && argv[i][0] != '/' && argv[i][0] != '.') i++;
    cmds[n].envp = make_env(&argv[first_env], i - first_env);
    cmds[n].argv = &argv[i];
    while (i < argc && strcmp(argv[i], "::") != 0) i++;
    if (i < argc) argv[i++] = NULL;
    n++;
  }
  double *t = calloc((size_t)runs * n, sizeof *t), *cpu = calloc((size_t)runs * n, sizeof *cpu);
  double* rss = calloc((size_t)runs * n, sizeof *rss);
  int order[16];
  for (int k = 0; k < n; k++) order[k] = k;
  unsigned long long seed = 0x9E3779B97F4A7C15ULL;
  for (int r = -warmup; r < runs; r++) {
    for (int k = n - 1; k > 0; k--) {  // Fisher-Yates with a 64-bit LCG (Knuth's MMIX constants)
      seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
      int j = (int)((seed >> 33) % (unsigned long long)(k + 1)), swap = order[k];
      order[k] = order[j];
      order[j] = swap;
    }
    for (int k = 0; k < n; k++) {
      int c = order[k];
      double cpu_us, rss_kb, us = run_once(&cmds[c], &cpu_us, &rss_kb);
      if (r >= 0) {
        t[c * runs + r] = us;
        cpu[c * runs + r] = cpu_us;
        rss[c * runs + r] = rss_kb;
      }
    }
  }
  for (int c = 0; c < n; c++) {
    qsort(&t[c * runs], runs, sizeof *t, cmp);
    qsort(&cpu[c * runs], runs, sizeof *cpu, cmp);
    qsort(&rss[c * runs], runs, sizeof *rss, cmp);
    printf("%s %.1f %.1f %.1f %.1f %.0f\n", cmds[c].label, t[c * runs + runs / 2], t[c * runs + runs / 10],
           t[c * runs + (runs * 9) / 10], cpu[c * runs + runs / 2], rss[c * runs + runs / 2]);
  }
  return 0;
}
