#include "devtools_pipe.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "protocol.h"

namespace lkb {

bool DevToolsPipe::open() {
  close();
  int a[2], b[2];
  if (pipe2(a, O_CLOEXEC) != 0) return false;
  if (pipe2(b, O_CLOEXEC) != 0) {
    ::close(a[0]);
    ::close(a[1]);
    return false;
  }
  toChromiumRd_.reset(a[0]);
  toChromiumWr_.reset(a[1]);
  fromChromiumRd_.reset(b[0]);
  fromChromiumWr_.reset(b[1]);
  // Only the host's ends are non-blocking (O_NONBLOCK belongs to each end's open file description).
  for (int fd : {toChromiumWr_.get(), fromChromiumRd_.get()}) fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  return true;
}

void DevToolsPipe::closeChildEnds() {
  toChromiumRd_.reset();
  fromChromiumWr_.reset();
}

void DevToolsPipe::close() {
  closeChildEnds();
  toChromiumWr_.reset();
  fromChromiumRd_.reset();
  in_.clear();
  in_.shrink_to_fit();
  skipping_ = false;
  skipped_ = 0;
  outQ_.clear();
  outOff_ = outBytes_ = 0;
}

DevToolsPipe::Queue DevToolsPipe::queue(const std::string& msg) {
  if (msg.empty() || msg.size() > static_cast<size_t>(kMaxCdpMessage) || msg.find('\0') != std::string::npos) {
    return Queue::kInvalid;
  }
  if (outBytes_ + msg.size() + 1 > static_cast<size_t>(kMaxCdpQueue)) return Queue::kFull;
  outQ_.push_back(msg);
  outQ_.back().push_back('\0');
  outBytes_ += msg.size() + 1;
  return Queue::kOk;
}

bool DevToolsPipe::flush() {
  if (!toChromiumWr_.valid()) return false;
  while (!outQ_.empty()) {
    auto& m = outQ_.front();
    ssize_t n = write(toChromiumWr_.get(), m.data() + outOff_, m.size() - outOff_);
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) return true;
      return false;  // EPIPE: Chromium is gone (its exit is reported through SIGCHLD)
    }
    outOff_ += static_cast<size_t>(n);
    if (outOff_ == m.size()) {
      outBytes_ -= m.size();
      outQ_.pop_front();
      outOff_ = 0;
    }
  }
  return true;
}

DevToolsPipe::Read DevToolsPipe::read(size_t maxBytes, const std::function<void(const std::string&)>& onMessage,
                                      const std::function<void(size_t)>& onOversize) {
  char buf[65536];
  size_t total = 0;
  while (total < maxBytes && fromChromiumRd_.valid()) {
    ssize_t n = ::read(fromChromiumRd_.get(), buf, sizeof buf);
    if (n == 0) return Read::kClosed;
    if (n < 0) return errno == EAGAIN || errno == EINTR ? Read::kOk : Read::kClosed;
    total += static_cast<size_t>(n);
    const char* p = buf;
    size_t left = static_cast<size_t>(n);
    while (left > 0) {
      const char* nul = static_cast<const char*>(memchr(p, 0, left));
      size_t take = nul ? static_cast<size_t>(nul - p) : left;
      if (!skipping_ && in_.size() + take > static_cast<size_t>(kMaxCdpMessage)) {
        skipping_ = true;
        skipped_ = in_.size();
        in_.clear();
        in_.shrink_to_fit();
      }
      if (skipping_) {
        skipped_ += take;
      } else {
        in_.append(p, take);
      }
      if (!nul) break;
      if (skipping_) {
        onOversize(skipped_);
        skipping_ = false;
        skipped_ = 0;
      } else if (!in_.empty()) {
        onMessage(in_);
        in_.clear();
        if (in_.capacity() > (1u << 20)) in_.shrink_to_fit();  // one large reply does not pin its buffer
      }
      p = nul + 1;
      left -= take + 1;
    }
  }
  return Read::kOk;
}

}  // namespace lkb
