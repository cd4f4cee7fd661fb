#include "x_display.h"

#include <fcntl.h>
#include <xcb/damage.h>
#include <xcb/shm.h>
#include <xcb/xfixes.h>

#include <string>

#include "util.h"

namespace lkb {

bool XDisplay::connect(int display) {
  std::string name = ":" + std::to_string(display);
  conn_.reset(xcb_connect(name.c_str(), nullptr));
  if (xcb_connection_has_error(conn_.get())) return false;
  fcntl(xcb_get_file_descriptor(conn_.get()), F_SETFD, FD_CLOEXEC);
  xcb_connection_t* c = conn_.get();
  root_ = xcb_setup_roots_iterator(xcb_get_setup(c)).data->root;

  XReply<xcb_shm_query_version_reply_t> shmv(xcb_shm_query_version_reply(c, xcb_shm_query_version(c), nullptr));
  if (!shmv || (shmv->major_version < 1 || (shmv->major_version == 1 && shmv->minor_version < 2))) {
    logf("MIT-SHM 1.2 (fd passing) missing");
    return false;
  }
  XReply<xcb_damage_query_version_reply_t> dv(xcb_damage_query_version_reply(c, xcb_damage_query_version(c, 1, 1), nullptr));
  XReply<xcb_xfixes_query_version_reply_t> fv(xcb_xfixes_query_version_reply(c, xcb_xfixes_query_version(c, 4, 0), nullptr));
  if (!dv || !fv) {
    logf("DAMAGE or XFIXES missing");
    return false;
  }
  damageEvent_ = xcb_get_extension_data(c, &xcb_damage_id)->first_event;
  xfixesEvent_ = xcb_get_extension_data(c, &xcb_xfixes_id)->first_event;
  return true;
}

}  // namespace lkb
