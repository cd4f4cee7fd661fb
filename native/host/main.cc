// lkb-host: one engine host per page. Runs Xvfb, a private PulseAudio and Chromium (kiosk) in its own
// session/process group, captures the screen with XDamage + MIT-SHM (the X server writes straight into a
// POSIX shm ring that Node maps), reports cursor changes (XFixes) and page audio (null sink monitor), and
// talks to Node over fd 3 (a socketpair) with the protocol in protocol.h.
// Usage: lkb-host --width W --height H --max-width MW --max-height MH --framerate F --audio 0|1
//                 --chromium PATH --url URL [--slots N] [--parent-pid PID] [--proxy-server http://127.0.0.1:PORT]
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xcb/damage.h>
#include <xcb/shm.h>
#include <xcb/xcb.h>
#include <xcb/xfixes.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "audio.h"
#include "protocol.h"
#include "util.h"

namespace lkb {
namespace {

struct Options {
  int width = 1280, height = 720, maxWidth = 1920, maxHeight = 1080, framerate = 30, slots = 3, parentPid = 0;
  bool audio = true;
  std::string chromium = "/usr/lib/chromium/chromium";
  std::string url = "about:blank";
  std::string proxyServer;  // egress proxy every Chromium connection goes through (empty = none)
};

struct Rect {
  int32_t x, y, w, h;
};

template <typename T>
struct FreeDeleter {
  void operator()(T* p) const { free(p); }
};
template <typename T>
using XReply = std::unique_ptr<T, FreeDeleter<T>>;

struct XcbDeleter {
  void operator()(xcb_connection_t* c) const { xcb_disconnect(c); }
};

bool parseInt(const char* s, int lo, int hi, int* out) {
  char* end = nullptr;
  long v = strtol(s, &end, 10);
  if (!s[0] || *end || v < lo || v > hi) return false;
  *out = static_cast<int>(v);
  return true;
}

// Only a proxy on this machine: the flag must not become a way to send the page's traffic elsewhere.
bool isLoopbackHttpProxy(const char* v) {
  std::string s = v;
  const std::string prefix = "http://127.0.0.1:";
  if (s.rfind(prefix, 0) != 0 || s.size() == prefix.size() || s.size() > prefix.size() + 5) return false;
  return std::all_of(s.begin() + static_cast<long>(prefix.size()), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool parseArgs(int argc, char** argv, Options* o) {
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i];
    const char* v = argv[i + 1];
    int n = 0;
    bool ok = true;
    if (k == "--width") ok = parseInt(v, 16, 8192, &o->width);
    else if (k == "--height") ok = parseInt(v, 16, 8192, &o->height);
    else if (k == "--max-width") ok = parseInt(v, 16, 8192, &o->maxWidth);
    else if (k == "--max-height") ok = parseInt(v, 16, 8192, &o->maxHeight);
    else if (k == "--framerate") ok = parseInt(v, 1, 60, &o->framerate);
    else if (k == "--slots") ok = parseInt(v, 3, 16, &o->slots);
    else if (k == "--parent-pid") ok = parseInt(v, 1, 1 << 30, &o->parentPid);
    else if (k == "--audio") ok = parseInt(v, 0, 1, &n), o->audio = n == 1;
    else if (k == "--chromium") o->chromium = v;
    else if (k == "--url") o->url = v;
    else if (k == "--proxy-server") ok = isLoopbackHttpProxy(v), o->proxyServer = v;
    else ok = false;
    if (!ok) {
      logf("bad argument %s %s", k.c_str(), v);
      return false;
    }
  }
  if (o->width > o->maxWidth || o->height > o->maxHeight) {
    logf("size %dx%d exceeds max %dx%d", o->width, o->height, o->maxWidth, o->maxHeight);
    return false;
  }
  return true;
}

class Host {
 public:
  explicit Host(Options o) : opt_(std::move(o)) {}
  ~Host() { cleanup(); }
  int run();

 private:
  bool handshake();
  bool setupDirs();
  bool writeXauthority();
  bool startXvfb();
  bool setupX();
  bool startPulse();
  bool launchChromium(const std::string& url);
  void appendEgressProxyFlags(std::vector<std::string>* argv) const;
  void killChromium();
  void pollDevToolsPort();
  void onSignals();
  void onChildExit(pid_t pid, int status);
  bool onControlReadable();
  bool handleMessage(const uint8_t* p, size_t n);
  void onXEvents();
  void fetchDamage();
  void fitToScreen(xcb_window_t win);
  bool sameAsLast(int32_t slot) const;
  void maybeGrab();
  void handleXEvent(xcb_generic_event_t* raw, bool* damaged);
  void onAudio();
  void send(std::vector<uint8_t> frame, bool droppable = false);
  bool flush();
  void fatal(const std::string& msg);
  int pollTimeoutMs() const;
  void cleanup();

  Options opt_;
  Fd ctrl_{3};
  Fd sigfd_;
  std::string tmp_;
  pid_t xvfb_ = -1, pulse_ = -1, chromium_ = -1;
  int chromiumGen_ = 0;
  std::string chromiumProfile_;
  std::string xauth_;  // MIT-MAGIC-COOKIE-1 file of our X server (0600)
  int64_t chromiumStartUs_ = 0;
  bool cdpPending_ = false;
  std::string lastUrl_;
  int display_ = -1;
  std::unique_ptr<xcb_connection_t, XcbDeleter> conn_;
  xcb_window_t root_ = 0;
  uint8_t damageEvent_ = 0, xfixesEvent_ = 0;
  xcb_damage_damage_t damage_ = 0;
  xcb_xfixes_region_t region_ = 0;
  xcb_shm_seg_t seg_ = 0;
  std::string shmName_;
  bool shmUnlinked_ = true;
  Fd shmFd_;
  size_t slotSize_ = 0;
  std::vector<bool> slotBusy_;
  struct RingUnmap {
    size_t* len;
    void operator()(uint8_t* p) const { munmap(p, *len); }
  };
  size_t ringLen_ = 0;
  std::unique_ptr<uint8_t, RingUnmap> ring_{nullptr, RingUnmap{&ringLen_}};
  int32_t lastSlot_ = -1;
  bool forceNext_ = false;
  int64_t identical_ = 0;
  bool dirty_ = false;
  std::vector<Rect> rects_;
  int64_t nextGrabUs_ = 0;
  static constexpr int64_t kPaceSlackUs = 1000;
  int32_t seq_ = 0;
  AudioCapture audio_;
  std::map<xcb_window_t, int> placed_;
  std::vector<uint8_t> inBuf_;
  std::deque<std::vector<uint8_t>> outQ_;
  size_t outOff_ = 0, outBytes_ = 0;
  bool quit_ = false;
  bool cleaned_ = false;
  bool debug_ = getenv("LKB_HOST_DEBUG") != nullptr;
  std::string pulseSocket_;
};

void Host::send(std::vector<uint8_t> frame, bool droppable) {
  if (droppable && outBytes_ > 64 * 1024) return;  // audio is dropped when the reader falls behind
  outBytes_ += frame.size();
  outQ_.push_back(std::move(frame));
  flush();
}

bool Host::flush() {
  while (!outQ_.empty()) {
    auto& f = outQ_.front();
    ssize_t n = ::send(ctrl_.get(), f.data() + outOff_, f.size() - outOff_, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) return true;
      logf("control socket write failed: %s", strerror(errno));
      quit_ = true;
      return false;
    }
    outOff_ += static_cast<size_t>(n);
    if (outOff_ == f.size()) {
      outBytes_ -= f.size();
      outQ_.pop_front();
      outOff_ = 0;
    }
  }
  return true;
}

void Host::fatal(const std::string& msg) {
  logf("fatal: %s", msg.c_str());
  send(Writer(kError).i32(1).str(msg).finish());
  quit_ = true;
}

bool Host::handshake() {
  // Blocking read of the first frame (10 s): int32 len, int32 type, int32 version.
  uint8_t buf[12];
  size_t got = 0;
  int64_t deadline = monotonicUs() + 10000000;
  while (got < sizeof buf) {
    pollfd p{ctrl_.get(), POLLIN, 0};
    int left = static_cast<int>((deadline - monotonicUs()) / 1000);
    if (left <= 0 || poll(&p, 1, left) <= 0) return false;
    ssize_t n = read(ctrl_.get(), buf + got, sizeof buf - got);
    if (n <= 0) return false;
    got += static_cast<size_t>(n);
  }
  Reader r(buf, sizeof buf);
  auto len = r.i32(), type = r.i32(), version = r.i32();
  if (!len || *len != 8 || !type || *type != kClientHello || !version || *version != kProtocolVersion) {
    send(Writer(kError).i32(1).str("bad handshake (expected version " + std::to_string(kProtocolVersion) + ")").finish());
    return false;
  }
  send(Writer(kHello).i32(kProtocolVersion).finish());
  return true;
}

bool Host::setupDirs() {
  std::string tmpl = "/tmp/lkb-host-" + std::to_string(getpid()) + "-XXXXXX";
  std::vector<char> b(tmpl.begin(), tmpl.end());
  b.push_back(0);
  if (!mkdtemp(b.data())) return false;
  tmp_ = b.data();
  mkdir((tmp_ + "/pulse").c_str(), 0700);
  mkdir((tmp_ + "/home").c_str(), 0700);
  mkdir((tmp_ + "/config").c_str(), 0700);
  return true;
}

// X access: a random MIT-MAGIC-COOKIE-1 in a 0600 file, given to Xvfb (-auth) and to the clients we start (the host
// itself and Chromium, via XAUTHORITY). Without it any process in the pod's network namespace could connect to the
// display's abstract socket, read the screen and inject input. One FamilyWild entry with an empty display number
// matches whatever display -displayfd picks.
bool Host::writeXauthority() {
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
  xauth_ = tmp_ + "/xauthority";
  Fd f(open(xauth_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (!f.valid()) return false;
  if (write(f.get(), rec.data(), rec.size()) != static_cast<ssize_t>(rec.size())) return false;
  // The host's own xcb_connect reads it from the environment (set before any thread exists).
  return setenv("XAUTHORITY", xauth_.c_str(), 1) == 0;
}

bool Host::startXvfb() {
  if (!writeXauthority()) return false;
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return false;
  Fd rd(fds[0]), wr(fds[1]);
  SpawnSpec s;
  // The screen has the maximum size; Chromium's window (and the capture) has the page size, so a resize
  // only reconfigures the window.
  std::string screen = std::to_string(opt_.maxWidth) + "x" + std::to_string(opt_.maxHeight) + "x24";
  // -auth: only holders of the cookie may connect; -extension XTEST: no client (Chromium included) can synthesise
  // input through the X server (our input goes through CDP).
  s.argv = {"/usr/bin/Xvfb", "-displayfd", "3", "-screen", "0", screen, "-nolisten", "tcp", "-noreset",
            "-auth", xauth_, "-extension", "XTEST"};
  s.env = makeEnv({});
  s.logPath = tmp_ + "/xvfb.log";
  s.passFd = wr.get();
  xvfb_ = spawnChild(s);
  if (xvfb_ < 0) return false;
  wr.reset();
  std::string out;
  int64_t deadline = monotonicUs() + 15000000;
  while (out.find('\n') == std::string::npos) {
    pollfd p{rd.get(), POLLIN, 0};
    int left = static_cast<int>((deadline - monotonicUs()) / 1000);
    if (left <= 0 || poll(&p, 1, left) <= 0) return false;
    char c[32];
    ssize_t n = read(rd.get(), c, sizeof c);
    if (n <= 0) return false;
    out.append(c, static_cast<size_t>(n));
  }
  display_ = atoi(out.c_str());
  return true;
}

bool Host::setupX() {
  std::string name = ":" + std::to_string(display_);
  conn_.reset(xcb_connect(name.c_str(), nullptr));
  if (xcb_connection_has_error(conn_.get())) return false;
  fcntl(xcb_get_file_descriptor(conn_.get()), F_SETFD, FD_CLOEXEC);
  xcb_connection_t* c = conn_.get();
  root_ = xcb_setup_roots_iterator(xcb_get_setup(c)).data->root;

  XReply<xcb_shm_query_version_reply_t> shmv(xcb_shm_query_version_reply(c, xcb_shm_query_version(c), nullptr));
  if (!shmv || (shmv->major_version < 1 || (shmv->major_version == 1 && shmv->minor_version < 2))) {
    logf("MIT-SHM 1.2 (fd passing) missing");
    return false;
  }
  XReply<xcb_damage_query_version_reply_t> dv(xcb_damage_query_version_reply(c, xcb_damage_query_version(c, 1, 1), nullptr));
  XReply<xcb_xfixes_query_version_reply_t> fv(xcb_xfixes_query_version_reply(c, xcb_xfixes_query_version(c, 4, 0), nullptr));
  if (!dv || !fv) {
    logf("DAMAGE or XFIXES missing");
    return false;
  }
  damageEvent_ = xcb_get_extension_data(c, &xcb_damage_id)->first_event;
  xfixesEvent_ = xcb_get_extension_data(c, &xcb_xfixes_id)->first_event;

  // The shm ring: slots of maxWidth*maxHeight*4 bytes, each page-aligned so Node can map one slot per ArrayBuffer.
  size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  slotSize_ = (static_cast<size_t>(opt_.maxWidth) * opt_.maxHeight * 4 + page - 1) / page * page;
  shmName_ = "/lkb-" + std::to_string(getpid()) + "-" + std::to_string(monotonicUs() % 1000000);
  shmFd_.reset(shm_open(shmName_.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (!shmFd_.valid()) {
    logf("shm_open %s: %s", shmName_.c_str(), strerror(errno));
    return false;
  }
  shmUnlinked_ = false;
  if (ftruncate(shmFd_.get(), static_cast<off_t>(slotSize_ * opt_.slots)) != 0) return false;
  slotBusy_.assign(static_cast<size_t>(opt_.slots), false);
  // Read-only view of the ring, to drop grabs identical to the last frame sent (Chromium sometimes
  // re-presents unchanged content with full-window damage).
  void* ring = mmap(nullptr, slotSize_ * opt_.slots, PROT_READ, MAP_SHARED, shmFd_.get(), 0);
  if (ring == MAP_FAILED) return false;
  ring_.reset(static_cast<uint8_t*>(ring));
  ringLen_ = slotSize_ * opt_.slots;
  seg_ = xcb_generate_id(c);
  int dupfd = fcntl(shmFd_.get(), F_DUPFD_CLOEXEC, 0);  // xcb closes the fd it sends
  XReply<xcb_generic_error_t> err(xcb_request_check(c, xcb_shm_attach_fd_checked(c, seg_, dupfd, 0)));
  if (err) {
    logf("xcb_shm_attach_fd failed: error %d", err->error_code);
    return false;
  }
  damage_ = xcb_generate_id(c);
  xcb_damage_create(c, damage_, root_, XCB_DAMAGE_REPORT_LEVEL_NON_EMPTY);
  region_ = xcb_generate_id(c);
  xcb_xfixes_create_region(c, region_, 0, nullptr);
  xcb_xfixes_select_cursor_input(c, root_, XCB_XFIXES_CURSOR_NOTIFY_MASK_DISPLAY_CURSOR);
  // No window manager: we place Chromium's top-level window over the whole screen ourselves.
  uint32_t evmask = XCB_EVENT_MASK_SUBSTRUCTURE_NOTIFY;
  xcb_change_window_attributes(c, root_, XCB_CW_EVENT_MASK, &evmask);
  xcb_flush(c);
  return true;
}

bool Host::startPulse() {
  pulseSocket_ = tmp_ + "/pulse/native";
  SpawnSpec s;
  s.argv = {"/usr/bin/pulseaudio",
            "--daemonize=no",
            "--system=false",
            "--exit-idle-time=-1",
            "--disallow-exit",
            "-n",
            "--use-pid-file=no",
            "--log-target=stderr",
            "--load=module-native-protocol-unix socket=" + pulseSocket_ + " auth-anonymous=1",
            "--load=module-null-sink sink_name=vsink sink_properties=device.description=vsink rate=48000 channels=2",
            "--load=module-always-sink"};
  s.env = makeEnv({"XDG_RUNTIME_DIR=" + tmp_ + "/pulse", "HOME=" + tmp_ + "/home", "PULSE_RUNTIME_PATH=" + tmp_ + "/pulse"});
  s.logPath = tmp_ + "/pulse.log";
  pulse_ = spawnChild(s);
  if (pulse_ < 0) return false;
  int64_t deadline = monotonicUs() + 15000000;
  struct stat st{};
  while (stat(pulseSocket_.c_str(), &st) != 0) {
    if (monotonicUs() > deadline) return false;
    int status;
    if (waitpid(pulse_, &status, WNOHANG) == pulse_) {
      pulse_ = -1;
      return false;
    }
    usleep(20000);
  }
  return audio_.start(pulseSocket_) >= 0;
}

// Egress: every connection Chromium makes goes through the runtime's proxy, which checks the address at connect
// time. "<-loopback>" removes Chromium's implicit bypass of localhost/127.0.0.1/[::1], so those are proxied (and
// refused) too; WebRTC may not send UDP outside the proxy (it falls back to TCP through it, or fails).
void Host::appendEgressProxyFlags(std::vector<std::string>* argv) const {
  if (opt_.proxyServer.empty()) return;
  argv->push_back("--proxy-server=" + opt_.proxyServer);
  argv->push_back("--proxy-bypass-list=<-loopback>");
  argv->push_back("--force-webrtc-ip-handling-policy=disable_non_proxied_udp");
}

bool Host::launchChromium(const std::string& url) {
  lastUrl_ = url;
  ++chromiumGen_;
  if (!chromiumProfile_.empty()) removeTree(chromiumProfile_);
  chromiumProfile_ = tmp_ + "/profile-" + std::to_string(chromiumGen_);
  mkdir(chromiumProfile_.c_str(), 0700);
  SpawnSpec s;
  s.argv = {opt_.chromium,
            "--no-sandbox",
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
            "--disable-features=Translate,MediaRouter,DialMediaRouteProvider",
            "--user-data-dir=" + chromiumProfile_,
            "--remote-debugging-port=0",
            "--remote-debugging-address=127.0.0.1",
            "--autoplay-policy=no-user-gesture-required",
            "--kiosk",
            "--window-position=0,0",
            "--window-size=" + std::to_string(opt_.width) + "," + std::to_string(opt_.height)};
  // Containers often mount a 64 MB /dev/shm: Chromium then crashes renderers; let it use /tmp instead.
  struct statvfs vfs {};
  if (statvfs("/dev/shm", &vfs) == 0 && static_cast<uint64_t>(vfs.f_blocks) * vfs.f_frsize < (512ull << 20)) {
    s.argv.push_back("--disable-dev-shm-usage");
  }
  appendEgressProxyFlags(&s.argv);
  // "--" ends Chromium's switches: the URL can never be read as a flag.
  s.argv.push_back("--");
  s.argv.push_back(url);
  // HOME/XDG_CONFIG_HOME: Chromium's crashpad handlers keep their database under $HOME/.config (not under
  // the profile); keep it inside our temp dir so nothing is shared between pages or left in the real $HOME.
  std::vector<std::string> env = {"DISPLAY=:" + std::to_string(display_), "XAUTHORITY=" + xauth_,
                                  "XDG_CONFIG_HOME=" + tmp_ + "/config", "HOME=" + tmp_ + "/home"};
  if (opt_.audio) env.push_back("PULSE_SERVER=unix:" + pulseSocket_);
  else env.push_back("PULSE_SERVER=unix:/nonexistent");
  s.env = makeEnv(env);
  s.logPath = tmp_ + "/chromium.log";
  chromium_ = spawnChild(s);
  if (chromium_ < 0) return false;
  chromiumStartUs_ = monotonicUs();
  cdpPending_ = true;
  return true;
}

void Host::killChromium() {
  if (chromium_ > 0) kill(chromium_, SIGKILL);
  std::vector<pid_t> keep;
  if (xvfb_ > 0) keep.push_back(xvfb_);
  if (pulse_ > 0) keep.push_back(pulse_);
  killDescendants(keep, 3000);  // also reaps chromium itself
  chromium_ = -1;
  cdpPending_ = false;
}

void Host::pollDevToolsPort() {
  if (!cdpPending_) return;
  std::ifstream f(chromiumProfile_ + "/DevToolsActivePort");
  int port = 0;
  if (f >> port && port > 0) {
    cdpPending_ = false;
    send(Writer(kChromiumStarted).i32(chromium_).i32(port).finish());
    // Everything on screen is new for whoever listens now.
    dirty_ = true;
    rects_.assign(1, Rect{0, 0, opt_.width, opt_.height});
    return;
  }
  if (monotonicUs() - chromiumStartUs_ > 60000000) {
    pid_t pid = chromium_;
    killChromium();
    send(Writer(kChromiumExited).i32(pid).i32(-1).str("chromium did not open its DevTools port within 60 s").finish());
  }
}

void Host::onChildExit(pid_t pid, int status) {
  std::string how = WIFEXITED(status) ? "exited with code " + std::to_string(WEXITSTATUS(status))
                                      : "killed by signal " + std::to_string(WTERMSIG(status));
  if (pid == chromium_) {
    logf("chromium %d %s", pid, how.c_str());
    chromium_ = -1;
    cdpPending_ = false;
    send(Writer(kChromiumExited).i32(pid).i32(status).str("chromium " + how).finish());
  } else if (pid == xvfb_) {
    xvfb_ = -1;
    fatal("Xvfb " + how);
  } else if (pid == pulse_) {
    pulse_ = -1;
    send(Writer(kError).i32(0).str("pulseaudio " + how + " (audio stopped)").finish());
  }
}

void Host::onSignals() {
  signalfd_siginfo si{};
  while (read(sigfd_.get(), &si, sizeof si) == sizeof si) {
    if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT || si.ssi_signo == SIGHUP) {
      logf("signal %d: shutting down", si.ssi_signo);
      quit_ = true;
    }
  }
  for (;;) {
    int status = 0;
    pid_t p = waitpid(-1, &status, WNOHANG);
    if (p <= 0) break;
    onChildExit(p, status);
  }
}

bool Host::handleMessage(const uint8_t* p, size_t n) {
  Reader r(p, n);
  auto type = r.i32();
  if (!type) return false;
  switch (*type) {
    case kMapped:
      if (!shmUnlinked_) {
        shm_unlink(shmName_.c_str());
        shmUnlinked_ = true;
      }
      return true;
    case kRelease: {
      auto slot = r.i32();
      if (!slot || *slot < 0 || *slot >= static_cast<int32_t>(slotBusy_.size())) return false;
      slotBusy_[static_cast<size_t>(*slot)] = false;
      if (debug_) logf("release slot %d", *slot);
      maybeGrab();
      return true;
    }
    case kRestart: {
      auto url = r.str();
      if (!url) return false;
      killChromium();
      if (!launchChromium(*url)) fatal("cannot launch chromium");
      return true;
    }
    case kShutdown:
      quit_ = true;
      return true;
    case kResize: {
      auto w = r.i32(), h = r.i32();
      if (!w || !h || *w < 16 || *h < 16 || *w > opt_.maxWidth || *h > opt_.maxHeight) return false;
      opt_.width = *w;
      opt_.height = *h;
      lastSlot_ = -1;  // the last frame has the old size: nothing to compare against
      for (auto& [win, count] : placed_) {
        count = 0;
        fitToScreen(win);
      }
      dirty_ = true;
      forceNext_ = true;
      rects_.assign(1, Rect{0, 0, opt_.width, opt_.height});
      return true;
    }
    case kRefresh:
      dirty_ = true;
      forceNext_ = true;
      rects_.assign(1, Rect{0, 0, opt_.width, opt_.height});
      maybeGrab();
      return true;
    default:
      return false;
  }
}

bool Host::onControlReadable() {
  uint8_t buf[16384];
  ssize_t n = read(ctrl_.get(), buf, sizeof buf);
  if (n == 0) {
    logf("control socket closed: shutting down");
    return false;
  }
  if (n < 0) return errno == EAGAIN || errno == EINTR;
  inBuf_.insert(inBuf_.end(), buf, buf + n);
  size_t off = 0;
  while (inBuf_.size() - off >= 4) {
    int32_t len;
    std::memcpy(&len, inBuf_.data() + off, 4);
    if (len < 4 || len > kMaxMessage) {
      fatal("protocol violation: message length " + std::to_string(len));
      return false;
    }
    if (inBuf_.size() - off - 4 < static_cast<size_t>(len)) break;
    if (!handleMessage(inBuf_.data() + off + 4, static_cast<size_t>(len))) {
      fatal("protocol violation: bad message");
      return false;
    }
    off += 4 + static_cast<size_t>(len);
  }
  inBuf_.erase(inBuf_.begin(), inBuf_.begin() + static_cast<std::ptrdiff_t>(off));
  return true;
}

void Host::fetchDamage() {
  xcb_connection_t* c = conn_.get();
  xcb_damage_subtract(c, damage_, XCB_NONE, region_);
  XReply<xcb_xfixes_fetch_region_reply_t> r(
      xcb_xfixes_fetch_region_reply(c, xcb_xfixes_fetch_region(c, region_), nullptr));
  if (!r) return;
  const xcb_rectangle_t* rs = xcb_xfixes_fetch_region_rectangles(r.get());
  int n = xcb_xfixes_fetch_region_rectangles_length(r.get());
  for (int i = 0; i < n; ++i) {
    Rect rc{rs[i].x, rs[i].y, rs[i].width, rs[i].height};
    // Clip to the page.
    int x2 = std::min(rc.x + rc.w, opt_.width), y2 = std::min(rc.y + rc.h, opt_.height);
    rc.x = std::max(rc.x, 0);
    rc.y = std::max(rc.y, 0);
    rc.w = x2 - rc.x;
    rc.h = y2 - rc.y;
    if (rc.w <= 0 || rc.h <= 0) continue;
    rects_.push_back(rc);
    dirty_ = true;
  }
  if (rects_.size() > 16) {  // too many: report the bounding box
    Rect b = rects_[0];
    int x2 = b.x + b.w, y2 = b.y + b.h;
    for (const auto& q : rects_) {
      b.x = std::min(b.x, q.x);
      b.y = std::min(b.y, q.y);
      x2 = std::max(x2, q.x + q.w);
      y2 = std::max(y2, q.y + q.h);
    }
    b.w = x2 - b.x;
    b.h = y2 - b.y;
    rects_.assign(1, b);
  }
}

void Host::fitToScreen(xcb_window_t win) {
  XReply<xcb_get_window_attributes_reply_t> a(
      xcb_get_window_attributes_reply(conn_.get(), xcb_get_window_attributes(conn_.get(), win), nullptr));
  if (!a || a->override_redirect || a->map_state != XCB_MAP_STATE_VIEWABLE) return;
  uint32_t v[] = {0, 0, static_cast<uint32_t>(opt_.width), static_cast<uint32_t>(opt_.height), 0};
  xcb_configure_window(conn_.get(), win,
                       XCB_CONFIG_WINDOW_X | XCB_CONFIG_WINDOW_Y | XCB_CONFIG_WINDOW_WIDTH | XCB_CONFIG_WINDOW_HEIGHT |
                           XCB_CONFIG_WINDOW_BORDER_WIDTH,
                       v);
  xcb_flush(conn_.get());
  if (debug_) logf("placed window 0x%x at 0,0 %dx%d", win, opt_.width, opt_.height);
}

void Host::onXEvents() {
  xcb_connection_t* c = conn_.get();
  // Replies (the grab, the region fetch, cursor images) can read events off the socket into xcb's queue, where
  // poll() on the X fd never sees them: a DamageNotify left there stalls capture for good (REPORT_LEVEL_NON_EMPTY
  // sends no further notify until we subtract). So after each round, drain the queue before going back to poll().
  xcb_generic_event_t* raw = xcb_poll_for_event(c);
  for (;;) {
    bool damaged = false;
    for (; raw != nullptr; raw = xcb_poll_for_event(c)) handleXEvent(raw, &damaged);
    if (xcb_connection_has_error(c)) {
      fatal("X connection lost");
      return;
    }
    if (damaged) fetchDamage();
    if (debug_ && damaged) logf("damage: %zu rects pending", rects_.size());
    maybeGrab();
    raw = xcb_poll_for_queued_event(c);
    if (raw == nullptr) return;
  }
}

void Host::handleXEvent(xcb_generic_event_t* raw, bool* damaged) {
  xcb_connection_t* c = conn_.get();
  {
    XReply<xcb_generic_event_t> ev(raw);
    uint8_t type = ev->response_type & 0x7f;
    if (type == damageEvent_ + XCB_DAMAGE_NOTIFY) {
      *damaged = true;
    } else if (type == xfixesEvent_ + XCB_XFIXES_CURSOR_NOTIFY) {
      XReply<xcb_xfixes_get_cursor_image_reply_t> img(
          xcb_xfixes_get_cursor_image_reply(c, xcb_xfixes_get_cursor_image(c), nullptr));
      if (img) {
        const uint32_t* px = xcb_xfixes_get_cursor_image_cursor_image(img.get());
        int n = xcb_xfixes_get_cursor_image_cursor_image_length(img.get());
        uint32_t h = 2166136261u;
        auto mix = [&h](uint32_t v) {
          for (int i = 0; i < 4; ++i) {
            h ^= (v >> (8 * i)) & 0xff;
            h *= 16777619u;
          }
        };
        if (debug_) logf("cursor notify: %dx%d hot %d,%d serial %u", img->width, img->height, img->xhot, img->yhot, img->cursor_serial);
        mix(img->width);
        mix(img->height);
        mix(img->xhot);
        mix(img->yhot);
        for (int i = 0; i < n; ++i) mix(px[i]);
        send(Writer(kCursor)
                 .i32(static_cast<int32_t>(img->cursor_serial))
                 .i32(static_cast<int32_t>(h))
                 .i32(img->width)
                 .i32(img->height)
                 .i32(img->xhot)
                 .i32(img->yhot)
                 .finish());
      }
    } else if (type == XCB_MAP_NOTIFY || type == XCB_CONFIGURE_NOTIFY) {
      xcb_window_t win;
      bool override;
      int16_t x = 0, y = 0;
      uint16_t w = 0, h = 0, b = 0;
      bool knownGeometry = false;
      if (type == XCB_MAP_NOTIFY) {
        auto* m = reinterpret_cast<xcb_map_notify_event_t*>(ev.get());
        win = m->window;
        override = m->override_redirect;
      } else {
        auto* cfg = reinterpret_cast<xcb_configure_notify_event_t*>(ev.get());
        win = cfg->window;
        override = cfg->override_redirect;
        x = cfg->x, y = cfg->y, w = cfg->width, h = cfg->height, b = cfg->border_width;
        knownGeometry = true;
        if (cfg->event != root_) return;
      }
      bool fits = knownGeometry && x == 0 && y == 0 && w == opt_.width && h == opt_.height && b == 0;
      if (!override && !fits && placed_[win]++ < 3) fitToScreen(win);
    } else if (type == 0) {
      auto* e = reinterpret_cast<xcb_generic_error_t*>(ev.get());
      logf("X error %d (major %d)", e->error_code, e->major_code);
    }
  }
}

bool Host::sameAsLast(int32_t slot) const {
  const uint8_t* a = ring_.get() + static_cast<size_t>(slot) * slotSize_;
  const uint8_t* b = ring_.get() + static_cast<size_t>(lastSlot_) * slotSize_;
  size_t stride = static_cast<size_t>(opt_.width) * 4;
  for (const auto& r : rects_) {
    for (int y = r.y; y < r.y + r.h; ++y) {
      size_t off = static_cast<size_t>(y) * stride + static_cast<size_t>(r.x) * 4;
      if (std::memcmp(a + off, b + off, static_cast<size_t>(r.w) * 4) != 0) return false;
    }
  }
  return true;
}

void Host::maybeGrab() {
  if (!dirty_ || quit_) return;
  int64_t now = monotonicUs();
  // Pacing on a schedule (not on the last grab time), so jitter and grab time do not lower the rate.
  if (now < nextGrabUs_ - kPaceSlackUs) return;  // the poll timeout brings us back
  // A free slot, preferably not the one holding the last frame sent (kept for the identical-frame check).
  int32_t slot = -1;
  for (size_t i = 0; i < slotBusy_.size(); ++i) {
    if (slotBusy_[i]) continue;
    if (slot < 0 || slot == lastSlot_) slot = static_cast<int32_t>(i);
  }
  if (slot < 0) return;  // coalesce damage until a slot is released
  xcb_connection_t* c = conn_.get();
  int64_t t0 = monotonicUs();
  XReply<xcb_generic_error_t> err;
  xcb_generic_error_t* e = nullptr;
  XReply<xcb_shm_get_image_reply_t> img(xcb_shm_get_image_reply(
      c,
      xcb_shm_get_image(c, root_, 0, 0, static_cast<uint16_t>(opt_.width), static_cast<uint16_t>(opt_.height), ~0u,
                        XCB_IMAGE_FORMAT_Z_PIXMAP, seg_, static_cast<uint32_t>(slot * slotSize_)),
      &e));
  err.reset(e);
  int64_t t1 = monotonicUs();
  if (!img) {
    logf("shm_get_image failed: %d", err ? err->error_code : -1);
    return;
  }
  int64_t interval = 1000000 / opt_.framerate;
  nextGrabUs_ = std::max(nextGrabUs_ + interval, t0 - interval);
  bool force = forceNext_;
  forceNext_ = false;
  if (!force && lastSlot_ >= 0 && lastSlot_ != slot && sameAsLast(slot)) {
    ++identical_;
    if (debug_) logf("grab identical to the last frame: dropped (%lld so far)", static_cast<long long>(identical_));
    rects_.clear();
    dirty_ = false;
    return;
  }
  lastSlot_ = slot;
  slotBusy_[static_cast<size_t>(slot)] = true;
  Writer w(kPaint);
  w.i32(slot).i32(++seq_).i32(opt_.width).i32(opt_.height).i64(t1).i32(static_cast<int32_t>(t1 - t0));
  w.i32(static_cast<int32_t>(rects_.size()));
  for (const auto& r : rects_) w.i32(r.x).i32(r.y).i32(r.w).i32(r.h);
  send(w.finish());
  if (debug_) logf("paint seq %d slot %d grab %lld us", seq_, slot, static_cast<long long>(t1 - t0));
  rects_.clear();
  dirty_ = false;
}

void Host::onAudio() {
  AudioPacket pkt;
  while (read(audio_.readFd(), &pkt, sizeof pkt) == static_cast<ssize_t>(sizeof pkt)) {
    send(Writer(kAudio)
             .i64(pkt.ptsUs)
             .i32(kAudioRate)
             .i32(kAudioChannels)
             .i32(kAudioSamplesPerChannel)
             .bytes(pkt.pcm, sizeof pkt.pcm)
             .finish(),
         true);
  }
}

int Host::pollTimeoutMs() const {
  int t = -1;
  if (cdpPending_) t = 50;
  if (dirty_ && std::find(slotBusy_.begin(), slotBusy_.end(), false) != slotBusy_.end()) {
    int64_t wait = nextGrabUs_ - kPaceSlackUs - monotonicUs();
    int ms = wait <= 0 ? 0 : static_cast<int>((wait + 999) / 1000);
    t = t < 0 ? ms : std::min(t, ms);
  }
  return t;
}

int Host::run() {
  // Own session (Node already spawns us detached; harmless if we are a group leader), die with the parent,
  // adopt orphaned descendants so nothing escapes cleanup.
  setsid();
  prctl(PR_SET_PDEATHSIG, SIGTERM);
  // The parent may have died before PDEATHSIG was armed (Node can be pid 1 in a container, so compare
  // with the pid it passed rather than with 1).
  if (opt_.parentPid > 0 && getppid() != opt_.parentPid) return 1;
  prctl(PR_SET_CHILD_SUBREAPER, 1);
  signal(SIGPIPE, SIG_IGN);
  sigset_t mask;
  sigemptyset(&mask);
  for (int s : {SIGTERM, SIGINT, SIGHUP, SIGCHLD}) sigaddset(&mask, s);
  sigprocmask(SIG_BLOCK, &mask, nullptr);
  sigfd_.reset(signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC));
  fcntl(ctrl_.get(), F_SETFD, FD_CLOEXEC);

  if (!handshake()) {
    flush();
    logf("handshake failed");
    return 2;
  }
  if (!setupDirs()) return fatal("cannot create temp dir"), flush(), 1;
  if (!startXvfb()) return fatal("cannot start Xvfb"), flush(), 1;
  if (!setupX()) return fatal("X setup failed (MIT-SHM/DAMAGE/XFIXES)"), flush(), 1;
  if (opt_.audio && !startPulse()) return fatal("cannot start pulseaudio"), flush(), 1;
  send(Writer(kReady)
           .str(shmName_)
           .i32(opt_.slots)
           .i32(static_cast<int32_t>(slotSize_))
           .i32(opt_.maxWidth)
           .i32(opt_.maxHeight)
           .i32(opt_.width)
           .i32(opt_.height)
           .i32(display_)
           .finish());
  if (!launchChromium(opt_.url)) return fatal("cannot launch chromium"), flush(), 1;
  fcntl(ctrl_.get(), F_SETFL, fcntl(ctrl_.get(), F_GETFL) | O_NONBLOCK);

  int xfd = xcb_get_file_descriptor(conn_.get());
  while (!quit_) {
    pollfd fds[4] = {{ctrl_.get(), static_cast<short>(POLLIN | (outQ_.empty() ? 0 : POLLOUT)), 0},
                     {sigfd_.get(), POLLIN, 0},
                     {xfd, POLLIN, 0},
                     {audio_.readFd(), POLLIN, 0}};
    int nfds = audio_.readFd() >= 0 ? 4 : 3;
    int r = poll(fds, static_cast<nfds_t>(nfds), pollTimeoutMs());
    if (r < 0 && errno != EINTR) break;
    if (fds[1].revents) onSignals();
    if (fds[0].revents & POLLOUT) flush();
    if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      if (!onControlReadable()) break;
    }
    if (nfds == 4 && fds[3].revents) onAudio();
    onXEvents();  // also drains events xcb already queued, and grabs when the frame interval elapsed
    pollDevToolsPort();
  }
  // Best effort: push out a pending error before closing.
  fcntl(ctrl_.get(), F_SETFL, fcntl(ctrl_.get(), F_GETFL) & ~O_NONBLOCK);
  flush();
  cleanup();
  return 0;
}

void Host::cleanup() {
  if (cleaned_) return;
  cleaned_ = true;
  if (!shmUnlinked_) shm_unlink(shmName_.c_str());
  shmUnlinked_ = true;
  if (chromium_ > 0) kill(chromium_, SIGKILL);
  killDescendants({}, 5000);  // Chromium tree, pulseaudio, Xvfb (and any orphan we adopted)
  chromium_ = pulse_ = xvfb_ = -1;
  audio_.stop();
  conn_.reset();
  removeTree(tmp_);
}

}  // namespace
}  // namespace lkb

int main(int argc, char** argv) {
  lkb::Options o;
  if (!lkb::parseArgs(argc, argv, &o)) return 64;
  lkb::Host host(std::move(o));
  return host.run();
}
