/*
 * The tug of war's -O2 trap in miniature. A player process busy-waits on a stop flag in a
 * MAP_SHARED page while its parent, the arbiter, raises the flag after 100 ms.
 *
 *   cc -O0 spin.c        plain int flag: re-read every turn, the player stops
 *   cc -O2 spin.c        plain int flag: the load is hoisted out of the loop, the player
 *                        spins forever (here: until SIGALRM ends it after 2 s)
 *   cc -O2 -DATOMIC ...  __atomic_load_n(..., __ATOMIC_ACQUIRE): re-read every turn, stops
 *
 * Prints one line: what happened to the player. Exit 0 either way (it is a demonstration).
 */
#include <signal.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

struct game {
  int stop;
  long pulls;
};

int main(void) {
  struct game *g = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (g == MAP_FAILED) {
    perror("mmap");
    return 1;
  }
  pid_t pid = fork();
  if (pid < 0) {
    perror("fork");
    return 1;
  }
  if (pid == 0) {
    alarm(2); /* a player that never sees the flag is ended by SIGALRM */
    long pulls = 0;
#ifdef ATOMIC
    while (!__atomic_load_n(&g->stop, __ATOMIC_ACQUIRE)) pulls++;
#else
    while (!g->stop) pulls++;
#endif
    g->pulls = pulls;
    return 0;
  }
  usleep(100000);
#ifdef ATOMIC
  __atomic_store_n(&g->stop, 1, __ATOMIC_RELEASE);
#else
  g->stop = 1;
#endif
  int status;
  waitpid(pid, &status, 0);
  if (WIFSIGNALED(status))
    printf("player never saw the stop flag: ended by signal %d (SIGALRM) after 2 s\n", WTERMSIG(status));
  else
    printf("player saw the stop flag and stopped after %ld turns of its loop\n", g->pulls);
  return 0;
}
