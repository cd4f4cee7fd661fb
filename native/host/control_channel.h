// The control channel to Node: fd 3 (a socketpair), length-prefixed frames (protocol.h). Outgoing frames are
// queued and written without blocking; incoming bytes are reassembled into messages.
#pragma once
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <vector>

#include "util.h"

namespace lkb {

class ControlChannel {
 public:
  explicit ControlChannel(int fd);
  ControlChannel(const ControlChannel&) = delete;
  ControlChannel& operator=(const ControlChannel&) = delete;

  int fd() const { return fd_.get(); }
  // Blocking: reads the client hello (within timeoutMs) and answers with the host hello or an error.
  bool handshake(int timeoutMs);
  // Queues a finished frame and writes what the socket takes. A droppable frame (audio) is dropped while more
  // than 64 KiB wait, so a slow reader never grows the queue without bound.
  void send(std::vector<uint8_t> frame, bool droppable = false);
  // Writes queued frames; false once a write failed (the channel is then broken for good).
  bool flush();
  bool wantsWrite() const { return !outQ_.empty(); }
  size_t queuedBytes() const { return outBytes_; }
  bool broken() const { return broken_; }
  void setNonBlocking(bool on);

  enum class Read { kOk, kClosed, kViolation };
  // Reads what is available and calls onMessage(payload, size) for every complete message; onMessage returning
  // false is a protocol violation. `why` says what was violated.
  Read readMessages(const std::function<bool(const uint8_t*, size_t)>& onMessage, std::string* why);

 private:
  Fd fd_;
  std::vector<uint8_t> inBuf_;
  std::deque<std::vector<uint8_t>> outQ_;
  size_t outOff_ = 0, outBytes_ = 0;
  bool broken_ = false;
};

}  // namespace lkb
