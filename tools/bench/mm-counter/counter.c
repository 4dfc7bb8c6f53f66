/*
 * The C reference for mm-counter: the lab's shared-file counter in plain C.
 *
 *   cc -O2 -o counter counter.c
 *   ./counter FILE COUNT none|atomic [32|64]
 *
 * Maps FILE shared (creating it and growing it to the counter's size), then increments the
 * native-endian int at offset 0 COUNT times: `none` is a separate volatile load and store per
 * increment (the lab's race), `atomic` one __atomic_fetch_add per increment. Prints the last
 * value this process stored, like mm-counter. Used by the benchmark (the peer to beat) and by
 * the interoperability test (a foreign program adding to the same counter at the same time).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static int fail(const char *what, const char *name) {
  fprintf(stderr, "counter: %s: %s: %s\n", what, name, strerror(errno));
  return 1;
}

int main(int argc, char **argv) {
  if (argc < 4 || argc > 5) {
    fprintf(stderr, "usage: counter FILE COUNT none|atomic [32|64]\n");
    return 2;
  }
  const char *path = argv[1];
  unsigned long long count = strtoull(argv[2], NULL, 10);
  int atomic = strcmp(argv[3], "atomic") == 0;
  int width = argc == 5 ? atoi(argv[4]) : 32;
  size_t size = width == 64 ? 8 : 4;

  int fd = open(path, O_RDWR | O_CREAT, 0644);
  if (fd < 0) return fail("open", path);
  struct stat st;
  if (fstat(fd, &st) < 0) return fail("fstat", path);
  if ((size_t)st.st_size < size && posix_fallocate(fd, 0, (off_t)size) != 0) return fail("posix_fallocate", path);
  void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (p == MAP_FAILED) return fail("mmap", path);
  close(fd);

  if (width == 64) {
    int64_t *c = p;
    volatile int64_t *v = c;
    int64_t last = 0;
    for (unsigned long long i = 0; i < count; i++) {
      if (atomic) last = __atomic_fetch_add(c, 1, __ATOMIC_SEQ_CST) + 1;
      else *v = last = (int64_t)((uint64_t)*v + 1u);
    }
    printf("%lld\n", (long long)(count ? last : *v));
  } else {
    int32_t *c = p;
    volatile int32_t *v = c;
    int32_t last = 0;
    for (unsigned long long i = 0; i < count; i++) {
      if (atomic) last = (int32_t)((uint32_t)__atomic_fetch_add(c, 1, __ATOMIC_SEQ_CST) + 1u);
      else *v = last = (int32_t)((uint32_t)*v + 1u);
    }
    printf("%d\n", count ? last : *v);
  }
  munmap(p, size);
  return 0;
}
