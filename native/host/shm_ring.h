// The frame ring: a POSIX shm object of N page-aligned slots (maxWidth*maxHeight*4 bytes each) that the X server
// writes into (MIT-SHM) and Node maps one slot per ArrayBuffer. A slot is busy from the paint that names it until
// Node releases it. The host keeps a read-only view to compare a grab with the last frame sent. RAII: the name is
// unlinked and the view unmapped on destruction.
#pragma once
#include <sys/mman.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "rect.h"
#include "util.h"

namespace lkb {

class ShmRing {
 public:
  ShmRing() = default;
  ~ShmRing() { unlinkName(); }
  ShmRing(const ShmRing&) = delete;
  ShmRing& operator=(const ShmRing&) = delete;

  bool create(int slots, size_t frameBytes);
  const std::string& name() const { return name_; }
  int fd() const { return fd_.get(); }
  int slots() const { return static_cast<int>(busy_.size()); }
  size_t slotSize() const { return slotSize_; }
  // Node mapped the ring: nothing needs the name any more, so even a SIGKILL leaks no segment.
  void unlinkName();

  bool busy(int slot) const { return busy_[static_cast<size_t>(slot)]; }
  void setBusy(int slot, bool b) { busy_[static_cast<size_t>(slot)] = b; }
  bool valid(int slot) const { return slot >= 0 && slot < slots(); }
  bool anyFree() const;
  // A free slot, preferably not `avoid` (the slot of the last frame sent, kept for the identical-frame check); -1.
  int pickFree(int avoid) const;
  // True if the pixels inside `rects` (stride width*4) are the same in both slots.
  bool sameInRects(int a, int b, int width, const std::vector<Rect>& rects) const;

 private:
  struct Unmap {
    size_t len;
    void operator()(uint8_t* p) const { munmap(p, len); }
  };
  std::string name_;
  bool linked_ = false;
  Fd fd_;
  size_t slotSize_ = 0;
  std::vector<bool> busy_;
  std::unique_ptr<uint8_t, Unmap> view_{nullptr, Unmap{0}};
};

}  // namespace lkb
