// The helper daemons of one page: Xvfb (the screen; its size is the maximum page size, Chromium's window has the
// page size) and a private PulseAudio with a null sink whose monitor is the page's audio.
#pragma once
#include <sys/types.h>

#include <string>

namespace lkb {

struct XvfbProcess {
  pid_t pid = -1;
  int display = -1;
  std::string xauthority;  // MIT-MAGIC-COOKIE-1 file (0600): only holders of the cookie may connect
};

// Starts `Xvfb -displayfd` with a maxWidth x maxHeight screen, an auth cookie (also exported as XAUTHORITY for
// this process's own X connection) and no XTEST, and waits (15 s) for its display number.
bool startXvfb(const std::string& workdir, int maxWidth, int maxHeight, XvfbProcess* out);

struct PulseProcess {
  pid_t pid = -1;
  std::string socket;  // unix socket path of the native protocol
};

// Starts pulseaudio (null sink "vsink", 48 kHz stereo) and waits (15 s) for its socket.
bool startPulse(const std::string& workdir, PulseProcess* out);

}  // namespace lkb
