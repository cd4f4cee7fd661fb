// Graceful exit on SIGTERM/SIGINT/SIGHUP (SIGTERM is also our parent-death signal): the signals are
// blocked before CEF starts its threads and taken by one thread with sigwait, which wakes the control
// loop (shutdown(2) of the socket's read side) so the main thread closes CEF and cleans up; a watchdog
// ends the process if that cleanup hangs.
use std::ffi::c_int;
use std::time::Duration;

#[repr(C)]
pub struct SigSet([u64; 16]); // glibc sigset_t (1024 bits)

extern "C" {
    fn sigemptyset(set: *mut SigSet) -> c_int;
    fn sigaddset(set: *mut SigSet, sig: c_int) -> c_int;
    fn pthread_sigmask(how: c_int, set: *const SigSet, old: *mut SigSet) -> c_int;
    fn sigwait(set: *const SigSet, sig: *mut c_int) -> c_int;
    fn shutdown(fd: c_int, how: c_int) -> c_int;
    fn _exit(code: c_int) -> !;
}

const SIGHUP: c_int = 1;
const SIGINT: c_int = 2;
const SIGTERM: c_int = 15;

fn set() -> SigSet {
    let mut s = SigSet([0; 16]);
    // SAFETY: plain libc calls on a local set.
    unsafe {
        sigemptyset(&mut s);
        for sig in [SIGHUP, SIGINT, SIGTERM] {
            sigaddset(&mut s, sig);
        }
    }
    s
}

/// Blocks the exit signals in this thread and every thread started after (call before cef_initialize).
pub fn block() {
    let s = set();
    // SAFETY: SIG_BLOCK = 0.
    unsafe { pthread_sigmask(0, &s, std::ptr::null_mut()) };
}

/// Starts the thread that turns an exit signal into EOF on the control socket (fd `ctl`).
pub fn spawn_waiter(ctl: c_int, cleanup: fn()) {
    std::thread::spawn(move || {
        let s = set();
        let mut sig: c_int = 0;
        // SAFETY: sigwait on signals blocked in every thread.
        unsafe { sigwait(&s, &mut sig) };
        eprintln!("lkb-cef-host: signal {sig}: shutting down");
        unsafe { shutdown(ctl, 0 /* SHUT_RD */) };
        watchdog(Duration::from_secs(10), cleanup);
    });
}

/// Ends the process after `after` whatever the main thread is doing (cleanup first).
pub fn watchdog(after: Duration, cleanup: fn()) {
    std::thread::sleep(after);
    eprintln!("lkb-cef-host: shutdown took longer than {after:?}: forcing exit");
    cleanup();
    // SAFETY: immediate exit; CEF's state does not matter any more.
    unsafe { _exit(1) };
}
