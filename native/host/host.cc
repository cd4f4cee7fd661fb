#include "host.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xcb/damage.h>
#include <xcb/xfixes.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <vector>

#include "protocol.h"

namespace lkb {

Host::Host(Options o) : opt_(std::move(o)), debug_(getenv("LKB_HOST_DEBUG") != nullptr) {}

void Host::fatal(const std::string& msg) {
  logf("fatal: %s", msg.c_str());
  ctrl_.send(Writer(kError).i32(1).str(msg).finish());
  quit_ = true;
}

bool Host::setupX() {
  if (!x_.connect(xvfb_.display)) return false;
  if (!ring_.create(opt_.slots, static_cast<size_t>(opt_.maxWidth) * opt_.maxHeight * 4)) return false;
  capture_ = std::make_unique<ScreenCapture>(x_, ring_, opt_.width, opt_.height, opt_.framerate, debug_);
  if (!capture_->attach()) return false;
  cursor_ = std::make_unique<CursorWatch>(x_, debug_);
  cursor_->select();
  windows_ = std::make_unique<WindowPlacement>(x_, opt_.width, opt_.height, debug_);
  windows_->select();
  return true;
}

// Chromium apart from the host and Node: with --chromium-uid (host running as root) it runs as that uid, which owns
// only its profile, HOME and config dirs and may read the X cookie; the work dir is traversable (0711) but not
// listable. Chromium's own sandbox (user + pid + net namespaces, seccomp-bpf) is used whenever Chromium is not root
// and the kernel/seccomp profile lets that uid create a user namespace; otherwise --no-sandbox (logged).
bool Host::prepareChromiumIsolation() {
  const std::string& w = workdir_.path();
  int uid = opt_.chromiumUid;
  if (uid >= 0) {
    if (geteuid() != 0) {
      logf("--chromium-uid needs a host running as root");
      return false;
    }
    auto own = [uid](const std::string& p) { return chown(p.c_str(), static_cast<uid_t>(uid), static_cast<gid_t>(uid)) == 0; };
    if (chmod(w.c_str(), 0711) != 0 || chmod((w + "/pulse").c_str(), 0711) != 0) return false;
    if (!own(w + "/home") || !own(w + "/config") || !own(xvfb_.xauthority)) return false;
  }
  int effective = uid >= 0 ? uid : static_cast<int>(geteuid());
  std::string detail;
  if (effective == 0) {
    detail = "off: Chromium runs as root";
  } else if (std::string why; userNamespacesWork(uid, &why)) {
    chromiumSandbox_ = true;
    detail = "on: user, pid and net namespaces work for this uid";
  } else {
    // EPERM from a seccomp profile (containerd/Docker RuntimeDefault), ENOSPC from user.max_user_namespaces=0,
    // EACCES from an AppArmor userns restriction: README "Chromium's sandbox in the pod".
    detail = "off: " + why;
  }
  logf("chromium: uid %d, sandbox %s", effective, detail.c_str());
  ctrl_.send(Writer(kSandbox).i32(chromiumSandbox_ ? 1 : 0).i32(effective).str(detail).finish());
  return true;
}

bool Host::launchChromium(const std::string& url) {
  ChromiumIsolation iso{opt_.proxyServer, xvfb_.xauthority, opt_.chromiumUid, chromiumSandbox_};
  return chromium_.launch(opt_.chromium, workdir_.path(), url, opt_.width, opt_.height, xvfb_.display,
                          opt_.audio ? pulse_.socket : "", iso);
}

void Host::killChromium() {
  std::vector<pid_t> keep;
  if (xvfb_.pid > 0) keep.push_back(xvfb_.pid);
  if (pulse_.pid > 0) keep.push_back(pulse_.pid);
  chromium_.kill(keep);
}

bool Host::startChromium(const std::string& url) {
  if (!launchChromium(url)) return false;
  // Commands may be sent at once: they wait in the pipe until Chromium reads them. 0 = no port (DevTools is relayed
  // over this channel).
  ctrl_.send(Writer(kChromiumStarted).i32(chromium_.pid()).i32(0).finish());
  capture_->damageAll(false);  // everything on screen is new for whoever listens now
  return true;
}

void Host::onDevToolsReadable(size_t maxBytes) {
  DevToolsPipe& dt = chromium_.devtools();
  const int32_t pid = chromium_.pid();
  auto res = dt.read(
      maxBytes, [&](const std::string& m) { ctrl_.send(Writer(kCdp).i32(pid).str(m).finish()); },
      [&](size_t n) {
        logf("dropped a DevTools message of %zu bytes from chromium (limit %d)", n, kMaxCdpMessage);
        ctrl_.send(Writer(kError).i32(0).str("dropped a DevTools message from Chromium over " +
                                             std::to_string(kMaxCdpMessage) + " bytes").finish());
      });
  if (res == DevToolsPipe::Read::kClosed) dt.close();  // Chromium closed its end: it is exiting (SIGCHLD follows)
}

void Host::onCdpSend(int32_t pid, const std::string& msg) {
  DevToolsPipe& dt = chromium_.devtools();
  if (pid != chromium_.pid() || !dt.isOpen()) return;  // meant for a Chromium that is gone: nobody to tell
  switch (dt.queue(msg)) {
    case DevToolsPipe::Queue::kOk:
      dt.flush();
      return;
    case DevToolsPipe::Queue::kFull:
      ctrl_.send(Writer(kError).i32(0).str("DevTools pipe to Chromium full: a command was dropped").finish());
      return;
    case DevToolsPipe::Queue::kInvalid:
      ctrl_.send(Writer(kError).i32(0).str("invalid DevTools command (empty, too long or with a NUL) dropped").finish());
      return;
  }
}

void Host::onChildExit(pid_t pid, int status) {
  std::string how = WIFEXITED(status) ? "exited with code " + std::to_string(WEXITSTATUS(status))
                                      : "killed by signal " + std::to_string(WTERMSIG(status));
  if (pid == chromium_.pid()) {
    logf("chromium %d %s", pid, how.c_str());
    // What Chromium wrote before it died goes out before the exit (the messages carry its pid).
    if (chromium_.devtools().isOpen()) onDevToolsReadable(static_cast<size_t>(kMaxCdpQueue));
    chromium_.devtools().close();
    chromium_.exited();
    ctrl_.send(Writer(kChromiumExited).i32(pid).i32(status).str("chromium " + how).finish());
  } else if (pid == xvfb_.pid) {
    xvfb_.pid = -1;
    fatal("Xvfb " + how);
  } else if (pid == pulse_.pid) {
    pulse_.pid = -1;
    ctrl_.send(Writer(kError).i32(0).str("pulseaudio " + how + " (audio stopped)").finish());
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
      ring_.unlinkName();
      return true;
    case kRelease: {
      auto slot = r.i32();
      if (!slot || !ring_.valid(*slot)) return false;
      ring_.setBusy(*slot, false);
      if (debug_) logf("release slot %d", *slot);
      grab();
      return true;
    }
    case kRestart: {
      auto url = r.str();
      if (!url) return false;
      killChromium();
      if (!startChromium(*url)) fatal("cannot launch chromium");
      return true;
    }
    case kCdpSend: {
      auto pid = r.i32();
      auto msg = r.str();
      if (!pid || !msg) return false;
      onCdpSend(*pid, *msg);
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
      windows_->resize(*w, *h);
      capture_->resize(*w, *h);
      return true;
    }
    case kRefresh:
      capture_->damageAll(true);
      grab();
      return true;
    default:
      return false;
  }
}

void Host::onXEvents() {
  xcb_connection_t* c = x_.conn();
  // Replies (the grab, the region fetch, cursor images) can read events off the socket into xcb's queue, where
  // poll() on the X fd never sees them: a DamageNotify left there stalls capture for good (REPORT_LEVEL_NON_EMPTY
  // sends no further notify until we subtract). So after each round, drain the queue before going back to poll().
  xcb_generic_event_t* raw = xcb_poll_for_event(c);
  for (;;) {
    bool damaged = false;
    for (; raw != nullptr; raw = xcb_poll_for_event(c)) handleXEvent(raw, &damaged);
    if (x_.hasError()) {
      fatal("X connection lost");
      return;
    }
    if (damaged) capture_->fetchDamage();
    grab();
    raw = xcb_poll_for_queued_event(c);
    if (raw == nullptr) return;
  }
}

void Host::handleXEvent(xcb_generic_event_t* raw, bool* damaged) {
  XReply<xcb_generic_event_t> ev(raw);
  uint8_t type = ev->response_type & 0x7f;
  if (type == x_.damageEventBase() + XCB_DAMAGE_NOTIFY) {
    *damaged = true;
  } else if (type == x_.xfixesEventBase() + XCB_XFIXES_CURSOR_NOTIFY) {
    auto msg = cursor_->onNotify();
    if (!msg.empty()) ctrl_.send(std::move(msg));
  } else if (type == XCB_MAP_NOTIFY) {
    windows_->onMapNotify(*reinterpret_cast<xcb_map_notify_event_t*>(ev.get()));
  } else if (type == XCB_CONFIGURE_NOTIFY) {
    windows_->onConfigureNotify(*reinterpret_cast<xcb_configure_notify_event_t*>(ev.get()));
  } else if (type == 0) {
    auto* e = reinterpret_cast<xcb_generic_error_t*>(ev.get());
    logf("X error %d (major %d)", e->error_code, e->major_code);
  }
}

void Host::grab() {
  if (quit_) return;
  auto f = capture_->maybeGrab();
  if (!f) return;
  Writer w(kPaint);
  w.i32(f->slot).i32(f->seq).i32(f->width).i32(f->height).i64(f->captureUs).i32(f->grabUs);
  w.i32(static_cast<int32_t>(f->rects.size()));
  for (const auto& r : f->rects) w.i32(r.x).i32(r.y).i32(r.w).i32(r.h);
  ctrl_.send(w.finish());
}

void Host::onAudio() {
  AudioPacket pkt;
  while (read(audio_.readFd(), &pkt, sizeof pkt) == static_cast<ssize_t>(sizeof pkt)) {
    ctrl_.send(Writer(kAudio)
                   .i64(pkt.ptsUs)
                   .i32(kAudioRate)
                   .i32(kAudioChannels)
                   .i32(kAudioSamplesPerChannel)
                   .bytes(pkt.pcm, sizeof pkt.pcm)
                   .finish(),
               true);  // audio is dropped when the reader falls behind
  }
}

int Host::pollTimeoutMs() const {
  return capture_->timeoutMs();
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

  auto fail = [this](const std::string& msg) {
    fatal(msg);
    ctrl_.flush();
    return 1;
  };
  if (!ctrl_.handshake(10000)) {
    ctrl_.flush();
    logf("handshake failed");
    return 2;
  }
  if (!workdir_.create()) return fail("cannot create temp dir");
  // "startup: <step> <monotonic µs>" lines: native/src/host-process.ts turns them into the page's startup marks.
  if (!startXvfb(workdir_.path(), opt_.maxWidth, opt_.maxHeight, &xvfb_)) return fail("cannot start Xvfb");
  if (!setupX()) return fail("X setup failed (MIT-SHM/DAMAGE/XFIXES)");
  logf("startup: xvfb %lld", static_cast<long long>(monotonicUs()));
  if (opt_.audio && (!startPulse(workdir_.path(), &pulse_) || audio_.start(pulse_.socket) < 0)) {
    return fail("cannot start pulseaudio");
  }
  if (opt_.audio) logf("startup: pulse %lld", static_cast<long long>(monotonicUs()));
  ctrl_.send(Writer(kReady)
                 .str(ring_.name())
                 .i32(ring_.slots())
                 .i32(static_cast<int32_t>(ring_.slotSize()))
                 .i32(opt_.maxWidth)
                 .i32(opt_.maxHeight)
                 .i32(opt_.width)
                 .i32(opt_.height)
                 .i32(xvfb_.display)
                 .finish());
  if (!prepareChromiumIsolation()) return fail("cannot prepare Chromium's uid/sandbox");
  if (!startChromium(opt_.url)) return fail("cannot launch chromium");
  ctrl_.setNonBlocking(true);

  int xfd = x_.fd();
  // Chromium's DevTools output is read only while Node keeps up: past this much queued for Node, Chromium's writes
  // wait in its pipe (backpressure) instead of growing our queue.
  constexpr size_t kCtrlHighWater = 8u << 20;
  while (!quit_ && !ctrl_.broken()) {
    DevToolsPipe& dt = chromium_.devtools();
    pollfd fds[6] = {{ctrl_.fd(), static_cast<short>(POLLIN | (ctrl_.wantsWrite() ? POLLOUT : 0)), 0},
                     {sigfd_.get(), POLLIN, 0},
                     {xfd, POLLIN, 0},
                     {audio_.readFd(), POLLIN, 0},
                     {ctrl_.queuedBytes() < kCtrlHighWater ? dt.readFd() : -1, POLLIN, 0},
                     {dt.wantsWrite() ? dt.writeFd() : -1, POLLOUT, 0}};
    int r = poll(fds, 6, pollTimeoutMs());  // a negative fd is ignored by poll
    if (r < 0 && errno != EINTR) break;
    if (fds[1].revents) onSignals();
    if (fds[0].revents & POLLOUT) ctrl_.flush();
    if (fds[5].revents && chromium_.devtools().isOpen()) chromium_.devtools().flush();
    if (fds[4].revents && chromium_.devtools().isOpen()) onDevToolsReadable(1u << 20);
    if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      std::string why;
      auto res = ctrl_.readMessages([this](const uint8_t* p, size_t n) { return handleMessage(p, n); }, &why);
      if (res == ControlChannel::Read::kClosed) {
        logf("control socket closed: shutting down");
        break;
      }
      if (res == ControlChannel::Read::kViolation) {
        fatal("protocol violation: " + why);
        break;
      }
    }
    if (fds[3].revents) onAudio();
    onXEvents();  // also drains events xcb already queued, and grabs when the frame interval elapsed
  }
  // Best effort: push out a pending error before closing.
  ctrl_.setNonBlocking(false);
  ctrl_.flush();
  cleanup();
  return 0;
}

void Host::cleanup() {
  if (cleaned_) return;
  cleaned_ = true;
  ring_.unlinkName();
  if (chromium_.pid() > 0) kill(chromium_.pid(), SIGKILL);
  killDescendants({}, 5000);  // Chromium tree, pulseaudio, Xvfb (and any orphan we adopted)
  chromium_.exited();
  xvfb_.pid = pulse_.pid = -1;
  audio_.stop();
  x_.disconnect();
  workdir_.remove();
}

}  // namespace lkb
