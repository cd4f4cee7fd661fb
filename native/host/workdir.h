// The host's private temp dir (/tmp/lkb-host-<pid>-XXXXXX with pulse/, home/, config/ and Chromium profiles);
// removed with everything in it on destruction.
#pragma once
#include <string>

namespace lkb {

class Workdir {
 public:
  Workdir() = default;
  ~Workdir();
  Workdir(const Workdir&) = delete;
  Workdir& operator=(const Workdir&) = delete;
  bool create();
  void remove();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace lkb
