// lkb-cef-host: one CEF off-screen page per process, speaking the same control protocol (fd 3) and shm
// frame ring as native/host (the Chromium-under-Xvfb engine), so native/src drives either engine.
// Frames: CEF OnPaint (BGRA, dirty rects) copied into a free slot; audio: CEF audio handler; cursor:
// OnCursorChange; input: CEF's browser host API (input_* messages, input.rs); navigation and evaluate: CDP over
// CEF's DevTools pipe (as for the Xvfb engine).
// CEF runs its UI thread itself (multi_threaded_message_loop); the main thread reads the control socket.
mod audio;
mod cef_util;
mod devtools_pipe;
mod engine;
mod input;
mod protocol;
mod reaper;
mod ring;
mod sandbox;
mod signals;
mod sys;

use cef_util::{cef_str, free_str, handler};
use protocol::{ClientMsg, Writer};
use std::ffi::{c_char, c_int, c_long, c_void, CString};
use std::fs::File;
use std::io::Read;
use std::mem::{size_of, zeroed};
use std::os::fd::FromRawFd;
use std::ptr::null_mut;
use sys::*;

const SLOTS: usize = 3;

extern "C" {
    fn shm_open(name: *const c_char, oflag: c_int, mode: u32) -> c_int;
    fn shm_unlink(name: *const c_char) -> c_int;
    fn ftruncate(fd: c_int, len: i64) -> c_int;
    fn mmap(addr: *mut c_void, len: usize, prot: c_int, flags: c_int, fd: c_int, off: i64) -> *mut c_void;
    fn close(fd: c_int) -> c_int;
    fn prctl(op: c_int, a: c_long, b: c_long, c: c_long, d: c_long) -> c_int;
    fn getppid() -> c_int;
}

struct Args {
    width: i32,
    height: i32,
    max_width: i32,
    max_height: i32,
    framerate: i32,
    audio: bool,
    url: String,
    parent_pid: i32,
    proxy_server: Option<String>,
}

/// Only a loopback HTTP proxy (the runtime's egress proxy), as native/host accepts.
fn is_loopback_http_proxy(s: &str) -> bool {
    let Some(port) = s.strip_prefix("http://127.0.0.1:") else { return false };
    !port.is_empty() && port.len() <= 5 && port.bytes().all(|c| c.is_ascii_digit())
}

static PROXY: std::sync::OnceLock<String> = std::sync::OnceLock::new();

fn parse_args(argv: &[String]) -> Result<Args, String> {
    let mut a = Args { width: 1280, height: 720, max_width: 1920, max_height: 1080, framerate: 30, audio: true, url: String::new(), parent_pid: 0, proxy_server: None };
    let mut it = argv.iter().skip(1);
    while let Some(k) = it.next() {
        let v = it.next().ok_or_else(|| format!("{k} needs a value"))?;
        let int = || v.parse::<i32>().map_err(|_| format!("{k}: not an integer: {v}"));
        match k.as_str() {
            "--width" => a.width = int()?,
            "--height" => a.height = int()?,
            "--max-width" => a.max_width = int()?,
            "--max-height" => a.max_height = int()?,
            "--framerate" => a.framerate = int()?,
            "--audio" => a.audio = v != "0",
            "--url" => a.url = v.clone(),
            "--parent-pid" => a.parent_pid = int()?,
            "--chromium" => {} // the Xvfb engine's browser binary; CEF is this process
            "--proxy-server" if is_loopback_http_proxy(v) => a.proxy_server = Some(v.clone()),
            "--proxy-server" => return Err(format!("--proxy-server must be http://127.0.0.1:<port>, got {v}")),
            // The CEF browser process is this host: a separate uid for the browser would mean running the
            // whole host as that uid; not done yet, so refuse rather than run the browser as root.
            "--chromium-uid" => return Err("the CEF engine does not support chromiumUid (run the runtime as that uid)".into()),
            _ => return Err(format!("unknown argument {k}")),
        }
    }
    if a.max_width < 16 || a.max_height < 16 || a.max_width > 7680 || a.max_height > 4320 {
        return Err("bad maximum size".into());
    }
    if a.width < 16 || a.height < 16 || a.width > a.max_width || a.height > a.max_height {
        return Err(format!("size {}x{} outside 16x16..{}x{}", a.width, a.height, a.max_width, a.max_height));
    }
    if !(1..=60).contains(&a.framerate) || a.url.is_empty() {
        return Err("bad framerate or url".into());
    }
    Ok(a)
}

/// Reads one frame (length-prefixed) from the control socket; None on EOF or a malformed length.
fn read_frame(f: &mut File) -> Option<Vec<u8>> {
    let mut len = [0u8; 4];
    f.read_exact(&mut len).ok()?;
    let n = i32::from_le_bytes(len);
    if n < 4 || n as usize > devtools_pipe::MAX_CDP_MESSAGE + 16 {
        return None;
    }
    let mut buf = vec![0u8; n as usize];
    f.read_exact(&mut buf).ok()?;
    // Only a DevTools command may exceed MAX_MESSAGE.
    if n as usize > protocol::MAX_MESSAGE && buf[..4] != protocol::CDP_SEND.to_le_bytes() {
        return None;
    }
    Some(buf)
}

unsafe extern "C" fn on_command_line(_: *mut cef_app_t, _: *const cef_string_t, cl: *mut cef_command_line_t) {
    // Software rendering without any display server (ozone headless): OnPaint gets CPU bitmaps.
    // The network flags match the Xvfb engine's Chromium (the network is closed).
    let switches = [
        "disable-gpu",
        "disable-gpu-compositing",
        "disable-background-networking",
        "disable-component-update",
        "disable-sync",
        "no-first-run",
        "disable-quic",
        // DevTools on fds 3/4 only (devtools_pipe.rs): no TCP port at all
        "remote-debugging-pipe",
    ];
    for s in switches {
        let mut v = cef_str(s);
        ((*cl).append_switch.unwrap())(cl, &v);
        free_str(&mut v);
    }
    // PaintHolding keeps showing the previous page after a navigation and drops input until the new one
    // paints; off-screen, that swallowed the first click after a navigation (measured).
    if let Some(p) = PROXY.get() {
        // Egress only through the runtime's proxy, loopback included; WebRTC may not send UDP around it.
        for (k, v) in [("proxy-server", p.as_str()), ("proxy-bypass-list", "<-loopback>"), ("force-webrtc-ip-handling-policy", "disable_non_proxied_udp")] {
            let (mut k, mut v) = (cef_str(k), cef_str(v));
            ((*cl).append_switch_with_value.unwrap())(cl, &k, &v);
            free_str(&mut k);
            free_str(&mut v);
        }
    }
    for (k, v) in [("ozone-platform", "headless"), ("autoplay-policy", "no-user-gesture-required"), ("disable-features", "PaintHolding")] {
        let (mut k, mut v) = (cef_str(k), cef_str(v));
        ((*cl).append_switch_with_value.unwrap())(cl, &k, &v);
        free_str(&mut k);
        free_str(&mut v);
    }
}

/// Where libcef.so and its resources are: `cef/` next to this binary when present (the CEF runtime image,
/// Dockerfile.runtime-cef), else the tool cache it was built against. Same order as the rpath (build.rs), so
/// the resources always belong to the libcef.so that was loaded.
fn runtime_dir() -> String {
    let exe = std::env::current_exe().ok();
    cef_runtime_dir(exe.as_deref(), env!("LKB_CEF_RUNTIME_DIR"), |p| p.join("libcef.so").is_file())
}

fn cef_runtime_dir(exe: Option<&std::path::Path>, built: &str, has_cef: impl Fn(&std::path::Path) -> bool) -> String {
    match exe.and_then(|e| e.parent()).map(|d| d.join("cef")) {
        Some(d) if has_cef(&d) => d.to_string_lossy().into_owned(),
        _ => built.to_string(),
    }
}

fn temp_dir() -> std::path::PathBuf {
    std::env::temp_dir().join(format!("lkb-host-{}-cef", engine::pid()))
}

/// Last-resort cleanup when the orderly shutdown hangs: children, profile dir (the shm name is unlinked
/// once Node mapped it, and a segment nobody maps is freed with its last mapping).
fn force_cleanup() {
    reaper::kill_all_descendants(engine::pid(), std::time::Duration::from_secs(2));
    let _ = std::fs::remove_dir_all(temp_dir());
}

fn main() {
    // SAFETY: the whole host is FFI into libcef; each call follows the CEF C API contract.
    unsafe { std::process::exit(run()) }
}

unsafe fn run() -> i32 {
    // Must precede every other CEF call: selects the API version the bindings were generated for.
    cef_api_hash(CEF_API_VERSION, 0);
    let argv: Vec<String> = std::env::args().collect();
    let cargs: Vec<CString> = argv.iter().map(|a| CString::new(a.as_str()).unwrap_or_default()).collect();
    let mut cptrs: Vec<*mut c_char> = cargs.iter().map(|a| a.as_ptr() as *mut c_char).collect();
    let main_args = cef_main_args_t { argc: cptrs.len() as c_int, argv: cptrs.as_mut_ptr() };
    let app = handler(|a: &mut cef_app_t, b| {
        a.base = b;
        a.on_before_command_line_processing = Some(on_command_line);
    });
    // CEF's sub-processes (renderer, GPU, utility) are this binary with --type=...
    let code = cef_execute_process(&main_args, app, null_mut());
    if code >= 0 {
        return code;
    }

    signals::block();
    prctl(1 /* PR_SET_PDEATHSIG */, 15 /* SIGTERM: clean up like on any other exit */, 0, 0, 0);
    reaper::become_subreaper();
    let parsed = parse_args(&argv);
    // fd 3 becomes Chromium's DevTools pipe; the control socket moves (devtools_pipe.rs).
    let (ctl_fd, to_chromium, from_chromium) = match devtools_pipe::install() {
        Ok(v) => v,
        Err(e) => {
            eprintln!("lkb-cef-host: DevTools pipe: {e}");
            return 2;
        }
    };
    let mut ctl_in = File::from_raw_fd(ctl_fd);
    let Ok(mut ctl_out) = ctl_in.try_clone() else {
        eprintln!("lkb-cef-host: fd 3 is not a control socket");
        return 2;
    };
    let args = match parsed {
        Ok(a) => a,
        Err(e) => {
            eprintln!("lkb-cef-host: {e}");
            let _ = read_frame(&mut ctl_in); // the client's hello; the error is the answer
            let _ = std::io::Write::write_all(&mut ctl_out, &Writer::new(protocol::ERROR).i32(1).str(&e).finish());
            return 2;
        }
    };
    if args.parent_pid > 0 && getppid() != args.parent_pid {
        return 1; // the parent died before PDEATHSIG was armed
    }
    if let Some(p) = &args.proxy_server {
        let _ = PROXY.set(p.clone());
    }

    // Handshake first (same order as native/host): client_hello -> hello.
    let hello = read_frame(&mut ctl_in).and_then(|f| protocol::decode_client(&f));
    let slot_size = (args.max_width as usize) * (args.max_height as usize) * 4;
    let shm_name = format!("/lkb-{}-cef", engine::pid());
    let cname = CString::new(shm_name.clone()).unwrap_or_default();
    let fd = shm_open(cname.as_ptr(), 0o2 | 0o100 | 0o200 | 0o2000000 /* RDWR|CREAT|EXCL|CLOEXEC */, 0o600);
    let base = if fd >= 0 && ftruncate(fd, (slot_size * SLOTS) as i64) == 0 {
        mmap(null_mut(), slot_size * SLOTS, 3 /* RW */, 1 /* SHARED */, fd, 0)
    } else {
        usize::MAX as *mut c_void
    };
    if fd >= 0 {
        close(fd);
    }
    engine::init(
        engine::Config {
            width: args.width,
            height: args.height,
            max_width: args.max_width,
            max_height: args.max_height,
            framerate: args.framerate,
            audio: args.audio,
        },
        ctl_out,
        base as *mut u8,
        slot_size,
        SLOTS,
    );
    if hello != Some(ClientMsg::Hello(protocol::PROTOCOL_VERSION)) {
        engine::send_error(true, &format!("bad handshake (expected version {})", protocol::PROTOCOL_VERSION));
        shm_unlink(cname.as_ptr());
        return 1;
    }
    engine::send(&Writer::new(protocol::HELLO).i32(protocol::PROTOCOL_VERSION).finish());
    if base as usize == usize::MAX {
        engine::send_error(true, &format!("shm {shm_name}: {}", std::io::Error::last_os_error()));
        shm_unlink(cname.as_ptr());
        return 1;
    }

    let tmp = temp_dir();
    signals::spawn_waiter(ctl_fd, force_cleanup);
    let runtime = runtime_dir();
    let mut st: cef_settings_t = zeroed();
    st.size = size_of::<cef_settings_t>();
    // CEF's own sandbox whenever this uid may create user namespaces (not root), reported like native/host does.
    let sb = sandbox::probe();
    eprintln!("lkb-cef-host: cef: uid {}, sandbox {}", sb.uid, sb.detail);
    st.no_sandbox = if sb.on { 0 } else { 1 };
    st.windowless_rendering_enabled = 1;
    st.multi_threaded_message_loop = 1;
    st.resources_dir_path = cef_str(&runtime);
    st.locales_dir_path = cef_str(&format!("{runtime}/locales"));
    st.root_cache_path = cef_str(&tmp.to_string_lossy());
    st.cache_path = cef_str(&tmp.join("profile").to_string_lossy());
    st.log_severity = cef_log_severity_t::LOGSEVERITY_ERROR;
    st.background_color = 0xffff_ffff;
    st.disable_signal_handlers = 1; // exit signals are ours (signals.rs)
    if cef_initialize(&main_args, &st, app, null_mut()) != 1 {
        engine::send_error(true, "cef_initialize failed");
        shm_unlink(cname.as_ptr());
        let _ = std::fs::remove_dir_all(&tmp);
        return 1;
    }
    engine::send(
        &Writer::new(protocol::READY)
            .str(&shm_name)
            .i32(SLOTS as i32)
            .i32(slot_size as i32)
            .i32(args.max_width)
            .i32(args.max_height)
            .i32(args.width)
            .i32(args.height)
            .i32(-1) // no X display
            .finish(),
    );
    // After ready, as native/host sends it: Node keeps messages from `ready` on.
    engine::send(&Writer::new(protocol::SANDBOX).i32(sb.on as i32).i32(sb.uid as i32).str(&sb.detail).finish());
    devtools_pipe::start(to_chromium, from_chromium);
    let client = engine::make_client();
    if !engine::create_browser(client, &args.url) {
        engine::send_error(true, "create_browser failed");
    }

    let mut unlinked = false;
    loop {
        let Some(frame) = read_frame(&mut ctl_in) else { break };
        let Some(msg) = protocol::decode_client(&frame) else {
            eprintln!("lkb-cef-host: protocol violation from Node: closing");
            break;
        };
        match msg {
            ClientMsg::Mapped => {
                if !unlinked {
                    shm_unlink(cname.as_ptr());
                    unlinked = true;
                }
            }
            ClientMsg::Release(slot) => engine::release_slot(slot),
            ClientMsg::Refresh => engine::refresh(),
            ClientMsg::Resize(w, h) => {
                if let Err(e) = engine::resize(w, h) {
                    engine::send_error(false, &e);
                }
            }
            ClientMsg::Restart(url) => {
                if !engine::restart(client, &url) {
                    engine::send_error(true, "restart failed");
                }
            }
            ClientMsg::CdpSend(pid, m) => {
                if pid == engine::pid() {
                    if let Err(e) = devtools_pipe::send(&m) {
                        engine::send_error(false, &e);
                    }
                }
            }
            ClientMsg::Mouse(kind, x, y, button, clicks, mods) => engine::mouse(kind, x, y, button, clicks, mods),
            ClientMsg::Wheel(x, y, dx, dy, mods) => engine::wheel(x, y, dx, dy, mods),
            ClientMsg::Key(kind, vk, native, ch, unmodified, mods) => engine::key(kind, vk, native, ch, unmodified, mods),
            ClientMsg::Focus(f) => engine::set_focus(f),
            ClientMsg::Shutdown => break,
            ClientMsg::Hello(_) => {
                eprintln!("lkb-cef-host: second hello: closing");
                break;
            }
        }
    }
    if !unlinked {
        shm_unlink(cname.as_ptr());
    }
    std::thread::spawn(|| signals::watchdog(std::time::Duration::from_secs(10), force_cleanup));
    engine::close_browser(5000);
    cef_shutdown();
    reaper::kill_all_descendants(engine::pid(), std::time::Duration::from_secs(3));
    if let Err(e) = std::fs::remove_dir_all(&tmp) {
        eprintln!("lkb-cef-host: removing {}: {e}", tmp.display());
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(extra: &[&str]) -> Vec<String> {
        let mut v: Vec<String> = ["lkb-cef-host", "--width", "640", "--height", "360", "--url", "about:blank"].iter().map(|s| s.to_string()).collect();
        v.extend(extra.iter().map(|s| s.to_string()));
        v
    }

    #[test]
    fn cef_next_to_the_binary_wins_over_the_build_cache() {
        let exe = std::path::Path::new("/app/native/build/Release/lkb-cef-host");
        assert_eq!(cef_runtime_dir(Some(exe), "/cache/cef-1", |_| true), "/app/native/build/Release/cef");
        assert_eq!(cef_runtime_dir(Some(exe), "/cache/cef-1", |_| false), "/cache/cef-1");
        assert_eq!(cef_runtime_dir(None, "/cache/cef-1", |_| true), "/cache/cef-1");
    }

    #[test]
    fn parses_the_hosts_arguments_and_refuses_what_it_cannot_honour() {
        let a = parse_args(&argv(&["--framerate", "60", "--audio", "0", "--proxy-server", "http://127.0.0.1:3128"])).unwrap();
        assert_eq!((a.width, a.height, a.framerate, a.audio), (640, 360, 60, false));
        assert_eq!(a.proxy_server.as_deref(), Some("http://127.0.0.1:3128"));
        for bad in [
            &["--proxy-server", "http://10.0.0.1:3128"][..],
            &["--proxy-server", "http://127.0.0.1:"],
            &["--proxy-server", "http://127.0.0.1:123456"],
            &["--chromium-uid", "1000"],
            &["--width", "99999"],
            &["--framerate", "0"],
            &["--bogus", "1"],
            &["--width"],
        ] {
            assert!(parse_args(&argv(bad)).is_err(), "{bad:?}");
        }
    }
}
