/* A C program that waits and wakes on a 32-bit word of a shared file or shm object with
 * futex(2), the same way @mm/core does: the peer for the interop tests and the futex bench.
 *
 *   peer wait FILE OFFSET EXPECTED [TIMEOUT_MS]  sleep while the word == EXPECTED (re-checking
 *                                                after every wake-up); print the new value.
 *                                                Exit 0, or 3 when the timeout passes first.
 *   peer wake FILE OFFSET VALUE [COUNT]          store VALUE, wake COUNT waiters (default all),
 *                                                print how many were woken.
 *   peer ping FILE OFFSET ROUNDS                 ping-pong with a "pong" peer through the word:
 *   peer pong FILE OFFSET ROUNDS                 ping stores 2i+1 and sleeps until 2i+2; pong
 *                                                sleeps until 2i+1 and stores 2i+2. After
 *                                                WARMUP untimed rounds (which also wait for
 *                                                the other side to start), ping times ROUNDS
 *                                                rounds and prints "ROUNDS ns-per-round-trip".
 *                                                The word must start at 0.
 *
 * Shared futexes (no FUTEX_PRIVATE_FLAG): the key is the object and offset, so another process
 * mapping the same object at any address meets us on the same futex.
 * Build: cc -O2 -o peer peer.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define WARMUP 1000u

static long futex(uint32_t *addr, int op, uint32_t val, const struct timespec *ts) {
  return syscall(SYS_futex, addr, op, val, ts, NULL, 0);
}

static void die(const char *what) {
  fprintf(stderr, "peer: %s: %s\n", what, strerror(errno));
  exit(1);
}

static uint32_t *map_word(const char *path, long offset) {
  if (offset < 0 || offset % 4) {
    fprintf(stderr, "peer: %ld: offset must be a multiple of 4\n", offset);
    exit(2);
  }
  int fd = open(path, O_RDWR);
  if (fd < 0) die(path);
  long page = sysconf(_SC_PAGESIZE);
  long base = offset - offset % page;
  uint8_t *p = mmap(NULL, (size_t)page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, base);
  if (p == MAP_FAILED) die("mmap");
  close(fd);
  return (uint32_t *)(p + (offset - base));
}

static uint32_t load(uint32_t *w) { return __atomic_load_n(w, __ATOMIC_SEQ_CST); }
static void store(uint32_t *w, uint32_t v) { __atomic_store_n(w, v, __ATOMIC_SEQ_CST); }

/* Sleeps while *w == v. Returns 0 once it differs, -1 on timeout (deadline is absolute, monotonic). */
static int wait_while(uint32_t *w, uint32_t v, const struct timespec *deadline) {
  while (load(w) == v) {
    if (syscall(SYS_futex, w, FUTEX_WAIT_BITSET, v, deadline, NULL, FUTEX_BITSET_MATCH_ANY) < 0) {
      if (errno == ETIMEDOUT) return -1;
      if (errno != EAGAIN && errno != EINTR) die("futex");
    }
  }
  return 0;
}

static void wake(uint32_t *w, int n) {
  if (futex(w, FUTEX_WAKE, (uint32_t)n, NULL) < 0) die("futex");
}

static int64_t now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

int main(int argc, char **argv) {
  if (argc < 5) {
    fprintf(stderr, "usage: peer wait|wake|ping|pong FILE OFFSET VALUE|ROUNDS [TIMEOUT_MS|COUNT]\n");
    return 2;
  }
  const char *mode = argv[1];
  uint32_t *w = map_word(argv[2], strtol(argv[3], NULL, 0));
  long long arg = strtoll(argv[4], NULL, 0);
  if (!strcmp(mode, "wait")) {
    struct timespec dl, *dlp = NULL;
    if (argc > 5) {
      long ms = strtol(argv[5], NULL, 0);
      clock_gettime(CLOCK_MONOTONIC, &dl);
      dl.tv_sec += ms / 1000;
      dl.tv_nsec += (ms % 1000) * 1000000L;
      if (dl.tv_nsec >= 1000000000L) dl.tv_sec++, dl.tv_nsec -= 1000000000L;
      dlp = &dl;
    }
    if (wait_while(w, (uint32_t)arg, dlp) < 0) return 3;
    printf("%u\n", load(w));
  } else if (!strcmp(mode, "wake")) {
    store(w, (uint32_t)arg);
    int n = argc > 5 ? atoi(argv[5]) : INT_MAX;
    long r = futex(w, FUTEX_WAKE, (uint32_t)n, NULL);
    if (r < 0) die("futex");
    printf("%ld\n", r);
  } else if (!strcmp(mode, "ping") || !strcmp(mode, "pong")) {
    int ping = !strcmp(mode, "ping");
    uint32_t total = WARMUP + (uint32_t)arg;
    int64_t t0 = 0;
    for (uint32_t i = 0; i < total; i++) {
      if (i == WARMUP) t0 = now_ns();
      if (ping) {
        store(w, 2 * i + 1);
        wake(w, 1);
        wait_while(w, 2 * i + 1, NULL);
      } else {
        wait_while(w, 2 * i, NULL);
        store(w, 2 * i + 2);
        wake(w, 1);
      }
    }
    if (ping) printf("%lld %.0f\n", arg, (double)(now_ns() - t0) / (double)arg);
  } else {
    fprintf(stderr, "peer: %s: unknown mode\n", mode);
    return 2;
  }
  if (fflush(stdout) != 0) die("write");
  return 0;
}
