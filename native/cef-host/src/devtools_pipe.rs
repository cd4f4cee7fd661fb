// DevTools over a pipe for the CEF engine (no TCP port): CEF's browser process is this host, so Chromium's
// --remote-debugging-pipe ends must be this process's fds 3 (Chromium reads) and 4 (Chromium writes). The control
// socket moves off fd 3 first; a reader thread relays what Chromium writes to Node (`cdp` frames, NUL-separated
// messages, at most MAX_CDP_MESSAGE each) and a writer thread writes what Node sends (`cdp_send`), at most
// MAX_CDP_QUEUE bytes waiting. Same contract as native/host/devtools_pipe.cc.
use crate::protocol::{self, Writer};
use std::ffi::c_int;
use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::FromRawFd;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::mpsc::{sync_channel, SyncSender};
use std::sync::{Arc, OnceLock};

pub const MAX_CDP_MESSAGE: usize = 64 * 1024 * 1024;
const MAX_CDP_QUEUE: usize = 64 * 1024 * 1024;

extern "C" {
    fn pipe2(fds: *mut c_int, flags: c_int) -> c_int;
    fn dup2(a: c_int, b: c_int) -> c_int;
    fn fcntl(fd: c_int, cmd: c_int, arg: c_int) -> c_int;
    fn close(fd: c_int) -> c_int;
}
const O_CLOEXEC: c_int = 0o2000000;
const F_DUPFD_CLOEXEC: c_int = 1030;

/// A copy of `fd` at 10 or above (close-on-exec), the original closed.
unsafe fn high(fd: c_int) -> Result<c_int, String> {
    let h = fcntl(fd, F_DUPFD_CLOEXEC, 10);
    if h < 0 {
        return Err(format!("dup: {}", std::io::Error::last_os_error()));
    }
    close(fd);
    Ok(h)
}

/// Moves the control socket off fd 3 and puts Chromium's ends of two fresh pipes on fds 3 and 4. Returns the control
/// socket's new fd and the host's ends (to Chromium, from Chromium). Must run before cef_initialize.
pub unsafe fn install() -> Result<(c_int, File, File), String> {
    let ctl = fcntl(3, F_DUPFD_CLOEXEC, 10);
    if ctl < 0 {
        return Err(format!("fd 3: {}", std::io::Error::last_os_error()));
    }
    let (mut a, mut b) = ([0 as c_int; 2], [0 as c_int; 2]);
    if pipe2(a.as_mut_ptr(), O_CLOEXEC) != 0 || pipe2(b.as_mut_ptr(), O_CLOEXEC) != 0 {
        return Err(format!("pipe: {}", std::io::Error::last_os_error()));
    }
    // Every end above the targets first, so no dup2 below overwrites an end it still needs.
    let (a0, a1, b0, b1) = (high(a[0])?, high(a[1])?, high(b[0])?, high(b[1])?);
    if dup2(a0, 3) < 0 || dup2(b1, 4) < 0 {
        return Err(format!("dup2: {}", std::io::Error::last_os_error()));
    }
    close(a0);
    close(b1);
    Ok((ctl, File::from_raw_fd(a1), File::from_raw_fd(b0)))
}

struct Outgoing {
    tx: SyncSender<Vec<u8>>,
    queued: Arc<AtomicUsize>,
}
static OUT: OnceLock<Outgoing> = OnceLock::new();

/// Starts the relay threads over the host's ends.
pub fn start(mut to_chromium: File, mut from_chromium: File) {
    let (tx, rx) = sync_channel::<Vec<u8>>(4096);
    let queued = Arc::new(AtomicUsize::new(0));
    let q = queued.clone();
    let _ = OUT.set(Outgoing { tx, queued });
    std::thread::spawn(move || {
        for m in rx {
            let n = m.len();
            let ok = to_chromium.write_all(&m).is_ok();
            q.fetch_sub(n, SeqCst);
            if !ok {
                return; // Chromium closed its end: it is shutting down
            }
        }
    });
    std::thread::spawn(move || {
        let mut buf = vec![0u8; 65536];
        let mut msg: Vec<u8> = Vec::new();
        let mut skipping = false;
        let pid = crate::engine::pid();
        loop {
            let n = match from_chromium.read(&mut buf) {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            };
            for chunk in split_keep(&buf[..n]) {
                match chunk {
                    Piece::Part(p) => {
                        if !skipping && msg.len() + p.len() > MAX_CDP_MESSAGE {
                            skipping = true;
                            msg = Vec::new();
                        }
                        if !skipping {
                            msg.extend_from_slice(p);
                        }
                    }
                    Piece::End => {
                        if skipping {
                            crate::engine::send_error(false, &format!("dropped a DevTools message from Chromium over {MAX_CDP_MESSAGE} bytes"));
                        } else if !msg.is_empty() {
                            crate::engine::send(&Writer::new(protocol::CDP).i32(pid).bytes(&msg).finish());
                        }
                        skipping = false;
                        msg.clear();
                        if msg.capacity() > 1 << 20 {
                            msg.shrink_to_fit();
                        }
                    }
                }
            }
        }
    });
}

/// Queues one command for Chromium; Err says why it was dropped.
pub fn send(msg: &str) -> Result<(), String> {
    let Some(out) = OUT.get() else { return Err("no DevTools pipe".into()) };
    if msg.is_empty() || msg.len() > MAX_CDP_MESSAGE || msg.as_bytes().contains(&0) {
        return Err("invalid DevTools command (empty, too long or with a NUL) dropped".into());
    }
    if out.queued.fetch_add(msg.len() + 1, SeqCst) + msg.len() + 1 > MAX_CDP_QUEUE {
        out.queued.fetch_sub(msg.len() + 1, SeqCst);
        return Err("DevTools pipe to Chromium full: a command was dropped".into());
    }
    let mut m = Vec::with_capacity(msg.len() + 1);
    m.extend_from_slice(msg.as_bytes());
    m.push(0);
    out.tx.try_send(m).map_err(|_| {
        out.queued.fetch_sub(msg.len() + 1, SeqCst);
        "DevTools pipe to Chromium full: a command was dropped".to_string()
    })
}

#[derive(Debug, PartialEq)]
enum Piece<'a> {
    Part(&'a [u8]),
    End,
}

/// The bytes between NULs, and each NUL as End.
fn split_keep(b: &[u8]) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    let mut rest = b;
    while let Some(i) = rest.iter().position(|&c| c == 0) {
        if i > 0 {
            out.push(Piece::Part(&rest[..i]));
        }
        out.push(Piece::End);
        rest = &rest[i + 1..];
    }
    if !rest.is_empty() {
        out.push(Piece::Part(rest));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_on_nul_keeping_partial_messages() {
        assert_eq!(split_keep(b"ab\0c"), vec![Piece::Part(b"ab"), Piece::End, Piece::Part(b"c")]);
        assert_eq!(split_keep(b"\0\0"), vec![Piece::End, Piece::End]);
        assert_eq!(split_keep(b"xyz"), vec![Piece::Part(b"xyz")]);
    }
}
