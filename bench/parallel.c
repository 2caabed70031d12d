/* bench/parallel: throughput of a command run many times at once.
 *
 *   parallel WIDTH ROUNDS LABEL [NAME=VALUE...] CMD ARGS... [:: LABEL [NAME=VALUE...] CMD ARGS...]...
 *
 * Each round starts WIDTH copies of a command together (posix_spawn, output to /dev/null) and
 * waits for all of them; after one warm-up round per command, the commands take turns round by
 * round. Prints "LABEL calls_per_second" per command (WIDTH * ROUNDS calls over the summed time
 * of its rounds). A failing run stops everything. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char** environ;

struct command {
  const char* label;
  char** argv;
  char** envp;
  double seconds;
};

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + t.tv_nsec / 1e9;
}

static char** make_env(char** overrides, int n) {
  int base = 0;
  while (environ[base]) base++;
  char** envp = calloc((size_t)base + n + 1, sizeof *envp);
  int k = 0;
  for (int i = 0; i < base; i++) {
    int replaced = 0;
    for (int j = 0; j < n; j++)
      if (strncmp(environ[i], overrides[j], strcspn(overrides[j], "=") + 1) == 0) replaced = 1;
    if (!replaced) envp[k++] = environ[i];
  }
  for (int j = 0; j < n; j++) envp[k++] = overrides[j];
  envp[k] = NULL;
  return envp;
}

static double round_of(const struct command* c, int width) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  pid_t* pids = calloc((size_t)width, sizeof *pids);
  double start = now_s();
  for (int i = 0; i < width; i++)
    if (posix_spawn(&pids[i], c->argv[0], &fa, NULL, c->argv, c->envp) != 0) {
      perror(c->argv[0]);
      exit(2);
    }
  for (int i = 0; i < width; i++) {
    int status;
    waitpid(pids[i], &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      fprintf(stderr, "parallel: '%s' (%s) failed with status %d\n", c->label, c->argv[0], status);
      exit(2);
    }
  }
  double elapsed = now_s() - start;
  free(pids);
  posix_spawn_file_actions_destroy(&fa);
  return elapsed;
}

int main(int argc, char** argv) {
  if (argc < 5) {
    fprintf(stderr, "usage: parallel WIDTH ROUNDS LABEL [NAME=VALUE...] CMD... [:: LABEL ...]\n");
    return 2;
  }
  int width = atoi(argv[1]), rounds = atoi(argv[2]), n = 0;
  struct command cmds[16];
  for (int i = 3; i < argc && n < 16;) {
    cmds[n].label = argv[i++];
    int first_env = i;
    while (i < argc && strchr(argv[i], '=') && argv[i][0] != '/' && argv[i][0] != '.') i++;
    cmds[n].envp = make_env(&argv[first_env], i - first_env);
    cmds[n].argv = &argv[i];
    cmds[n].seconds = 0;
    while (i < argc && strcmp(argv[i], "::") != 0) i++;
    if (i < argc) argv[i++] = NULL;
    n++;
  }
  for (int c = 0; c < n; c++) (void)round_of(&cmds[c], width);
  for (int r = 0; r < rounds; r++)
    for (int c = 0; c < n; c++) cmds[c].seconds += round_of(&cmds[c], width);
  for (int c = 0; c < n; c++) printf("%s %.1f\n", cmds[c].label, (double)width * rounds / cmds[c].seconds);
  return 0;
}
