// Host: one page's engine. Composes the parts and runs the poll loop:
//   control_channel  fd 3 framing to Node (protocol.h)      display_server    Xvfb + PulseAudio
//   chromium_process Chromium's flags, launch, DevTools pipe  x_display         the xcb connection
//   shm_ring         the frame slots Node maps               screen_capture    XDamage + MIT-SHM grabs
//   window_placement Chromium's window at 0,0, page size     cursor_watch      XFixes cursor changes
//   audio            the null sink monitor reader thread     workdir           the private temp dir
#pragma once
#include <sys/types.h>
#include <xcb/xcb.h>

#include <cstdint>
#include <memory>
#include <string>

#include "audio.h"
#include "chromium_process.h"
#include "control_channel.h"
#include "cursor_watch.h"
#include "display_server.h"
#include "options.h"
#include "screen_capture.h"
#include "shm_ring.h"
#include "util.h"
#include "window_placement.h"
#include "workdir.h"
#include "x_display.h"

namespace lkb {

class Host {
 public:
  explicit Host(Options o);
  ~Host() { cleanup(); }
  Host(const Host&) = delete;
  Host& operator=(const Host&) = delete;
  // Runs until shutdown; the process exit code.
  int run();

 private:
  bool setupX();
  bool handleMessage(const uint8_t* p, size_t n);
  void onSignals();
  void onChildExit(pid_t pid, int status);
  void onXEvents();
  void handleXEvent(xcb_generic_event_t* raw, bool* damaged);
  void grab();
  void onAudio();
  bool startChromium(const std::string& url);  // launch + chromium_started
  void onDevToolsReadable(size_t maxBytes);
  void onCdpSend(int32_t pid, const std::string& msg);
  bool prepareChromiumIsolation();
  bool launchChromium(const std::string& url);
  void killChromium();
  void fatal(const std::string& msg);
  int pollTimeoutMs() const;
  void cleanup();

  Options opt_;
  bool debug_;
  ControlChannel ctrl_{3};
  Fd sigfd_;
  Workdir workdir_;
  XvfbProcess xvfb_;
  PulseProcess pulse_;
  ChromiumProcess chromium_;
  bool chromiumSandbox_ = false;  // decided once at start (prepareChromiumIsolation)
  XDisplay x_;
  ShmRing ring_;
  std::unique_ptr<ScreenCapture> capture_;
  std::unique_ptr<WindowPlacement> windows_;
  std::unique_ptr<CursorWatch> cursor_;
  AudioCapture audio_;
  bool quit_ = false;
  bool cleaned_ = false;
};

}  // namespace lkb
