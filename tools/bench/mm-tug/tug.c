/*
 * The peer for mm-tug's bench: the same tug of war in plain C. Two forked players pull an
 * int in a MAP_SHARED page (left -1, right +1) until the parent raises an acquire-read stop
 * flag after SECONDS; racy (volatile load then store) or atomic (lock add).
 *
 *   cc -O2 -o tug tug.c && ./tug none 1.5
 *
 * Prints one JSON object: both pull counts, right - left, the position, lost, pulls/s.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct game {
  int stop;
  char pad1[60];
  int position;
  char pad2[60];
  long pulls[2];
};

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
  if (argc != 3 || (strcmp(argv[1], "none") && strcmp(argv[1], "atomic"))) {
    fprintf(stderr, "usage: tug none|atomic SECONDS\n");
    return 2;
  }
  int atomic = !strcmp(argv[1], "atomic");
  double seconds = atof(argv[2]);
  struct game *g = mmap(NULL, sizeof *g, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (g == MAP_FAILED) {
    perror("mmap");
    return 1;
  }
  pid_t pids[2];
  for (int side = 0; side < 2; side++) {
    pids[side] = fork();
    if (pids[side] == 0) {
      int step = side == 0 ? -1 : 1;
      long n = 0;
      volatile int *p = &g->position;
      while (!__atomic_load_n(&g->stop, __ATOMIC_ACQUIRE)) {
        if (atomic)
          __atomic_add_fetch(&g->position, step, __ATOMIC_SEQ_CST);
        else
          *p = *p + step;
        n++;
      }
      g->pulls[side] = n;
      _exit(0);
    }
  }
  double t0 = now();
  usleep((useconds_t)(seconds * 1e6));
  __atomic_store_n(&g->stop, 1, __ATOMIC_RELEASE);
  for (int side = 0; side < 2; side++) waitpid(pids[side], NULL, 0);
  double dt = now() - t0;
  long expected = g->pulls[1] - g->pulls[0];
  printf("{\"sync\":\"%s\",\"leftPulls\":%ld,\"rightPulls\":%ld,\"expected\":%ld,\"position\":%d,\"lost\":%ld,\"seconds\":%.3f,\"pullsPerSecond\":%.0f}\n",
         argv[1], g->pulls[0], g->pulls[1], expected, g->position, expected - g->position, dt, (g->pulls[0] + g->pulls[1]) / dt);
  return 0;
}
