// Screen capture: XDamage on the root window says what changed; xcb_shm_get_image copies the page area straight
// into a free ring slot. Damage-driven and paced to the framerate on a fixed schedule; damage is coalesced while no
// slot is free; a grab byte-identical (inside the damage) to the last frame sent is dropped, so a static page
// sends nothing.
#pragma once
#include <xcb/damage.h>
#include <xcb/shm.h>
#include <xcb/xfixes.h>

#include <cstdint>
#include <optional>
#include <vector>

#include "rect.h"
#include "shm_ring.h"
#include "x_display.h"

namespace lkb {

// One grab, ready to be announced as a paint message.
struct Frame {
  int32_t slot, seq, width, height;
  int64_t captureUs;
  int32_t grabUs;
  std::vector<Rect> rects;
};

class ScreenCapture {
 public:
  ScreenCapture(XDisplay& x, ShmRing& ring, int width, int height, int framerate, bool debug)
      : x_(x), ring_(ring), width_(width), height_(height), framerate_(framerate), debug_(debug) {}
  ScreenCapture(const ScreenCapture&) = delete;
  ScreenCapture& operator=(const ScreenCapture&) = delete;

  // Attaches the ring to the X server and starts damage tracking on the root window.
  bool attach();
  // After a DamageNotify: collects the damaged rectangles, clipped to the page.
  void fetchDamage();
  // Everything on screen counts as new (a new listener, a refresh request); `force` skips the identical check.
  void damageAll(bool force);
  // The page size changed: the last frame has the old size, so there is nothing to compare against.
  void resize(int width, int height);
  // Grabs if something is damaged, the frame interval elapsed and a slot is free (which then becomes busy).
  std::optional<Frame> maybeGrab();
  // How long poll() may sleep before the next grab is due; -1 = no grab pending.
  int timeoutMs() const;
  bool damaged() const { return dirty_; }
  size_t pendingRects() const { return rects_.size(); }

 private:
  static constexpr int64_t kPaceSlackUs = 1000;
  XDisplay& x_;
  ShmRing& ring_;
  int width_, height_, framerate_;
  bool debug_;
  xcb_shm_seg_t seg_ = 0;
  xcb_damage_damage_t damage_ = 0;
  xcb_xfixes_region_t region_ = 0;
  std::vector<Rect> rects_;
  bool dirty_ = false;
  bool forceNext_ = false;
  int32_t lastSlot_ = -1;
  // Pacing: a token bucket of grab credit in µs, earned in real time, at most kPaceBurst intervals; a grab spends
  // one interval. Phase-free, so a grab follows the page's damage at once instead of waiting for a fixed tick.
  static constexpr int64_t kPaceBurst = 2;
  bool creditStarted_ = false;  // before the first grab the bucket is full
  int64_t creditUs_ = 0;
  int64_t creditAtUs_ = 0;
  int64_t creditNow(int64_t now) const;
  int32_t seq_ = 0;
  int64_t identical_ = 0;
};

}  // namespace lkb
