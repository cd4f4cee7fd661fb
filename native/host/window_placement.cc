#include "window_placement.h"

#include "util.h"

namespace lkb {

void WindowPlacement::select() {
  uint32_t evmask = XCB_EVENT_MASK_SUBSTRUCTURE_NOTIFY;
  xcb_change_window_attributes(x_.conn(), x_.root(), XCB_CW_EVENT_MASK, &evmask);
  xcb_flush(x_.conn());
}

void WindowPlacement::onMapNotify(const xcb_map_notify_event_t& ev) {
  if (!ev.override_redirect && placed_[ev.window]++ < kMaxPlacements) fit(ev.window);
}

void WindowPlacement::onConfigureNotify(const xcb_configure_notify_event_t& ev) {
  if (ev.event != x_.root()) return;
  bool fits = ev.x == 0 && ev.y == 0 && ev.width == width_ && ev.height == height_ && ev.border_width == 0;
  if (!ev.override_redirect && !fits && placed_[ev.window]++ < kMaxPlacements) fit(ev.window);
}

void WindowPlacement::resize(int width, int height) {
  width_ = width;
  height_ = height;
  for (auto& [win, count] : placed_) {
    count = 0;
    fit(win);
  }
}

void WindowPlacement::fit(xcb_window_t win) {
  xcb_connection_t* c = x_.conn();
  XReply<xcb_get_window_attributes_reply_t> a(xcb_get_window_attributes_reply(c, xcb_get_window_attributes(c, win), nullptr));
  if (!a || a->override_redirect || a->map_state != XCB_MAP_STATE_VIEWABLE) return;
  uint32_t v[] = {0, 0, static_cast<uint32_t>(width_), static_cast<uint32_t>(height_), 0};
  xcb_configure_window(c, win,
                       XCB_CONFIG_WINDOW_X | XCB_CONFIG_WINDOW_Y | XCB_CONFIG_WINDOW_WIDTH | XCB_CONFIG_WINDOW_HEIGHT |
                           XCB_CONFIG_WINDOW_BORDER_WIDTH,
                       v);
  xcb_flush(c);
  if (debug_) logf("placed window 0x%x at 0,0 %dx%d", win, width_, height_);
}

}  // namespace lkb
