#include "shm_ring.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace lkb {

bool ShmRing::create(int slots, size_t frameBytes) {
  size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  slotSize_ = (frameBytes + page - 1) / page * page;
  name_ = "/lkb-" + std::to_string(getpid()) + "-" + std::to_string(monotonicUs() % 1000000);
  fd_.reset(shm_open(name_.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (!fd_.valid()) {
    logf("shm_open %s: %s", name_.c_str(), strerror(errno));
    return false;
  }
  linked_ = true;
  size_t len = slotSize_ * static_cast<size_t>(slots);
  if (ftruncate(fd_.get(), static_cast<off_t>(len)) != 0) return false;
  busy_.assign(static_cast<size_t>(slots), false);
  // Chromium sometimes re-presents unchanged content with full-window damage: the view lets us drop such grabs.
  void* v = mmap(nullptr, len, PROT_READ, MAP_SHARED, fd_.get(), 0);
  if (v == MAP_FAILED) return false;
  view_ = std::unique_ptr<uint8_t, Unmap>(static_cast<uint8_t*>(v), Unmap{len});
  return true;
}

void ShmRing::unlinkName() {
  if (!linked_) return;
  shm_unlink(name_.c_str());
  linked_ = false;
}

bool ShmRing::anyFree() const {
  for (bool b : busy_) {
    if (!b) return true;
  }
  return false;
}

int ShmRing::pickFree(int avoid) const {
  int slot = -1;
  for (size_t i = 0; i < busy_.size(); ++i) {
    if (busy_[i]) continue;
    if (slot < 0 || slot == avoid) slot = static_cast<int>(i);
  }
  return slot;
}

bool ShmRing::sameInRects(int a, int b, int width, const std::vector<Rect>& rects) const {
  const uint8_t* pa = view_.get() + static_cast<size_t>(a) * slotSize_;
  const uint8_t* pb = view_.get() + static_cast<size_t>(b) * slotSize_;
  size_t stride = static_cast<size_t>(width) * 4;
  for (const auto& r : rects) {
    for (int y = r.y; y < r.y + r.h; ++y) {
      size_t off = static_cast<size_t>(y) * stride + static_cast<size_t>(r.x) * 4;
      if (std::memcmp(pa + off, pb + off, static_cast<size_t>(r.w) * 4) != 0) return false;
    }
  }
  return true;
}

}  // namespace lkb
