// lkb_shm: maps (part of) a POSIX shared-memory segment as an external ArrayBuffer starting at offset 0.
// Each call creates its own mapping, so every frame slot is its own ArrayBuffer (rtc-node's VideoFrame
// ignores byteOffset). The mapping lives until the ArrayBuffer is garbage-collected (finalizer munmaps).
#include <errno.h>
#include <fcntl.h>
#include <napi.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <memory>
#include <string>

namespace {

struct Mapping {
  void* addr = MAP_FAILED;
  size_t len = 0;
  Mapping() = default;
  Mapping(const Mapping&) = delete;
  Mapping& operator=(const Mapping&) = delete;
  ~Mapping() {
    if (addr != MAP_FAILED) munmap(addr, len);
  }
};

Napi::Value Fail(Napi::Env env, const std::string& msg) {
  Napi::Error::New(env, msg).ThrowAsJavaScriptException();
  return env.Undefined();
}

// mapShm(name: string, offset: number, length: number, writable?: boolean): ArrayBuffer
Napi::Value MapShm(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 3 || !info[0].IsString() || !info[1].IsNumber() || !info[2].IsNumber())
    return Fail(env, "mapShm(name, offset, length[, writable])");
  std::string name = info[0].As<Napi::String>().Utf8Value();
  int64_t offset = info[1].As<Napi::Number>().Int64Value();
  int64_t length = info[2].As<Napi::Number>().Int64Value();
  bool writable = info.Length() > 3 && info[3].ToBoolean().Value();
  long page = sysconf(_SC_PAGESIZE);
  if (offset < 0 || length <= 0 || offset % page != 0) return Fail(env, "mapShm: bad offset/length");
  int fd = shm_open(name.c_str(), writable ? O_RDWR : O_RDONLY, 0);
  if (fd < 0) return Fail(env, "shm_open(" + name + "): " + strerror(errno));
  struct stat st {};
  if (fstat(fd, &st) != 0 || st.st_size < offset + length) {
    close(fd);
    return Fail(env, "mapShm: segment " + name + " is smaller than offset+length");
  }
  void* p = mmap(nullptr, static_cast<size_t>(length), writable ? PROT_READ | PROT_WRITE : PROT_READ, MAP_SHARED, fd,
                 static_cast<off_t>(offset));
  int err = errno;
  close(fd);
  if (p == MAP_FAILED) return Fail(env, std::string("mmap: ") + strerror(err));
  auto m = std::make_unique<Mapping>();
  m->addr = p;
  m->len = static_cast<size_t>(length);
  Mapping* raw = m.get();
  Napi::ArrayBuffer ab = Napi::ArrayBuffer::New(
      env, p, static_cast<size_t>(length), [](Napi::Env, void*, Mapping* mm) { std::unique_ptr<Mapping> own(mm); },
      raw);
  if (env.IsExceptionPending()) return env.Undefined();  // finalizer not registered: `m` unmaps
  m.release();
  return ab;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("mapShm", Napi::Function::New(env, MapShm));
  return exports;
}

}  // namespace

NODE_API_MODULE(lkb_shm, Init)
