#include "display_server.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>

#include "util.h"

namespace lkb {

namespace {

// X access: a random MIT-MAGIC-COOKIE-1 in a 0600 file, given to Xvfb (-auth) and to the clients we start (the host
// itself and Chromium, via XAUTHORITY). Without it any process in the pod's network namespace could connect to the
// display's abstract socket, read the screen and inject input. One FamilyWild entry with an empty display number
// matches whatever display -displayfd picks.
bool writeXauthority(const std::string& path) {
  unsigned char cookie[16];
  if (getrandom(cookie, sizeof cookie, 0) != static_cast<ssize_t>(sizeof cookie)) return false;
  std::string rec;
  auto u16 = [&](size_t n) {
    rec.push_back(static_cast<char>((n >> 8) & 0xff));
    rec.push_back(static_cast<char>(n & 0xff));
  };
  auto field = [&](const std::string& s) {
    u16(s.size());
    rec += s;
  };
  u16(0xffff);  // FamilyWild
  field("");    // address
  field("");    // display number: any
  field("MIT-MAGIC-COOKIE-1");
  field(std::string(reinterpret_cast<char*>(cookie), sizeof cookie));
  Fd f(open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (!f.valid()) return false;
  return write(f.get(), rec.data(), rec.size()) == static_cast<ssize_t>(rec.size());
}

}  // namespace

bool startXvfb(const std::string& workdir, int maxWidth, int maxHeight, XvfbProcess* out) {
  out->xauthority = workdir + "/xauthority";
  if (!writeXauthority(out->xauthority)) return false;
  // The host's own xcb_connect reads it from the environment (set before any thread exists).
  if (setenv("XAUTHORITY", out->xauthority.c_str(), 1) != 0) return false;
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return false;
  Fd rd(fds[0]), wr(fds[1]);
  SpawnSpec s;
  std::string screen = std::to_string(maxWidth) + "x" + std::to_string(maxHeight) + "x24";
  // -auth: only holders of the cookie may connect; -extension XTEST: no client (Chromium included) can synthesise
  // input through the X server (our input goes through CDP). -extension GLX: Chromium runs --disable-gpu, and GLX
  // makes Xvfb load Mesa's llvmpipe (libLLVM: ~24 MiB private, ~44 MiB PSS per session, measured).
  s.argv = {"/usr/bin/Xvfb", "-displayfd", "3", "-screen", "0", screen, "-nolisten", "tcp", "-noreset",
            "-auth", out->xauthority, "-extension", "XTEST", "-extension", "GLX"};
  s.env = makeEnv({});
  s.logPath = workdir + "/xvfb.log";
  s.passFds = {wr.get()};
  out->pid = spawnChild(s);
  if (out->pid < 0) return false;
  wr.reset();
  std::string text;
  int64_t deadline = monotonicUs() + 15000000;
  while (text.find('\n') == std::string::npos) {
    pollfd p{rd.get(), POLLIN, 0};
    int left = static_cast<int>((deadline - monotonicUs()) / 1000);
    if (left <= 0 || poll(&p, 1, left) <= 0) return false;
    char c[32];
    ssize_t n = read(rd.get(), c, sizeof c);
    if (n <= 0) return false;
    text.append(c, static_cast<size_t>(n));
  }
  out->display = atoi(text.c_str());
  return true;
}

bool startPulse(const std::string& workdir, PulseProcess* out) {
  out->socket = workdir + "/pulse/native";
  SpawnSpec s;
  s.argv = {"/usr/bin/pulseaudio",
            "--daemonize=no",
            "--system=false",
            "--exit-idle-time=-1",
            "--disallow-exit",
            "-n",
            "--use-pid-file=no",
            "--log-target=stderr",
            "--load=module-native-protocol-unix socket=" + out->socket + " auth-anonymous=1",
            "--load=module-null-sink sink_name=vsink sink_properties=device.description=vsink rate=48000 channels=2",
            "--load=module-always-sink"};
  s.env = makeEnv({"XDG_RUNTIME_DIR=" + workdir + "/pulse", "HOME=" + workdir + "/home", "PULSE_RUNTIME_PATH=" + workdir + "/pulse"});
  s.logPath = workdir + "/pulse.log";
  out->pid = spawnChild(s);
  if (out->pid < 0) return false;
  int64_t deadline = monotonicUs() + 15000000;
  struct stat st{};
  while (stat(out->socket.c_str(), &st) != 0) {
    if (monotonicUs() > deadline) return false;
    int status;
    if (waitpid(out->pid, &status, WNOHANG) == out->pid) {
      out->pid = -1;
      return false;
    }
    usleep(20000);
  }
  return true;
}

}  // namespace lkb
