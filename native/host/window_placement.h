// Window placement. There is no window manager: the host puts Chromium's top-level windows at 0,0 with the page
// size (what capture grabs) and re-places them when they move or the page is resized (a few times per window, so
// a window fighting back cannot loop us).
#pragma once
#include <xcb/xcb.h>

#include <map>

#include "x_display.h"

namespace lkb {

class WindowPlacement {
 public:
  WindowPlacement(XDisplay& x, int width, int height, bool debug) : x_(x), width_(width), height_(height), debug_(debug) {}
  // Subscribes to map/configure notifications of the root's children.
  void select();
  void onMapNotify(const xcb_map_notify_event_t& ev);
  void onConfigureNotify(const xcb_configure_notify_event_t& ev);
  // New page size: every known window is placed again.
  void resize(int width, int height);

 private:
  static constexpr int kMaxPlacements = 3;
  void fit(xcb_window_t win);
  XDisplay& x_;
  int width_, height_;
  bool debug_;
  std::map<xcb_window_t, int> placed_;
};

}  // namespace lkb
