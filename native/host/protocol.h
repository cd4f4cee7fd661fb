// Control protocol between the TS side (native/src/control-protocol.ts) and the engine host.
// Frame: int32 LE length (1..kMaxMessage) + payload. Payload: int32 LE type, then fields.
// All integers are SIGNED little-endian (int32 or int64); strings are int32 length + UTF-8 bytes.
#pragma once
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

namespace lkb {

constexpr int32_t kProtocolVersion = 1;
constexpr int32_t kMaxMessage = 64 * 1024;
constexpr int32_t kMaxRects = 64;
// DevTools messages (kCdp / kCdpSend) are the one exception to kMaxMessage: a reply can carry a screenshot or a
// response body. Longer ones are dropped (and logged), in either direction.
constexpr int32_t kMaxCdpMessage = 64 * 1024 * 1024;
constexpr int32_t kMaxCdpFrame = kMaxCdpMessage + 16;
// Bytes queued for Chromium's DevTools pipe at most (Chromium not reading: further commands are dropped).
constexpr int32_t kMaxCdpQueue = 64 * 1024 * 1024;

// Ids and field lists: native/src/control-protocol.ts MESSAGES is the table; test/control-protocol.test.ts parses
// the comments below (`name` = i32, `name:i64|bool|str|bytes|rects`; rects = i32 count + (x,y,w,h)*) and
// compares them with it, so keep one field list per line in exactly that form.
enum MsgType : int32_t {
  // host -> TS
  kHello = 1,            // version
  kReady = 2,            // shmName:str, slots, slotSize, maxWidth, maxHeight, width, height, display
  kPaint = 3,            // slot, seq, width, height, captureTimeUs:i64, grabUs, rects:rects
  kAudio = 4,            // ptsUs:i64, sampleRate, channels, samplesPerChannel, pcm:bytes
  kCursor = 5,           // serial, hash, width, height, xhot, yhot
  kChromiumStarted = 6,  // pid, cdpPort
  kChromiumExited = 7,   // pid, status, reason:str
  kError = 8,            // fatal:bool, message:str
  kSandbox = 9,          // enabled:bool, uid, detail:str (Chromium's own sandbox, decided once before launch)
  kCdp = 10,             // pid, message:str
  kInputAck = 11,        // count (CEF host only: input_* messages handled so far)
  // TS -> host
  kClientHello = 101,  // version
  kMapped = 102,       // (none) TS mapped the shm: host unlinks its name
  kRelease = 103,      // slot
  kRestart = 104,      // url:str
  kShutdown = 105,     // (none)
  kRefresh = 106,      // (none) send the current screen as a full paint, even if unchanged
  kResize = 107,       // width, height (<= max): resizes Chromium's window and the capture
  kCdpSend = 108,      // pid, message:str
  // CEF host only (input through CEF's browser host API); this host never gets them
  kInputMouse = 109,  // kind, x, y, button, clickCount, modifiers
  kInputWheel = 110,  // x, y, deltaX, deltaY, modifiers
  kInputKey = 111,    // kind, windowsKeyCode, nativeKeyCode, character, unmodifiedCharacter, modifiers
  kInputFocus = 112,  // focused:bool
};

class Writer {
 public:
  explicit Writer(int32_t type) { buf_.resize(4); i32(type); }
  Writer& i32(int32_t v) {
    uint8_t b[4];
    std::memcpy(b, &v, 4);  // x86-64 / aarch64 are little-endian
    buf_.insert(buf_.end(), b, b + 4);
    return *this;
  }
  Writer& i64(int64_t v) {
    uint8_t b[8];
    std::memcpy(b, &v, 8);
    buf_.insert(buf_.end(), b, b + 8);
    return *this;
  }
  Writer& str(const std::string& s) {
    i32(static_cast<int32_t>(s.size()));
    buf_.insert(buf_.end(), s.begin(), s.end());
    return *this;
  }
  Writer& bytes(const uint8_t* p, size_t n) {
    i32(static_cast<int32_t>(n));
    buf_.insert(buf_.end(), p, p + n);
    return *this;
  }
  // Finishes the frame (writes the length prefix) and returns it.
  std::vector<uint8_t> finish() {
    int32_t len = static_cast<int32_t>(buf_.size() - 4);
    std::memcpy(buf_.data(), &len, 4);
    return std::move(buf_);
  }

 private:
  std::vector<uint8_t> buf_;
};

class Reader {
 public:
  Reader(const uint8_t* p, size_t n) : p_(p), n_(n) {}
  std::optional<int32_t> i32() {
    if (n_ - off_ < 4 || off_ > n_) return std::nullopt;
    int32_t v;
    std::memcpy(&v, p_ + off_, 4);
    off_ += 4;
    return v;
  }
  std::optional<std::string> str() {
    auto len = i32();
    if (!len || *len < 0 || static_cast<size_t>(*len) > n_ - off_) return std::nullopt;
    std::string s(reinterpret_cast<const char*>(p_ + off_), static_cast<size_t>(*len));
    off_ += static_cast<size_t>(*len);
    return s;
  }

 private:
  const uint8_t* p_;
  size_t n_;
  size_t off_ = 0;
};

}  // namespace lkb
