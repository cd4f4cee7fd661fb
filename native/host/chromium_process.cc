#include "chromium_process.h"

#include <errno.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "util.h"

namespace lkb {

std::vector<std::string> chromiumArgv(const ChromiumSpec& s) {
  std::vector<std::string> argv = {s.binary,
                                   "--test-type",
                                   "--disable-gpu",
                                   "--disable-background-networking",
                                   "--disable-component-update",
                                   "--disable-sync",
                                   "--no-first-run",
                                   "--no-default-browser-check",
                                   "--disable-quic",
                                   "--password-store=basic",
                                   "--noerrdialogs",
                                   "--disable-session-crashed-bubble",
                                   // WebUIOmniboxPopup/WebUIOmniboxAimPopup: Chromium 156 preloads the omnibox popups
                                   // as two WebUI renderers (~40 MiB private) that a kiosk window never shows.
                                   "--disable-features=Translate,MediaRouter,DialMediaRouteProvider,WebUIOmniboxPopup,"
                                   "WebUIOmniboxAimPopup",
                                   "--user-data-dir=" + s.profileDir,
                                   // DevTools on fds 3/4 only (devtools_pipe.h): no TCP port at all
                                   "--remote-debugging-pipe",
                                   "--autoplay-policy=no-user-gesture-required",
                                   "--kiosk",
                                   "--window-position=0,0",
                                   "--window-size=" + std::to_string(s.width) + "," + std::to_string(s.height)};
  // Containers often mount a 64 MB /dev/shm: Chromium then crashes renderers; let it use /tmp instead.
  if (s.smallDevShm) argv.push_back("--disable-dev-shm-usage");
  if (!s.sandbox) argv.push_back("--no-sandbox");
  // Egress: every connection Chromium makes goes through the runtime's proxy, which checks the address at connect
  // time. "<-loopback>" removes Chromium's implicit bypass of localhost/127.0.0.1/[::1], so those are proxied (and
  // refused) too; WebRTC may not send UDP outside the proxy (it uses TCP through it, or fails).
  if (!s.proxyServer.empty()) {
    argv.push_back("--proxy-server=" + s.proxyServer);
    argv.push_back("--proxy-bypass-list=<-loopback>");
    argv.push_back("--force-webrtc-ip-handling-policy=disable_non_proxied_udp");
  }
  // "--" ends Chromium's switches: the URL can never be read as a flag.
  argv.push_back("--");
  argv.push_back(s.url);
  return argv;
}

std::vector<std::string> chromiumEnv(const ChromiumSpec& s) {
  // HOME/XDG_CONFIG_HOME: Chromium's crashpad handlers keep their database under $HOME/.config (not under
  // the profile); keep it inside our temp dir so nothing is shared between pages or left in the real $HOME.
  // TMPDIR: Chromium's process-singleton socket lives in a fresh $TMPDIR/org.chromium.Chromium.XXXXXX dir that it
  // never removes; inside our temp dir it goes with the session (it used to be one dir in /tmp per session).
  std::vector<std::string> env = {"DISPLAY=:" + std::to_string(s.display), "XAUTHORITY=" + s.xauthority,
                                  "XDG_CONFIG_HOME=" + s.workdir + "/config", "HOME=" + s.workdir + "/home",
                                  "TMPDIR=" + s.workdir + "/tmp"};
  env.push_back(s.pulseSocket.empty() ? "PULSE_SERVER=unix:/nonexistent" : "PULSE_SERVER=unix:" + s.pulseSocket);
  return env;
}

bool ChromiumProcess::launch(const std::string& binary, const std::string& workdir, const std::string& url, int width,
                             int height, int display, const std::string& pulseSocket, const ChromiumIsolation& iso) {
  lastUrl_ = url;
  ++generation_;
  if (!profile_.empty()) removeTree(profile_);
  profile_ = workdir + "/profile-" + std::to_string(generation_);
  mkdir(profile_.c_str(), 0700);
  if (iso.uid >= 0 && chown(profile_.c_str(), static_cast<uid_t>(iso.uid), static_cast<gid_t>(iso.uid)) != 0) return false;
  const std::string tmp = workdir + "/tmp";  // Chromium's TMPDIR (chromiumEnv)
  if (mkdir(tmp.c_str(), 0700) != 0 && errno != EEXIST) return false;
  if (iso.uid >= 0 && chown(tmp.c_str(), static_cast<uid_t>(iso.uid), static_cast<gid_t>(iso.uid)) != 0) return false;
  ChromiumSpec spec{binary, profile_, url, width, height, display, workdir, pulseSocket, false, iso.proxyServer, iso.xauthority, iso.sandbox};
  struct statvfs vfs {};
  spec.smallDevShm = statvfs("/dev/shm", &vfs) == 0 && static_cast<uint64_t>(vfs.f_blocks) * vfs.f_frsize < (512ull << 20);
  if (!devtools_.open()) return false;
  SpawnSpec s;
  s.argv = chromiumArgv(spec);
  s.env = makeEnv(chromiumEnv(spec));
  s.logPath = workdir + "/chromium.log";
  s.uid = iso.uid;
  s.passFds = {devtools_.childReadFd(), devtools_.childWriteFd()};
  pid_ = spawnChild(s);
  devtools_.closeChildEnds();
  if (pid_ < 0) {
    devtools_.close();
    return false;
  }
  return true;
}

void ChromiumProcess::kill(const std::vector<pid_t>& keep) {
  if (pid_ > 0) ::kill(pid_, SIGKILL);
  killDescendants(keep, 3000);  // also reaps chromium itself
  pid_ = -1;
  devtools_.close();
}

}  // namespace lkb
