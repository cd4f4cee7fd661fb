// PulseAudio capture: a private pulseaudio daemon with a null sink; a thread reads the sink monitor in
// 10 ms frames (48 kHz stereo s16) and writes them, each with its capture time, to a non-blocking pipe.
// A full pipe drops frames (bounded); the main loop forwards them to the control socket.
#pragma once
#include <atomic>
#include <cstdint>
#include <string>
#include <thread>

#include "util.h"

namespace lkb {

constexpr int kAudioRate = 48000;
constexpr int kAudioChannels = 2;
constexpr int kAudioSamplesPerChannel = 480;
constexpr int kAudioBytes = kAudioSamplesPerChannel * kAudioChannels * 2;
struct AudioPacket {
  int64_t ptsUs;
  uint8_t pcm[kAudioBytes];
};
static_assert(sizeof(AudioPacket) <= 4096, "audio packets must be atomic pipe writes");

class AudioCapture {
 public:
  AudioCapture() = default;
  ~AudioCapture() { stop(); }
  AudioCapture(const AudioCapture&) = delete;
  AudioCapture& operator=(const AudioCapture&) = delete;

  // Starts the reader thread against the server socket path. Returns the pipe read fd (or -1).
  int start(const std::string& serverSocket);
  // Call after the daemon was killed (unblocks pa_simple_read).
  void stop();
  int readFd() const { return readEnd_.get(); }

 private:
  void run(std::string server);
  std::atomic<bool> stop_{false};
  std::thread thread_;
  Fd readEnd_;
  Fd writeEnd_;
};

}  // namespace lkb
