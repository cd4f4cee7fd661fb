#include "control_channel.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "protocol.h"

namespace lkb {

ControlChannel::ControlChannel(int fd) : fd_(fd) { fcntl(fd_.get(), F_SETFD, FD_CLOEXEC); }

bool ControlChannel::handshake(int timeoutMs) {
  // The first frame: int32 len, int32 type, int32 version.
  uint8_t buf[12];
  size_t got = 0;
  int64_t deadline = monotonicUs() + static_cast<int64_t>(timeoutMs) * 1000;
  while (got < sizeof buf) {
    pollfd p{fd_.get(), POLLIN, 0};
    int left = static_cast<int>((deadline - monotonicUs()) / 1000);
    if (left <= 0 || poll(&p, 1, left) <= 0) return false;
    ssize_t n = read(fd_.get(), buf + got, sizeof buf - got);
    if (n <= 0) return false;
    got += static_cast<size_t>(n);
  }
  Reader r(buf, sizeof buf);
  auto len = r.i32(), type = r.i32(), version = r.i32();
  if (!len || *len != 8 || !type || *type != kClientHello || !version || *version != kProtocolVersion) {
    send(Writer(kError).i32(1).str("bad handshake (expected version " + std::to_string(kProtocolVersion) + ")").finish());
    return false;
  }
  send(Writer(kHello).i32(kProtocolVersion).finish());
  return true;
}

void ControlChannel::send(std::vector<uint8_t> frame, bool droppable) {
  if (broken_) return;
  if (droppable && outBytes_ > 64 * 1024) return;
  outBytes_ += frame.size();
  outQ_.push_back(std::move(frame));
  flush();
}

bool ControlChannel::flush() {
  if (broken_) return false;
  while (!outQ_.empty()) {
    auto& f = outQ_.front();
    ssize_t n = ::send(fd_.get(), f.data() + outOff_, f.size() - outOff_, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) return true;
      logf("control socket write failed: %s", strerror(errno));
      broken_ = true;
      return false;
    }
    outOff_ += static_cast<size_t>(n);
    if (outOff_ == f.size()) {
      outBytes_ -= f.size();
      outQ_.pop_front();
      outOff_ = 0;
    }
  }
  return true;
}

void ControlChannel::setNonBlocking(bool on) {
  int fl = fcntl(fd_.get(), F_GETFL);
  fcntl(fd_.get(), F_SETFL, on ? fl | O_NONBLOCK : fl & ~O_NONBLOCK);
}

ControlChannel::Read ControlChannel::readMessages(const std::function<bool(const uint8_t*, size_t)>& onMessage,
                                                  std::string* why) {
  uint8_t buf[65536];
  ssize_t n = read(fd_.get(), buf, sizeof buf);
  if (n == 0) return Read::kClosed;
  if (n < 0) return errno == EAGAIN || errno == EINTR ? Read::kOk : Read::kClosed;
  inBuf_.insert(inBuf_.end(), buf, buf + n);
  size_t off = 0;
  while (inBuf_.size() - off >= 4) {
    int32_t len;
    std::memcpy(&len, inBuf_.data() + off, 4);
    if (len < 4 || len > kMaxCdpFrame) {
      *why = "message length " + std::to_string(len);
      return Read::kViolation;
    }
    if (len > kMaxMessage) {  // only a DevTools message may be longer
      if (inBuf_.size() - off < 8) break;
      int32_t type;
      std::memcpy(&type, inBuf_.data() + off + 4, 4);
      if (type != kCdpSend) {
        *why = "message length " + std::to_string(len);
        return Read::kViolation;
      }
    }
    if (inBuf_.size() - off - 4 < static_cast<size_t>(len)) break;
    if (!onMessage(inBuf_.data() + off + 4, static_cast<size_t>(len))) {
      *why = "bad message";
      return Read::kViolation;
    }
    off += 4 + static_cast<size_t>(len);
  }
  inBuf_.erase(inBuf_.begin(), inBuf_.begin() + static_cast<std::ptrdiff_t>(off));
  return Read::kOk;
}

}  // namespace lkb
