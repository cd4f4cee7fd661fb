#include "workdir.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <vector>

#include "util.h"

namespace lkb {

Workdir::~Workdir() { remove(); }

bool Workdir::create() {
  std::string tmpl = "/tmp/lkb-host-" + std::to_string(getpid()) + "-XXXXXX";
  std::vector<char> b(tmpl.begin(), tmpl.end());
  b.push_back(0);
  if (!mkdtemp(b.data())) return false;
  path_ = b.data();
  mkdir((path_ + "/pulse").c_str(), 0700);
  mkdir((path_ + "/home").c_str(), 0700);
  mkdir((path_ + "/config").c_str(), 0700);
  return true;
}

void Workdir::remove() {
  if (path_.empty()) return;
  removeTree(path_);
  path_.clear();
}

}  // namespace lkb
