/* The floor for bench/targets.sh: the cheapest program a process can be (C, dynamic libc). */
#include <stdio.h>
int main(void) {
  puts("x");
  return 0;
}
