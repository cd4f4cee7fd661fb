// DevTools over a pipe: Chromium runs with --remote-debugging-pipe and reads NUL-terminated JSON commands on its fd 3
// and writes NUL-terminated replies and events on its fd 4. The host holds the other two ends and relays every
// message to Node over the control channel (kCdp / kCdpSend). No TCP port, no socket anyone else could connect to:
// only the host (and through it Node) can speak DevTools to this Chromium.
#pragma once
#include <cstddef>
#include <deque>
#include <functional>
#include <string>

#include "util.h"

namespace lkb {

class DevToolsPipe {
 public:
  // A fresh pair of pipes for one Chromium launch (the previous pair, if any, is closed with what it held).
  bool open();
  // The ends Chromium gets, in the order they must become its fds 3 (it reads) and 4 (it writes).
  int childReadFd() const { return toChromiumRd_.get(); }
  int childWriteFd() const { return fromChromiumWr_.get(); }
  // After the fork: the host keeps only its own ends (so Chromium's exit is EOF here).
  void closeChildEnds();
  // Drops both directions and everything queued (Chromium exited or is being replaced).
  void close();
  bool isOpen() const { return fromChromiumRd_.valid(); }

  int readFd() const { return fromChromiumRd_.get(); }
  int writeFd() const { return toChromiumWr_.get(); }
  bool wantsWrite() const { return !outQ_.empty(); }
  size_t queuedBytes() const { return outBytes_; }

  enum class Queue { kOk, kFull, kInvalid };
  // Queues one message for Chromium (a NUL is appended). kFull: more than kMaxCdpQueue bytes wait already (Chromium
  // does not read); kInvalid: empty, too large or containing a NUL (it would split into two commands).
  Queue queue(const std::string& msg);
  // Writes what the pipe takes; false once the pipe broke.
  bool flush();

  enum class Read { kOk, kClosed };
  // Reads what is available (at most `maxBytes`) and calls onMessage for every complete message. A message longer
  // than kMaxCdpMessage is skipped up to its NUL and reported once through onOversize (its size).
  Read read(size_t maxBytes, const std::function<void(const std::string&)>& onMessage,
            const std::function<void(size_t)>& onOversize);

 private:
  Fd toChromiumRd_, toChromiumWr_, fromChromiumRd_, fromChromiumWr_;
  std::string in_;
  bool skipping_ = false;
  size_t skipped_ = 0;
  std::deque<std::string> outQ_;
  size_t outOff_ = 0, outBytes_ = 0;
};

}  // namespace lkb
