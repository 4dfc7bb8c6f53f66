/* Reference for the mm-anon bench: the same design in plain C, no Node.js.
 * Map 16 + size bytes of anonymous shared memory, fork a child that blocks SIGUSR1 and
 * waits in sigwait, read FILE into the mapping after a 16-byte length header, store the
 * length, send SIGUSR1; the child writes the bytes to stdout. Usage: anon-ref FILE */
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc != 2) return 2;
  int fd = open(argv[1], O_RDONLY);
  struct stat st;
  if (fd < 0 || fstat(fd, &st) != 0) { perror(argv[1]); return 1; }
  size_t size = (size_t)st.st_size;
  uint8_t *p = mmap(NULL, 16 + size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) { perror("mmap"); return 1; }
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGUSR1);
  sigprocmask(SIG_BLOCK, &set, NULL);
  pid_t pid = fork();
  if (pid == 0) {
    int sig;
    sigwait(&set, &sig);
    uint64_t len = __atomic_load_n((uint64_t *)p, __ATOMIC_ACQUIRE);
    for (uint64_t off = 0; off < len;) {
      ssize_t n = write(1, p + 16 + off, len - off);
      if (n <= 0) _exit(1);
      off += (uint64_t)n;
    }
    _exit(0);
  }
  size_t got = 0;
  while (got < size) {
    ssize_t n = read(fd, p + 16 + got, size - got);
    if (n <= 0) break;
    got += (size_t)n;
  }
  __atomic_store_n((uint64_t *)p, (uint64_t)got, __ATOMIC_RELEASE);
  kill(pid, SIGUSR1);
  int status;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
