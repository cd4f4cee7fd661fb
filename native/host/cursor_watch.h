// Cursor changes (XFixes CursorNotify). Chromium's X cursors have no names, so the host only reports that the
// cursor changed, with a hash of its image; Node asks CDP for the CSS cursor name.
#pragma once
#include <cstdint>
#include <vector>

#include "x_display.h"

namespace lkb {

// FNV-1a over size, hotspot and pixels: equal images give equal hashes.
uint32_t cursorImageHash(uint32_t width, uint32_t height, uint32_t xhot, uint32_t yhot, const uint32_t* px, int n);

class CursorWatch {
 public:
  CursorWatch(XDisplay& x, bool debug) : x_(x), debug_(debug) {}
  void select();
  // After a CursorNotify: the kCursor message to send, or empty if the image could not be read.
  std::vector<uint8_t> onNotify();

 private:
  XDisplay& x_;
  bool debug_;
};

}  // namespace lkb
