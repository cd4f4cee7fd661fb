// Command line of lkb-host (native/src/host-process.ts builds it).
#pragma once
#include <string>

namespace lkb {

struct Options {
  int width = 1280, height = 720, maxWidth = 1920, maxHeight = 1080, framerate = 30, slots = 3, parentPid = 0;
  bool audio = true;
  std::string chromium = "/usr/lib/chromium/chromium";
  std::string url = "about:blank";
};

// Parses `--key value` pairs; logs and returns false on an unknown key, a bad value or width/height above the max.
bool parseOptions(int argc, char** argv, Options* o);

}  // namespace lkb
