// Command line of lkb-host (native/src/host-process.ts builds it).
#pragma once
#include <string>

namespace lkb {

struct Options {
  int width = 1280, height = 720, maxWidth = 1920, maxHeight = 1080, framerate = 30, slots = 3, parentPid = 0;
  bool audio = true;
  std::string chromium = "/usr/lib/chromium/chromium";
  std::string url = "about:blank";
  std::string proxyServer;  // egress proxy every Chromium connection goes through (empty = none)
  int chromiumUid = -1;     // >= 0 (host running as root only): Chromium and PulseAudio run as this uid
};

// Only a proxy on this machine: the flag must not become a way to send the page's traffic elsewhere.
bool isLoopbackHttpProxy(const std::string& v);

// Parses `--key value` pairs; logs and returns false on an unknown key, a bad value or width/height above the max.
bool parseOptions(int argc, char** argv, Options* o);

}  // namespace lkb
