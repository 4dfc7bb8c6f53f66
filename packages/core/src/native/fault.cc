// Fault-tolerant mappings: one SIGBUS handler per process, and a registry of the address
// ranges of core's live file and shm mappings.
//
// When the file or shm object behind a MAP_SHARED mapping shrinks, touching a page past its
// new end raises SIGBUS (si_code BUS_ADRERR). If the address lies in a registered range, the
// handler maps one page of anonymous zero memory over the faulting page (MAP_FIXED), so the
// access completes and reads zeros, and counts the event on that range; the Mapping reports
// it to JavaScript. Any other SIGBUS goes to the disposition that was there before: a
// handler is called, a default action kills the process exactly as it would have.
//
// Everything the handler touches is async-signal-safe: atomics in fixed slots that are
// never freed, mmap, sigaction, raise. The registry is shared by every thread and every
// Node-API environment (worker) of the process.
#include "common.h"
#include <atomic>
#include <cerrno>
#include <csignal>
#include <mutex>
#include <sys/mman.h>
#include <unistd.h>

namespace mm {

namespace {

constexpr size_t kSlotsPerChunk = 256;

enum SlotState : int { kFree = 0, kBusy = 1, kLive = 2 };

}  // namespace

struct FaultSlot {
  std::atomic<int> state{kFree};
  std::atomic<uintptr_t> start{0};
  std::atomic<uintptr_t> end{0};
  std::atomic<int> prot{0};
  std::atomic<uint64_t> faults{0};
};

namespace {

struct FaultChunk {
  FaultSlot slots[kSlotsPerChunk];
  std::atomic<FaultChunk*> next{nullptr};
};

// The first chunk is static; more are allocated (never freed) when it fills up.
FaultChunk g_first;
struct sigaction g_previous;
std::once_flag g_installed;
size_t g_page = 0;

FaultSlot* Find(uintptr_t addr) {
  for (FaultChunk* c = &g_first; c != nullptr; c = c->next.load(std::memory_order_acquire)) {
    for (FaultSlot& s : c->slots) {
      if (s.state.load(std::memory_order_acquire) != kLive) continue;
      if (addr >= s.start.load(std::memory_order_relaxed) && addr < s.end.load(std::memory_order_relaxed)) return &s;
    }
  }
  return nullptr;
}

// Hands a SIGBUS that is not ours to whatever was installed before, so it ends as it would
// have without core: a handler is called; the default action (or ignoring a fault, which
// the kernel refuses) is restored and the fault happens again, or a sent signal is re-raised.
void Chain(int sig, siginfo_t* info, void* ctx) {
  const struct sigaction& old = g_previous;
  if (old.sa_flags & SA_SIGINFO) {
    if (old.sa_sigaction != nullptr) {
      old.sa_sigaction(sig, info, ctx);
      return;
    }
  } else if (old.sa_handler != SIG_DFL && old.sa_handler != SIG_IGN) {
    old.sa_handler(sig);
    return;
  }
  bool sent = info == nullptr || info->si_code <= 0;  // kill, sigqueue, tgkill
  if (sent && old.sa_handler == SIG_IGN) return;      // ignored, as before
  sigaction(SIGBUS, &old, nullptr);
  if (sent) raise(sig);  // blocked while we run: delivered, with the old action, on return
  // A fault: returning re-runs the access, which now meets the old action.
}

void OnBus(int sig, siginfo_t* info, void* ctx) {
  int saved = errno;
  if (info != nullptr && info->si_code == BUS_ADRERR) {
    uintptr_t addr = reinterpret_cast<uintptr_t>(info->si_addr);
    FaultSlot* s = Find(addr);
    if (s != nullptr) {
      uintptr_t page = addr & ~static_cast<uintptr_t>(g_page - 1);
      void* p = mmap(reinterpret_cast<void*>(page), g_page, s->prot.load(std::memory_order_relaxed),
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
      if (p != MAP_FAILED) {
        s->faults.fetch_add(1, std::memory_order_relaxed);
        errno = saved;
        return;
      }
    }
  }
  Chain(sig, info, ctx);
  errno = saved;
}

void Install() {
  g_page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  struct sigaction sa = {};
  sa.sa_sigaction = OnBus;
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGBUS, nullptr, &g_previous);
  sigaction(SIGBUS, &sa, nullptr);
}

}  // namespace

FaultSlot* RegisterFaultRange(void* start, size_t length, int prot) {
  std::call_once(g_installed, Install);
  FaultChunk* c = &g_first;
  for (;;) {
    for (FaultSlot& s : c->slots) {
      int expected = kFree;
      if (s.state.load(std::memory_order_relaxed) != kFree) continue;
      if (!s.state.compare_exchange_strong(expected, kBusy, std::memory_order_acquire)) continue;
      s.start.store(reinterpret_cast<uintptr_t>(start), std::memory_order_relaxed);
      s.end.store(reinterpret_cast<uintptr_t>(start) + length, std::memory_order_relaxed);
      s.prot.store(prot, std::memory_order_relaxed);
      s.faults.store(0, std::memory_order_relaxed);
      s.state.store(kLive, std::memory_order_release);
      return &s;
    }
    FaultChunk* next = c->next.load(std::memory_order_acquire);
    if (next == nullptr) {
      FaultChunk* fresh = new FaultChunk();
      if (c->next.compare_exchange_strong(next, fresh, std::memory_order_acq_rel)) {
        next = fresh;
      } else {
        delete fresh;  // another thread added one first; use that
      }
    }
    c = next;
  }
}

uint64_t UnregisterFaultRange(FaultSlot* slot) {
  if (slot == nullptr) return 0;
  slot->state.store(kBusy, std::memory_order_release);
  uint64_t n = slot->faults.load(std::memory_order_relaxed);
  slot->start.store(0, std::memory_order_relaxed);
  slot->end.store(0, std::memory_order_relaxed);
  slot->state.store(kFree, std::memory_order_release);
  return n;
}

uint64_t FaultCount(const FaultSlot* slot) {
  return slot == nullptr ? 0 : slot->faults.load(std::memory_order_relaxed);
}

void SetFaultProt(FaultSlot* slot, int prot) {
  if (slot != nullptr) slot->prot.store(prot, std::memory_order_relaxed);
}

}  // namespace mm
