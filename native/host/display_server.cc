#include "display_server.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>

#include "util.h"

namespace lkb {

bool startXvfb(const std::string& workdir, int maxWidth, int maxHeight, XvfbProcess* out) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return false;
  Fd rd(fds[0]), wr(fds[1]);
  SpawnSpec s;
  std::string screen = std::to_string(maxWidth) + "x" + std::to_string(maxHeight) + "x24";
  s.argv = {"/usr/bin/Xvfb", "-displayfd", "3", "-screen", "0", screen, "-nolisten", "tcp", "-noreset"};
  s.env = makeEnv({});
  s.logPath = workdir + "/xvfb.log";
  s.passFd = wr.get();
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
