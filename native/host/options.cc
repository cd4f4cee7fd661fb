#include "options.h"

#include <algorithm>
#include <cstdlib>

#include "util.h"

namespace lkb {
namespace {

bool parseInt(const char* s, int lo, int hi, int* out) {
  char* end = nullptr;
  long v = strtol(s, &end, 10);
  if (!s[0] || *end || v < lo || v > hi) return false;
  *out = static_cast<int>(v);
  return true;
}

}  // namespace

bool isLoopbackHttpProxy(const std::string& s) {
  const std::string prefix = "http://127.0.0.1:";
  if (s.rfind(prefix, 0) != 0 || s.size() == prefix.size() || s.size() > prefix.size() + 5) return false;
  return std::all_of(s.begin() + static_cast<long>(prefix.size()), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool parseOptions(int argc, char** argv, Options* o) {
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i];
    const char* v = argv[i + 1];
    int n = 0;
    bool ok = true;
    if (k == "--width") ok = parseInt(v, 16, 8192, &o->width);
    else if (k == "--height") ok = parseInt(v, 16, 8192, &o->height);
    else if (k == "--max-width") ok = parseInt(v, 16, 8192, &o->maxWidth);
    else if (k == "--max-height") ok = parseInt(v, 16, 8192, &o->maxHeight);
    else if (k == "--framerate") ok = parseInt(v, 1, 60, &o->framerate);
    else if (k == "--slots") ok = parseInt(v, 3, 16, &o->slots);
    else if (k == "--parent-pid") ok = parseInt(v, 1, 1 << 30, &o->parentPid);
    else if (k == "--audio") ok = parseInt(v, 0, 1, &n), o->audio = n == 1;
    else if (k == "--chromium") o->chromium = v;
    else if (k == "--url") o->url = v;
    else if (k == "--proxy-server") ok = isLoopbackHttpProxy(v), o->proxyServer = v;
    else if (k == "--chromium-uid") ok = parseInt(v, 1, 1 << 30, &o->chromiumUid);
    else ok = false;
    if (!ok) {
      logf("bad argument %s %s", k.c_str(), v);
      return false;
    }
  }
  if (o->width > o->maxWidth || o->height > o->maxHeight) {
    logf("size %dx%d exceeds max %dx%d", o->width, o->height, o->maxWidth, o->maxHeight);
    return false;
  }
  return true;
}

}  // namespace lkb
