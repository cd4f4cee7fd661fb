#include "audio.h"

#include <fcntl.h>
#include <pulse/error.h>
#include <pulse/simple.h>
#include <unistd.h>

#include <memory>

namespace lkb {

int AudioCapture::start(const std::string& serverSocket) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) return -1;
  readEnd_.reset(fds[0]);
  writeEnd_.reset(fds[1]);
  stop_ = false;
  thread_ = std::thread(&AudioCapture::run, this, "unix:" + serverSocket);
  return readEnd_.get();
}

void AudioCapture::stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

void AudioCapture::run(std::string server) {
  struct SimpleDeleter {
    void operator()(pa_simple* s) const { pa_simple_free(s); }
  };
  pa_sample_spec ss{};
  ss.format = PA_SAMPLE_S16LE;
  ss.rate = kAudioRate;
  ss.channels = kAudioChannels;
  pa_buffer_attr ba{};
  ba.maxlength = static_cast<uint32_t>(-1);
  ba.tlength = static_cast<uint32_t>(-1);
  ba.prebuf = static_cast<uint32_t>(-1);
  ba.minreq = static_cast<uint32_t>(-1);
  ba.fragsize = kAudioBytes;
  std::unique_ptr<pa_simple, SimpleDeleter> s;
  for (int attempt = 0; attempt < 100 && !stop_ && !s; ++attempt) {
    int err = 0;
    s.reset(pa_simple_new(server.c_str(), "lkb-host", PA_STREAM_RECORD, "vsink.monitor", "page audio", &ss, nullptr,
                          &ba, &err));
    if (!s) {
      if (attempt == 0 || attempt == 99) logf("audio: connect %s failed: %s", server.c_str(), pa_strerror(err));
      usleep(50000);
    }
  }
  if (!s) return;
  AudioPacket pkt{};
  while (!stop_) {
    int err = 0;
    if (pa_simple_read(s.get(), pkt.pcm, sizeof pkt.pcm, &err) < 0) {
      if (!stop_) logf("audio: read failed: %s", pa_strerror(err));
      return;
    }
    // The frame just completed: its first sample was captured ~10 ms ago.
    pkt.ptsUs = monotonicUs() - 10000;
    if (write(writeEnd_.get(), &pkt, sizeof pkt) < 0) {
      // EAGAIN: the main loop is behind; drop this frame (bounded buffering).
    }
  }
}

}  // namespace lkb
