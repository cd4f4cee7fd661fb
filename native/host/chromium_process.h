// Chromium: its command line and environment (pure, one place for every flag), and the running browser: a fresh
// profile and a fresh DevTools pipe (devtools_pipe.h, Chromium's fds 3/4) per launch, SIGKILL of its whole tree.
// The trust model plugs in here (a separate uid, an egress proxy, DevTools over a pipe).
#pragma once
#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "devtools_pipe.h"

namespace lkb {

struct ChromiumSpec {
  std::string binary;
  std::string profileDir;
  std::string url;
  int width = 0, height = 0;
  int display = -1;
  std::string workdir;      // HOME and XDG_CONFIG_HOME live under it
  std::string pulseSocket;  // "" = no audio
  bool smallDevShm = false;
  std::string proxyServer;  // "" = no egress proxy
  std::string xauthority;   // cookie file of the X server
  bool sandbox = false;     // Chromium's own sandbox (namespaces + seccomp-bpf); false = --no-sandbox
};

// How Chromium is kept apart from the host and the runtime.
struct ChromiumIsolation {
  std::string proxyServer;  // egress proxy ("" = none)
  std::string xauthority;   // X cookie file
  int uid = -1;             // >= 0: run as this uid (the host is root); its profile and HOME are chowned to it
  bool sandbox = false;     // run with Chromium's sandbox (the caller probed that user namespaces work)
};

std::vector<std::string> chromiumArgv(const ChromiumSpec& s);
// Variables Chromium gets on top of the few makeEnv() inherits (PATH, locale, TZ, TMPDIR).
std::vector<std::string> chromiumEnv(const ChromiumSpec& s);

class ChromiumProcess {
 public:
  // Launches `url` in a new profile; the previous profile (if any) is removed.
  bool launch(const std::string& binary, const std::string& workdir, const std::string& url, int width, int height,
              int display, const std::string& pulseSocket, const ChromiumIsolation& iso);
  // SIGKILLs Chromium and every descendant except `keep` (the helper daemons) and reaps them.
  void kill(const std::vector<pid_t>& keep);
  // Chromium exited (reaped elsewhere). Its DevTools pipe stays open until the caller has read what is left.
  void exited() { pid_ = -1; }
  pid_t pid() const { return pid_; }
  const std::string& lastUrl() const { return lastUrl_; }
  DevToolsPipe& devtools() { return devtools_; }

 private:
  pid_t pid_ = -1;
  int generation_ = 0;
  std::string profile_;
  std::string lastUrl_;
  DevToolsPipe devtools_;
};

}  // namespace lkb
