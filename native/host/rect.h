// A damaged rectangle in page pixels, as the paint message carries it.
#pragma once
#include <cstdint>

namespace lkb {

struct Rect {
  int32_t x, y, w, h;
};

}  // namespace lkb
