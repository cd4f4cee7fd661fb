// The one page this host renders: CEF handlers (render, audio, display, life span, request) writing
// into the shm ring and the control socket, and the host-side operations the control loop calls.
use crate::audio::Chunker;
use crate::cef_util::*;
use crate::input::{self, Dropped, Mouse};
use crate::protocol::{self, Writer};
use crate::ring::Ring;
use crate::sys::*;
use std::ffi::{c_int, c_void};
use std::fs::File;
use std::io::Write;
use std::mem::size_of;
use std::ptr::null_mut;
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicPtr, Ordering::SeqCst};
use std::sync::{Condvar, Mutex, OnceLock};
use std::time::Instant;

pub struct Config {
    pub width: i32,
    pub height: i32,
    pub max_width: i32,
    pub max_height: i32,
    pub framerate: i32,
    pub audio: bool,
}

struct Frames {
    ring: Ring,
    width: i32,
    height: i32,
    seq: i32,
    /// The last frame sent (same size as the view, empty before the first): CEF re-paints unchanged
    /// content (caret blink off-screen, compositor re-presents), and an unchanged frame is not sent.
    last: Vec<u8>,
    /// Send the next paint even if unchanged (refresh, deferred paint, resize).
    force: bool,
}

/// True when every dirty rect of `new` equals `last` (both BGRA, stride w*4, same size).
pub fn unchanged(last: &[u8], new: &[u8], w: usize, rects: &[(usize, usize, usize, usize)]) -> bool {
    if last.len() != new.len() {
        return false;
    }
    rects.iter().all(|&(x, y, rw, rh)| {
        (y..y + rh).all(|row| {
            let a = (row * w + x) * 4;
            let b = a + rw * 4;
            b <= new.len() && last[a..b] == new[a..b]
        })
    })
}

/// Dirty rects clipped to the view (CEF's are inside it; clipping keeps the slicing above safe).
pub fn clip(rects: &[cef_rect_t], w: i32, h: i32) -> Vec<(usize, usize, usize, usize)> {
    rects
        .iter()
        .filter_map(|r| {
            let x0 = r.x.clamp(0, w);
            let y0 = r.y.clamp(0, h);
            let x1 = (r.x.saturating_add(r.width)).clamp(0, w);
            let y1 = (r.y.saturating_add(r.height)).clamp(0, h);
            (x1 > x0 && y1 > y0).then(|| (x0 as usize, y0 as usize, (x1 - x0) as usize, (y1 - y0) as usize))
        })
        .collect()
}

pub struct Engine {
    cfg: Config,
    ctl: Mutex<File>,
    base: usize, // shm mapping address (slots * slot_size bytes)
    slot_size: usize,
    frames: Mutex<Frames>,
    audio: Mutex<Chunker>,
    cursor_serial: AtomicI32,
    browser: AtomicPtr<cef_browser_t>,
    /// (closed, creating): on_before_close ran / a create_browser has not reached on_after_created yet.
    closed: (Mutex<(bool, bool)>, Condvar),
    shutting_down: AtomicBool,
    /// chromium_started is still due for the current browser / restart (sent once its main frame committed).
    announce: AtomicBool,
    /// Whether Node wants the page focused (input_focus; focused from the start, like EnginePage).
    focused: AtomicBool,
    /// Input messages refused by input.rs.
    dropped: Dropped,
    /// Input held from a main-frame commit until the new page's first paint (input.rs Gate); None stands for a
    /// refused message (acknowledged in its turn). With it, the input messages handled so far (input_ack).
    gate: Mutex<(input::Gate<Option<Held>>, i32)>,
}

/// A checked input event, ready for the browser host.
#[derive(Debug, PartialEq)]
enum Held {
    Mouse(Mouse),
    Wheel(cef_mouse_event_t, i32, i32),
    Key(cef_key_event_t),
}

static ENGINE: OnceLock<Engine> = OnceLock::new();

fn engine() -> &'static Engine {
    ENGINE.get().expect("engine initialised")
}

pub fn now_us() -> i64 {
    let mut ts = Timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: plain libc call; CLOCK_MONOTONIC is Node's process.hrtime clock.
    unsafe { clock_gettime(1, &mut ts) };
    ts.tv_sec * 1_000_000 + ts.tv_nsec / 1000
}

#[repr(C)]
struct Timespec {
    tv_sec: i64,
    tv_nsec: i64,
}
extern "C" {
    fn clock_gettime(clk: c_int, ts: *mut Timespec) -> c_int;
    fn getpid() -> c_int;
}

pub fn pid() -> i32 {
    // SAFETY: getpid cannot fail.
    unsafe { getpid() }
}

pub fn init(cfg: Config, ctl: File, base: *mut u8, slot_size: usize, slots: usize) {
    let frames = Frames { ring: Ring::new(slots), width: cfg.width, height: cfg.height, seq: 0, last: Vec::new(), force: true };
    let e = Engine {
        cfg,
        ctl: Mutex::new(ctl),
        base: base as usize,
        slot_size,
        frames: Mutex::new(frames),
        audio: Mutex::new(Chunker::default()),
        cursor_serial: AtomicI32::new(0),
        browser: AtomicPtr::new(null_mut()),
        closed: (Mutex::new((false, false)), Condvar::new()),
        shutting_down: AtomicBool::new(false),
        announce: AtomicBool::new(false),
        focused: AtomicBool::new(true),
        dropped: Dropped::default(),
        gate: Mutex::new((input::Gate::default(), 0)),
    };
    if ENGINE.set(e).is_err() {
        panic!("engine initialised twice");
    }
}

pub fn send(frame: &[u8]) {
    let e = engine();
    let mut f = e.ctl.lock().unwrap_or_else(|p| p.into_inner());
    if let Err(err) = f.write_all(frame) {
        // Node is gone: nothing to report to; the parent-death signal or EOF on the socket ends us.
        eprintln!("lkb-cef-host: control write failed: {err}");
    }
}

pub fn send_error(fatal: bool, msg: &str) {
    send(&Writer::new(protocol::ERROR).i32(fatal as i32).str(msg).finish());
}

// ---- handlers -------------------------------------------------------------------------------------

unsafe extern "C" fn get_view_rect(_: *mut cef_render_handler_t, b: *mut cef_browser_t, r: *mut cef_rect_t) {
    let f = engine().frames.lock().unwrap_or_else(|p| p.into_inner());
    (*r).x = 0;
    (*r).y = 0;
    (*r).width = f.width;
    (*r).height = f.height;
    drop(f);
    release_ref(b);
}

unsafe extern "C" fn on_paint(
    _: *mut cef_render_handler_t,
    b: *mut cef_browser_t,
    ty: cef_paint_element_type_t,
    nrects: usize,
    rects: *const cef_rect_t,
    buffer: *const c_void,
    w: c_int,
    h: c_int,
) {
    release_ref(b);
    let e = engine();
    if ty != cef_paint_element_type_t::PET_VIEW || w <= 0 || h <= 0 {
        return; // popups (<select> lists) are not composited in this host
    }
    release_input();
    let bytes = (w as usize) * (h as usize) * 4;
    if bytes > e.slot_size {
        eprintln!("lkb-cef-host: paint {w}x{h} larger than a slot: dropped");
        return;
    }
    let mut f = e.frames.lock().unwrap_or_else(|p| p.into_inner());
    if w != f.width || h != f.height {
        return; // a frame of the size before a resize
    }
    let t0 = Instant::now();
    let src = std::slice::from_raw_parts(buffer as *const u8, bytes);
    let rs: &[cef_rect_t] = if nrects == 0 || rects.is_null() { &[] } else { std::slice::from_raw_parts(rects, nrects) };
    let clipped = clip(rs, w, h);
    if !f.force && unchanged(&f.last, src, w as usize, &clipped) {
        return;
    }
    let Some(slot) = f.ring.acquire() else { return };
    f.force = false;
    f.seq = f.seq.wrapping_add(1);
    let seq = f.seq;
    if f.last.len() != bytes {
        f.last = src.to_vec();
    } else {
        for &(x, y, rw, rh) in &clipped {
            for row in y..y + rh {
                let a = (row * w as usize + x) * 4;
                f.last[a..a + rw * 4].copy_from_slice(&src[a..a + rw * 4]);
            }
        }
    }
    drop(f);
    let dst = (e.base + slot * e.slot_size) as *mut u8;
    std::ptr::copy_nonoverlapping(src.as_ptr(), dst, bytes);
    let copy_us = t0.elapsed().as_micros() as i32;
    let mut m = Writer::new(protocol::PAINT);
    m.i32(slot as i32).i32(seq).i32(w).i32(h).i64(now_us()).i32(copy_us);
    if rs.len() <= protocol::MAX_RECTS {
        m.i32(rs.len() as i32);
        for r in rs {
            m.i32(r.x).i32(r.y).i32(r.width).i32(r.height);
        }
    } else {
        m.i32(1).i32(0).i32(0).i32(w).i32(h); // too many rects: say "everything"
    }
    send(&m.finish());
}

unsafe extern "C" fn get_audio_parameters(_: *mut cef_audio_handler_t, b: *mut cef_browser_t, p: *mut cef_audio_parameters_t) -> c_int {
    release_ref(b);
    (*p).channel_layout = cef_channel_layout_t::CEF_CHANNEL_LAYOUT_STEREO;
    (*p).sample_rate = crate::audio::RATE;
    (*p).frames_per_buffer = crate::audio::FRAME as c_int;
    1
}
unsafe extern "C" fn on_audio_started(_: *mut cef_audio_handler_t, b: *mut cef_browser_t, _: *const cef_audio_parameters_t, ch: c_int) {
    release_ref(b);
    eprintln!("lkb-cef-host: audio stream started ({ch} channels)");
    *engine().audio.lock().unwrap_or_else(|p| p.into_inner()) = Chunker::default();
}
unsafe extern "C" fn on_audio_packet(_: *mut cef_audio_handler_t, b: *mut cef_browser_t, data: *mut *const f32, frames: c_int, pts: i64) {
    release_ref(b);
    if data.is_null() || frames <= 0 {
        return;
    }
    let n = frames as usize;
    let l = std::slice::from_raw_parts(*data, n);
    let r = std::slice::from_raw_parts(*data.add(1), n); // stereo: we asked for CEF_CHANNEL_LAYOUT_STEREO
    let out = engine().audio.lock().unwrap_or_else(|p| p.into_inner()).push(&[l, r], n, pts);
    for (pts_us, pcm) in out {
        let mut m = Writer::new(protocol::AUDIO);
        m.i64(pts_us).i32(crate::audio::RATE).i32(2).i32(crate::audio::FRAME as i32).bytes(&pcm);
        send(&m.finish());
    }
}
unsafe extern "C" fn on_audio_stopped(_: *mut cef_audio_handler_t, b: *mut cef_browser_t) {
    release_ref(b);
}
unsafe extern "C" fn on_audio_error(_: *mut cef_audio_handler_t, b: *mut cef_browser_t, msg: *const cef_string_t) {
    release_ref(b);
    send_error(false, &format!("audio: {}", to_string(msg)));
}

unsafe extern "C" fn on_cursor_change(
    _: *mut cef_display_handler_t,
    b: *mut cef_browser_t,
    _: cef_cursor_handle_t,
    ty: cef_cursor_type_t,
    _: *const cef_cursor_info_t,
) -> c_int {
    release_ref(b);
    // Same message as the X host's XFixes notification: Node asks the page for the CSS name over CDP.
    let serial = engine().cursor_serial.fetch_add(1, SeqCst) + 1;
    send(&Writer::new(protocol::CURSOR).i32(serial).i32(ty as i32).i32(0).i32(0).i32(0).i32(0).finish());
    1
}

unsafe extern "C" fn on_after_created(_: *mut cef_life_span_handler_t, b: *mut cef_browser_t) {
    // Keep this reference until on_before_close.
    engine().browser.store(b, SeqCst);
    {
        let (m, cv) = &engine().closed;
        m.lock().unwrap_or_else(|p| p.into_inner()).1 = false;
        cv.notify_all();
    }
    // Windowless browsers get keyboard input only while focused (Node's setFocus() drives CDP focus
    // emulation on top of this).
    apply_focus();
}

/// Gives the browser host the focus state Node asked for (SetFocus: the view's widget focus, which keyboard events
/// need; CEF posts it to the UI thread itself).
fn apply_focus() {
    let f = engine().focused.load(SeqCst) as c_int;
    // SAFETY: set_focus may be called from any browser-process thread.
    unsafe {
        with_host(|h| ((*h).set_focus.unwrap())(h, f));
    }
}

/// Tells Node the page is up (chromium_started: pid, cdpPort 0 = DevTools over the pipe, devtools_pipe.rs) once,
/// after the main frame committed its first navigation (before that, CEF's DevTools target has no URL yet).
fn announce_once() {
    if engine().announce.swap(false, SeqCst) {
        send(&Writer::new(protocol::CHROMIUM_STARTED).i32(pid()).i32(0).finish());
    }
}

unsafe extern "C" fn on_load_start(_: *mut cef_load_handler_t, b: *mut cef_browser_t, f: *mut cef_frame_t, _: cef_transition_type_t) {
    let main = !f.is_null() && ((*f).is_main.unwrap())(f) == 1;
    release_ref(f);
    release_ref(b);
    if main {
        engine().gate.lock().unwrap_or_else(|p| p.into_inner()).0.hold(Instant::now());
        announce_once();
        // Node's focus state for the new document too (CEF kept the widget focused across cross-site navigations
        // in engine.test.ts even without this; it is cheap and covers a new browser or a setFocus during a load).
        apply_focus();
    }
}
unsafe extern "C" fn on_loading_state_change(_: *mut cef_load_handler_t, b: *mut cef_browser_t, loading: c_int, _: c_int, _: c_int) {
    release_ref(b);
    if loading == 0 {
        announce_once(); // a load that failed before committing
    }
}
unsafe extern "C" fn on_before_close(_: *mut cef_life_span_handler_t, b: *mut cef_browser_t) {
    let e = engine();
    let old = e.browser.swap(null_mut(), SeqCst);
    release_ref(old);
    release_ref(b);
    let (m, cv) = &e.closed;
    m.lock().unwrap_or_else(|p| p.into_inner()).0 = true;
    cv.notify_all();
}
unsafe extern "C" fn on_before_popup(
    _: *mut cef_life_span_handler_t,
    b: *mut cef_browser_t,
    f: *mut cef_frame_t,
    _: c_int,
    _: *const cef_string_t,
    _: *const cef_string_t,
    _: cef_window_open_disposition_t,
    _: c_int,
    _: *const cef_popup_features_t,
    _: *mut cef_window_info_t,
    _: *mut *mut cef_client_t,
    _: *mut cef_browser_settings_t,
    _: *mut *mut cef_dictionary_value_t,
    _: *mut c_int,
) -> c_int {
    release_ref(b);
    release_ref(f);
    1 // no popup windows: a windowless host has nowhere to show them
}

unsafe extern "C" fn on_render_process_terminated(
    _: *mut cef_request_handler_t,
    b: *mut cef_browser_t,
    status: cef_termination_status_t,
    code: c_int,
    msg: *const cef_string_t,
) {
    release_ref(b);
    let reason = format!("renderer terminated ({status:?}, code {code}: {})", to_string(msg));
    send(&Writer::new(protocol::CHROMIUM_EXITED).i32(pid()).i32(code).str(&reason).finish());
}

static mut RENDER: *mut cef_render_handler_t = null_mut();
static mut AUDIO: *mut cef_audio_handler_t = null_mut();
static mut DISPLAY: *mut cef_display_handler_t = null_mut();
static mut LIFE: *mut cef_life_span_handler_t = null_mut();
static mut REQUEST: *mut cef_request_handler_t = null_mut();
static mut LOAD: *mut cef_load_handler_t = null_mut();

unsafe extern "C" fn get_load(_: *mut cef_client_t) -> *mut cef_load_handler_t {
    LOAD
}

unsafe extern "C" fn get_render(_: *mut cef_client_t) -> *mut cef_render_handler_t {
    RENDER
}
unsafe extern "C" fn get_audio(_: *mut cef_client_t) -> *mut cef_audio_handler_t {
    AUDIO
}
unsafe extern "C" fn get_display(_: *mut cef_client_t) -> *mut cef_display_handler_t {
    DISPLAY
}
unsafe extern "C" fn get_life(_: *mut cef_client_t) -> *mut cef_life_span_handler_t {
    LIFE
}
unsafe extern "C" fn get_request(_: *mut cef_client_t) -> *mut cef_request_handler_t {
    REQUEST
}

/// Builds the client (called once, before the first browser).
pub unsafe fn make_client() -> *mut cef_client_t {
    RENDER = handler(|h: &mut cef_render_handler_t, b| {
        h.base = b;
        h.get_view_rect = Some(get_view_rect);
        h.on_paint = Some(on_paint);
    });
    AUDIO = handler(|h: &mut cef_audio_handler_t, b| {
        h.base = b;
        h.get_audio_parameters = Some(get_audio_parameters);
        h.on_audio_stream_started = Some(on_audio_started);
        h.on_audio_stream_packet = Some(on_audio_packet);
        h.on_audio_stream_stopped = Some(on_audio_stopped);
        h.on_audio_stream_error = Some(on_audio_error);
    });
    DISPLAY = handler(|h: &mut cef_display_handler_t, b| {
        h.base = b;
        h.on_cursor_change = Some(on_cursor_change);
    });
    LIFE = handler(|h: &mut cef_life_span_handler_t, b| {
        h.base = b;
        h.on_after_created = Some(on_after_created);
        h.on_before_close = Some(on_before_close);
        h.on_before_popup = Some(on_before_popup);
    });
    REQUEST = handler(|h: &mut cef_request_handler_t, b| {
        h.base = b;
        h.on_render_process_terminated = Some(on_render_process_terminated);
    });
    LOAD = handler(|h: &mut cef_load_handler_t, b| {
        h.base = b;
        h.on_load_start = Some(on_load_start);
        h.on_loading_state_change = Some(on_loading_state_change);
    });
    let audio = engine().cfg.audio;
    handler(|c: &mut cef_client_t, b| {
        c.base = b;
        c.get_render_handler = Some(get_render);
        if audio {
            c.get_audio_handler = Some(get_audio);
        }
        c.get_display_handler = Some(get_display);
        c.get_life_span_handler = Some(get_life);
        c.get_request_handler = Some(get_request);
        c.get_load_handler = Some(get_load);
    })
}

pub unsafe fn create_browser(client: *mut cef_client_t, url: &str) -> bool {
    let mut wi: cef_window_info_t = std::mem::zeroed();
    wi.size = size_of::<cef_window_info_t>();
    wi.windowless_rendering_enabled = 1;
    let mut bs: cef_browser_settings_t = std::mem::zeroed();
    bs.size = size_of::<cef_browser_settings_t>();
    bs.windowless_frame_rate = engine().cfg.framerate;
    bs.background_color = 0xffff_ffff; // opaque white, like a normal browser window
    let mut u = cef_str(url);
    *engine().closed.0.lock().unwrap_or_else(|p| p.into_inner()) = (false, true);
    engine().announce.store(true, SeqCst);
    let ok = cef_browser_host_create_browser(&wi, client, &u, &bs, null_mut(), null_mut()) == 1;
    if !ok {
        engine().closed.0.lock().unwrap_or_else(|p| p.into_inner()).1 = false;
    }
    free_str(&mut u);
    ok
}

/// Runs `f` on the browser host, if a browser exists.
unsafe fn with_host(f: impl FnOnce(*mut cef_browser_host_t)) -> bool {
    let b = engine().browser.load(SeqCst);
    if b.is_null() {
        return false;
    }
    let h = ((*b).get_host.unwrap())(b);
    if h.is_null() {
        return false;
    }
    f(h);
    release_ref(h);
    true
}

pub fn release_slot(slot: i32) {
    let again = engine().frames.lock().unwrap_or_else(|p| p.into_inner()).ring.release(slot);
    if again {
        refresh();
    }
}

pub fn refresh() {
    engine().frames.lock().unwrap_or_else(|p| p.into_inner()).force = true;
    // SAFETY: invalidate may be called from any browser-process thread.
    unsafe {
        with_host(|h| ((*h).invalidate.unwrap())(h, cef_paint_element_type_t::PET_VIEW));
    }
}

pub fn resize(w: i32, h: i32) -> Result<(), String> {
    let e = engine();
    if w < 16 || h < 16 || w > e.cfg.max_width || h > e.cfg.max_height {
        return Err(format!("resize {w}x{h} outside 16x16..{}x{}", e.cfg.max_width, e.cfg.max_height));
    }
    {
        let mut f = e.frames.lock().unwrap_or_else(|p| p.into_inner());
        f.width = w;
        f.height = h;
        f.last.clear();
        f.force = true;
    }
    // SAFETY: was_resized may be called from any browser-process thread.
    unsafe {
        with_host(|host| ((*host).was_resized.unwrap())(host));
    }
    Ok(())
}

// ---- input (input_* messages): checked by input.rs, then CEF's browser host API -------------------------------
// Send*Event and SetFocus may be called on any browser-process thread: CEF posts each to its UI thread, in call
// order (all of them are called from the control thread), so events keep the order Node sent them in.

fn view_size() -> (i32, i32) {
    let f = engine().frames.lock().unwrap_or_else(|p| p.into_inner());
    (f.width, f.height)
}

fn refuse(what: &str, why: &str) {
    let (n, log) = engine().dropped.count();
    if log {
        eprintln!("lkb-cef-host: {what} input dropped ({n} so far): {why}");
        send_error(false, &format!("{what} input dropped ({n} so far): {why}"));
    }
}

/// Sends checked events to the browser host, in order, then acknowledges them (and the refused ones, None) to Node:
/// input_ack with the number of input messages handled so far. Called with the gate locked.
fn deliver(handled: &mut i32, events: Vec<Option<Held>>) {
    // SAFETY: the send_* calls may be made from any browser-process thread (see above).
    unsafe {
        with_host(|h| {
            for ev in events.iter().flatten() {
                match *ev {
                    Held::Mouse(Mouse::Move(ev)) => ((*h).send_mouse_move_event.unwrap())(h, &ev, 0),
                    Held::Mouse(Mouse::Leave(ev)) => ((*h).send_mouse_move_event.unwrap())(h, &ev, 1),
                    Held::Mouse(Mouse::Click(ev, b, up, n)) => ((*h).send_mouse_click_event.unwrap())(h, &ev, b, up as c_int, n),
                    Held::Wheel(ev, dx, dy) => ((*h).send_mouse_wheel_event.unwrap())(h, &ev, dx, dy),
                    Held::Key(ev) => ((*h).send_key_event.unwrap())(h, &ev),
                }
            }
        });
    }
    *handled = handled.wrapping_add(events.len() as i32);
    send(&Writer::new(protocol::INPUT_ACK).i32(*handled).finish());
}

/// A checked event from Node (or its refusal): through the gate (held while a new page has not painted yet).
fn offer(what: &str, ev: Result<Held, &'static str>) {
    let ev = ev.map_err(|why| refuse(what, why)).ok();
    // The lock is kept while sending so that a paint's release (UI thread) and this cannot reorder events.
    let mut g = engine().gate.lock().unwrap_or_else(|p| p.into_inner());
    let (gate, handled) = &mut *g;
    if let input::Offer::Send(evs) = gate.offer(ev, Instant::now()) {
        deliver(handled, evs);
    }
}

/// The page painted: what was held for it goes out now (on the UI thread, before anything posted later).
fn release_input() {
    let mut g = engine().gate.lock().unwrap_or_else(|p| p.into_inner());
    let (gate, handled) = &mut *g;
    let held = gate.release();
    if !held.is_empty() {
        deliver(handled, held);
    }
}

pub fn mouse(kind: i32, x: i32, y: i32, button: i32, clicks: i32, mods: i32) {
    offer("mouse", input::mouse(kind, x, y, button, clicks, mods, view_size()).map(Held::Mouse));
}

pub fn wheel(x: i32, y: i32, dx: i32, dy: i32, mods: i32) {
    offer("wheel", input::wheel(x, y, dx, dy, mods, view_size()).map(|(ev, dx, dy)| Held::Wheel(ev, dx, dy)));
}

pub fn key(kind: i32, vk: i32, native: i32, ch: i32, unmodified: i32, mods: i32) {
    offer("key", input::key(kind, vk, native, ch, unmodified, mods).map(Held::Key));
}

pub fn set_focus(focused: bool) {
    engine().focused.store(focused, SeqCst);
    apply_focus();
}

/// After a renderer crash: load `url` again in the same browser (a new renderer), or a new browser.
pub unsafe fn restart(client: *mut cef_client_t, url: &str) -> bool {
    let b = engine().browser.load(SeqCst);
    if b.is_null() {
        return create_browser(client, url);
    }
    let frame = ((*b).get_main_frame.unwrap())(b);
    if frame.is_null() {
        return false;
    }
    engine().announce.store(true, SeqCst);
    let mut u = cef_str(url);
    ((*frame).load_url.unwrap())(frame, &u);
    free_str(&mut u);
    release_ref(frame);
    true
}

/// Closes the browser and waits (bounded) for on_before_close. A browser still being created is waited
/// for first (CEF must not shut down under a pending creation).
pub fn close_browser(timeout_ms: u64) {
    let e = engine();
    e.shutting_down.store(true, SeqCst);
    {
        let (m, cv) = &e.closed;
        let g = m.lock().unwrap_or_else(|p| p.into_inner());
        let _ = cv
            .wait_timeout_while(g, std::time::Duration::from_millis(timeout_ms), |s| s.1)
            .unwrap_or_else(|p| p.into_inner());
    }
    // SAFETY: close_browser may be called from any browser-process thread.
    let had = unsafe { with_host(|h| ((*h).close_browser.unwrap())(h, 1)) };
    if !had {
        return;
    }
    let (m, cv) = &e.closed;
    let g = m.lock().unwrap_or_else(|p| p.into_inner());
    let (g, _) = cv
        .wait_timeout_while(g, std::time::Duration::from_millis(timeout_ms), |s| !s.0)
        .unwrap_or_else(|p| p.into_inner());
    if !g.0 {
        eprintln!("lkb-cef-host: browser did not close within {timeout_ms} ms");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rect(x: i32, y: i32, width: i32, height: i32) -> cef_rect_t {
        cef_rect_t { x, y, width, height }
    }

    #[test]
    fn clips_rects_to_the_view() {
        let cases = [
            (rect(0, 0, 4, 4), Some((0, 0, 4, 4))),
            (rect(-2, 1, 4, 10), Some((0, 1, 2, 3))),
            (rect(3, 3, 5, 5), Some((3, 3, 1, 1))),
            (rect(4, 0, 1, 1), None),
            (rect(0, 0, 0, 4), None),
            (rect(i32::MAX, 0, i32::MAX, 1), None),
        ];
        for (r, want) in cases {
            assert_eq!(clip(&[r], 4, 4).first().copied(), want, "{r:?}");
        }
    }

    #[test]
    fn unchanged_compares_only_dirty_rects() {
        let w = 4;
        let last = vec![0u8; w * 4 * 4];
        let mut new = last.clone();
        new[(3 * w + 3) * 4] = 9; // pixel 3,3 differs
        assert!(unchanged(&last, &new, w, &[(0, 0, 2, 2)]));
        assert!(!unchanged(&last, &new, w, &[(0, 0, 2, 2), (3, 3, 1, 1)]));
        assert!(!unchanged(&[], &new, w, &[(0, 0, 1, 1)]), "no previous frame");
        assert!(unchanged(&last, &last, w, &[]));
    }
}
