// Small POSIX helpers for the engine host: RAII fds, clocks, child processes, process-tree cleanup.
#pragma once
#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace lkb {

void logf(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() { reset(); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  Fd(Fd&& o) noexcept : fd_(o.release()) {}
  Fd& operator=(Fd&& o) noexcept {
    if (this != &o) {
      reset();
      fd_ = o.release();
    }
    return *this;
  }
  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int release() {
    int f = fd_;
    fd_ = -1;
    return f;
  }
  void reset(int fd = -1);

 private:
  int fd_ = -1;
};

int64_t monotonicUs();

struct SpawnSpec {
  std::vector<std::string> argv;
  std::vector<std::string> env;  // full environment (KEY=VALUE)
  std::string logPath;           // stdout+stderr go here ("" = /dev/null)
  std::vector<int> passFds;      // become fds 3, 4, ... in the child (at most 8)
  int uid = -1;                  // >= 0: the child drops to this uid (and gid = uid, no supplementary groups)
};

// fork+exec with PR_SET_PDEATHSIG(SIGKILL), default signal mask, all other fds closed. Returns pid or -1.
pid_t spawnChild(const SpawnSpec& spec);

// Whether a process with `uid` (-1 = ours) may create the namespaces Chromium's sandbox creates (a user namespace,
// then pid + net inside it). Forks a probe child; a seccomp profile or sysctl that forbids them makes it fail, and
// `*why` (if given) then names the call and its errno, e.g. "unshare(CLONE_NEWUSER): Operation not permitted".
bool userNamespacesWork(int uid, std::string* why = nullptr);

// A child environment built from scratch: PATH, LANG, LC_ALL, TZ, TMPDIR of this process plus `overrides`
// (KEY=VALUE). Nothing else is inherited (no credential can leak to Xvfb, PulseAudio, Chromium, crashpad).
std::vector<std::string> makeEnv(const std::vector<std::string>& overrides);

// Direct children of this process (we are a child subreaper, so orphaned descendants show up here).
std::vector<pid_t> childPids();

// SIGKILL every descendant except `keep`, then reap until none is left or the deadline passes.
void killDescendants(const std::vector<pid_t>& keep, int timeoutMs);

bool removeTree(const std::string& path);

}  // namespace lkb
