#include "screen_capture.h"

#include <fcntl.h>

#include <algorithm>

#include "util.h"

namespace lkb {

bool ScreenCapture::attach() {
  xcb_connection_t* c = x_.conn();
  seg_ = xcb_generate_id(c);
  int dupfd = fcntl(ring_.fd(), F_DUPFD_CLOEXEC, 0);  // xcb closes the fd it sends
  XReply<xcb_generic_error_t> err(xcb_request_check(c, xcb_shm_attach_fd_checked(c, seg_, dupfd, 0)));
  if (err) {
    logf("xcb_shm_attach_fd failed: error %d", err->error_code);
    return false;
  }
  damage_ = xcb_generate_id(c);
  xcb_damage_create(c, damage_, x_.root(), XCB_DAMAGE_REPORT_LEVEL_NON_EMPTY);
  region_ = xcb_generate_id(c);
  xcb_xfixes_create_region(c, region_, 0, nullptr);
  xcb_flush(c);
  return true;
}

void ScreenCapture::fetchDamage() {
  xcb_connection_t* c = x_.conn();
  xcb_damage_subtract(c, damage_, XCB_NONE, region_);
  XReply<xcb_xfixes_fetch_region_reply_t> r(xcb_xfixes_fetch_region_reply(c, xcb_xfixes_fetch_region(c, region_), nullptr));
  if (!r) return;
  const xcb_rectangle_t* rs = xcb_xfixes_fetch_region_rectangles(r.get());
  int n = xcb_xfixes_fetch_region_rectangles_length(r.get());
  for (int i = 0; i < n; ++i) {
    Rect rc{rs[i].x, rs[i].y, rs[i].width, rs[i].height};
    // Clip to the page.
    int x2 = std::min(rc.x + rc.w, width_), y2 = std::min(rc.y + rc.h, height_);
    rc.x = std::max(rc.x, 0);
    rc.y = std::max(rc.y, 0);
    rc.w = x2 - rc.x;
    rc.h = y2 - rc.y;
    if (rc.w <= 0 || rc.h <= 0) continue;
    rects_.push_back(rc);
    dirty_ = true;
  }
  if (rects_.size() > 16) {  // too many: report the bounding box
    Rect b = rects_[0];
    int x2 = b.x + b.w, y2 = b.y + b.h;
    for (const auto& q : rects_) {
      b.x = std::min(b.x, q.x);
      b.y = std::min(b.y, q.y);
      x2 = std::max(x2, q.x + q.w);
      y2 = std::max(y2, q.y + q.h);
    }
    b.w = x2 - b.x;
    b.h = y2 - b.y;
    rects_.assign(1, b);
  }
  if (debug_) logf("damage: %zu rects pending", rects_.size());
}

void ScreenCapture::damageAll(bool force) {
  dirty_ = true;
  if (force) forceNext_ = true;
  rects_.assign(1, Rect{0, 0, width_, height_});
}

void ScreenCapture::resize(int width, int height) {
  width_ = width;
  height_ = height;
  lastSlot_ = -1;
  damageAll(true);
}

std::optional<Frame> ScreenCapture::maybeGrab() {
  if (!dirty_) return std::nullopt;
  int64_t now = monotonicUs();
  const int64_t interval = 1000000 / framerate_;
  // A token bucket, not a fixed schedule: on a schedule, a page frame drawn just after a tick waited for the next
  // one (draw → grab 27–36 ms at 30 fps in bench/glass-to-glass.ts's budget); the bucket grabs it at once and still
  // holds the rate to framerate_ on average (two frames back to back at most after a quiet spell).
  if (creditNow(now) < interval - kPaceSlackUs) return std::nullopt;  // the poll timeout brings us back
  int32_t slot = ring_.pickFree(lastSlot_);
  if (slot < 0) return std::nullopt;  // coalesce damage until a slot is released
  xcb_connection_t* c = x_.conn();
  int64_t t0 = monotonicUs();
  xcb_generic_error_t* e = nullptr;
  XReply<xcb_shm_get_image_reply_t> img(xcb_shm_get_image_reply(
      c,
      xcb_shm_get_image(c, x_.root(), 0, 0, static_cast<uint16_t>(width_), static_cast<uint16_t>(height_), ~0u,
                        XCB_IMAGE_FORMAT_Z_PIXMAP, seg_, static_cast<uint32_t>(static_cast<size_t>(slot) * ring_.slotSize())),
      &e));
  XReply<xcb_generic_error_t> err(e);
  int64_t t1 = monotonicUs();
  if (!img) {
    logf("shm_get_image failed: %d", err ? err->error_code : -1);
    return std::nullopt;
  }
  creditUs_ = creditNow(t0) - interval;
  creditAtUs_ = t0;
  creditStarted_ = true;
  bool force = forceNext_;
  forceNext_ = false;
  if (!force && lastSlot_ >= 0 && lastSlot_ != slot && ring_.sameInRects(slot, lastSlot_, width_, rects_)) {
    ++identical_;
    if (debug_) logf("grab identical to the last frame: dropped (%lld so far)", static_cast<long long>(identical_));
    rects_.clear();
    dirty_ = false;
    return std::nullopt;
  }
  lastSlot_ = slot;
  ring_.setBusy(slot, true);
  Frame f{slot, ++seq_, width_, height_, t1, static_cast<int32_t>(t1 - t0), std::move(rects_)};
  if (debug_) logf("paint seq %d slot %d grab %lld us", f.seq, slot, static_cast<long long>(t1 - t0));
  rects_.clear();
  dirty_ = false;
  return f;
}

int64_t ScreenCapture::creditNow(int64_t now) const {
  const int64_t cap = kPaceBurst * (1000000 / framerate_);
  if (!creditStarted_) return cap;
  return std::min(cap, creditUs_ + (now - creditAtUs_));
}

int ScreenCapture::timeoutMs() const {
  if (!dirty_ || !ring_.anyFree()) return -1;
  int64_t wait = (1000000 / framerate_) - kPaceSlackUs - creditNow(monotonicUs());
  return wait <= 0 ? 0 : static_cast<int>((wait + 999) / 1000);
}

}  // namespace lkb
