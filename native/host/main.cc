// lkb-host: one engine host per page. Runs Xvfb, a private PulseAudio and Chromium (kiosk) in its own
// session/process group, captures the screen with XDamage + MIT-SHM (the X server writes straight into a
// POSIX shm ring that Node maps), reports cursor changes (XFixes) and page audio (null sink monitor), and
// talks to Node over fd 3 (a socketpair) with the protocol in protocol.h. The parts are listed in host.h.
// Usage: lkb-host --width W --height H --max-width MW --max-height MH --framerate F --audio 0|1
//                 --chromium PATH --url URL [--slots N] [--parent-pid PID] [--proxy-server http://127.0.0.1:PORT]
#include "host.h"
#include "options.h"

int main(int argc, char** argv) {
  lkb::Options o;
  if (!lkb::parseOptions(argc, argv, &o)) return 64;
  lkb::Host host(std::move(o));
  return host.run();
}
