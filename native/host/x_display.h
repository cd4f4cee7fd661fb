// The connection to our Xvfb: the extensions capture needs (MIT-SHM 1.2 for fd passing, DAMAGE, XFIXES) and
// their event bases. Owns the xcb connection (RAII).
#pragma once
#include <xcb/xcb.h>

#include <cstdint>
#include <cstdlib>
#include <memory>

namespace lkb {

// xcb replies and events are malloc'ed: free() them.
template <typename T>
struct FreeDeleter {
  void operator()(T* p) const { free(p); }
};
template <typename T>
using XReply = std::unique_ptr<T, FreeDeleter<T>>;

class XDisplay {
 public:
  // Connects to :display and checks the extensions; false (logged) if anything is missing.
  bool connect(int display);
  xcb_connection_t* conn() const { return conn_.get(); }
  xcb_window_t root() const { return root_; }
  uint8_t damageEventBase() const { return damageEvent_; }
  uint8_t xfixesEventBase() const { return xfixesEvent_; }
  int fd() const { return xcb_get_file_descriptor(conn_.get()); }
  bool hasError() const { return xcb_connection_has_error(conn_.get()) != 0; }
  void disconnect() { conn_.reset(); }

 private:
  struct XcbDeleter {
    void operator()(xcb_connection_t* c) const { xcb_disconnect(c); }
  };
  std::unique_ptr<xcb_connection_t, XcbDeleter> conn_;
  xcb_window_t root_ = 0;
  uint8_t damageEvent_ = 0, xfixesEvent_ = 0;
};

}  // namespace lkb
