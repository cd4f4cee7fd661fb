#include "cursor_watch.h"

#include <xcb/xfixes.h>

#include "protocol.h"
#include "util.h"

namespace lkb {

uint32_t cursorImageHash(uint32_t width, uint32_t height, uint32_t xhot, uint32_t yhot, const uint32_t* px, int n) {
  uint32_t h = 2166136261u;
  auto mix = [&h](uint32_t v) {
    for (int i = 0; i < 4; ++i) {
      h ^= (v >> (8 * i)) & 0xff;
      h *= 16777619u;
    }
  };
  mix(width);
  mix(height);
  mix(xhot);
  mix(yhot);
  for (int i = 0; i < n; ++i) mix(px[i]);
  return h;
}

void CursorWatch::select() {
  xcb_xfixes_select_cursor_input(x_.conn(), x_.root(), XCB_XFIXES_CURSOR_NOTIFY_MASK_DISPLAY_CURSOR);
}

std::vector<uint8_t> CursorWatch::onNotify() {
  xcb_connection_t* c = x_.conn();
  XReply<xcb_xfixes_get_cursor_image_reply_t> img(xcb_xfixes_get_cursor_image_reply(c, xcb_xfixes_get_cursor_image(c), nullptr));
  if (!img) return {};
  if (debug_) logf("cursor notify: %dx%d hot %d,%d serial %u", img->width, img->height, img->xhot, img->yhot, img->cursor_serial);
  uint32_t h = cursorImageHash(img->width, img->height, img->xhot, img->yhot, xcb_xfixes_get_cursor_image_cursor_image(img.get()),
                               xcb_xfixes_get_cursor_image_cursor_image_length(img.get()));
  return Writer(kCursor)
      .i32(static_cast<int32_t>(img->cursor_serial))
      .i32(static_cast<int32_t>(h))
      .i32(img->width)
      .i32(img->height)
      .i32(img->xhot)
      .i32(img->yhot)
      .finish();
}

}  // namespace lkb
