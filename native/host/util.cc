#include "util.h"

#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <ftw.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <iterator>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

extern char** environ;

namespace lkb {

void logf(const char* fmt, ...) {
  char buf[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  fprintf(stderr, "[lkb-host %d] %s\n", static_cast<int>(getpid()), buf);
  fflush(stderr);
}

void Fd::reset(int fd) {
  if (fd_ >= 0) close(fd_);
  fd_ = fd;
}

int64_t monotonicUs() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
}

std::vector<std::string> makeEnv(const std::vector<std::string>& overrides) {
  // Built from scratch: only these are inherited (the runtime already gives the host a minimal environment; this
  // keeps Xvfb, PulseAudio, Chromium and crashpad clean even if the host is started some other way).
  static const char* const kInherit[] = {"PATH", "LANG", "LC_ALL", "TZ", "TMPDIR"};
  std::vector<std::string> out;
  for (char** e = environ; e && *e; ++e) {
    std::string kv(*e);
    std::string key = kv.substr(0, kv.find('='));
    if (std::none_of(std::begin(kInherit), std::end(kInherit), [&](const char* k) { return key == k; })) continue;
    bool overridden = std::any_of(overrides.begin(), overrides.end(),
                                  [&](const std::string& o) { return o.substr(0, o.find('=')) == key; });
    if (!overridden) out.push_back(kv);
  }
  out.insert(out.end(), overrides.begin(), overrides.end());
  return out;
}

pid_t spawnChild(const SpawnSpec& spec) {
  // Everything the child needs is prepared before fork (only async-signal-safe calls after it).
  std::vector<char*> argv;
  for (const auto& a : spec.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (const auto& e : spec.env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  const char* logPath = spec.logPath.empty() ? "/dev/null" : spec.logPath.c_str();
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid != 0) return pid;
  // child
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent) _exit(127);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  signal(SIGPIPE, SIG_DFL);
  int devnull = open("/dev/null", O_RDONLY);
  if (devnull >= 0) dup2(devnull, 0);
  int log = open(logPath, O_WRONLY | O_CREAT | O_APPEND, 0600);
  if (log >= 0) {
    dup2(log, 1);
    dup2(log, 2);
  }
  // Moved above every target first, so a source that is itself 3 or 4 is not overwritten before it is used.
  const int nPass = static_cast<int>(std::min<size_t>(spec.passFds.size(), 8));
  int moved[8];
  for (int i = 0; i < nPass; ++i) moved[i] = fcntl(spec.passFds[static_cast<size_t>(i)], F_DUPFD_CLOEXEC, 64);
  for (int i = 0; i < nPass; ++i) {
    if (moved[i] < 0 || dup2(moved[i], 3 + i) < 0) _exit(127);  // dup2: the new fd is not close-on-exec
  }
  close_range(static_cast<unsigned>(3 + nPass), ~0U, 0);
  if (spec.uid >= 0) {
    // Drop for good (real, effective and saved ids); a failure must not leave the child running as us.
    uid_t u = static_cast<uid_t>(spec.uid);
    if (setgroups(0, nullptr) != 0 || setresgid(u, u, u) != 0 || setresuid(u, u, u) != 0) _exit(126);
    prctl(PR_SET_PDEATHSIG, SIGKILL);  // a credential change clears the parent-death signal
    if (getppid() != parent) _exit(127);
  }
  execve(argv[0], argv.data(), envp.data());
  _exit(127);
}

bool userNamespacesWork(int uid, std::string* why) {
  // The child reports {step, errno} of the first call that failed over a pipe (step 0 = all worked).
  int p[2];
  if (pipe2(p, O_CLOEXEC) != 0) {
    if (why) *why = std::string("pipe: ") + strerror(errno);
    return false;
  }
  pid_t pid = fork();
  if (pid < 0) {
    if (why) *why = std::string("fork: ") + strerror(errno);
    close(p[0]);
    close(p[1]);
    return false;
  }
  if (pid == 0) {
    close(p[0]);
    int r[2] = {0, 0};
    uid_t u = static_cast<uid_t>(uid);
    // What Chromium's namespace sandbox does: a user namespace, then pid + net namespaces inside it.
    if (uid >= 0 && (setgroups(0, nullptr) != 0 || setresgid(u, u, u) != 0 || setresuid(u, u, u) != 0))
      r[0] = 1;
    else if (unshare(CLONE_NEWUSER) != 0)
      r[0] = 2;
    else if (unshare(CLONE_NEWPID | CLONE_NEWNET) != 0)
      r[0] = 3;
    r[1] = r[0] != 0 ? errno : 0;
    ssize_t w = write(p[1], r, sizeof r);
    _exit(w == static_cast<ssize_t>(sizeof r) && r[0] == 0 ? 0 : 1);
  }
  close(p[1]);
  int r[2] = {-1, 0};
  ssize_t n;
  do n = read(p[0], r, sizeof r);
  while (n < 0 && errno == EINTR);
  close(p[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  bool ok = n == static_cast<ssize_t>(sizeof r) && r[0] == 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
  if (!ok && why) {
    static const char* const kStep[] = {"probe", "dropping to the uid", "unshare(CLONE_NEWUSER)",
                                        "unshare(CLONE_NEWPID|CLONE_NEWNET)"};
    int step = n == static_cast<ssize_t>(sizeof r) && r[0] >= 0 && r[0] <= 3 ? r[0] : 0;
    *why = std::string(kStep[step]) + ": " + (step == 0 ? "the probe child died" : strerror(r[1]));
  }
  return ok;
}

std::vector<pid_t> childPids() {
  std::vector<pid_t> out;
  pid_t self = getpid();
  DIR* d = opendir("/proc");
  if (!d) return out;
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    std::ifstream f(std::string("/proc/") + e->d_name + "/stat");
    std::string line;
    if (!std::getline(f, line)) continue;
    auto rp = line.rfind(')');
    if (rp == std::string::npos) continue;
    std::istringstream rest(line.substr(rp + 2));
    char state;
    int ppid = 0;
    rest >> state >> ppid;
    if (ppid == self) out.push_back(static_cast<pid_t>(std::atoi(e->d_name)));
  }
  closedir(d);
  return out;
}

void killDescendants(const std::vector<pid_t>& keep, int timeoutMs) {
  int64_t deadline = monotonicUs() + static_cast<int64_t>(timeoutMs) * 1000;
  for (;;) {
    bool any = false;
    for (pid_t p : childPids()) {
      if (std::find(keep.begin(), keep.end(), p) != keep.end()) continue;
      any = true;
      kill(p, SIGKILL);
    }
    // Reap what died (children we keep are reaped by the SIGCHLD handler in the main loop).
    for (;;) {
      int st;
      bool reaped = false;
      for (pid_t p : childPids()) {
        if (std::find(keep.begin(), keep.end(), p) != keep.end()) continue;
        if (waitpid(p, &st, WNOHANG) == p) reaped = true;
      }
      if (!reaped) break;
    }
    if (!any || monotonicUs() > deadline) return;
    usleep(10000);
  }
}

static int rmEntry(const char* path, const struct stat*, int, struct FTW*) { return remove(path); }

bool removeTree(const std::string& path) {
  if (path.empty()) return true;
  return nftw(path.c_str(), rmEntry, 16, FTW_DEPTH | FTW_PHYS) == 0;
}

}  // namespace lkb
