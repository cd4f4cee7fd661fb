// Whether CEF's own sandbox (Chromium's: user + pid + net namespaces, then seccomp-bpf in every renderer) can run
// in this process. The same probe and wording as native/host's userNamespacesWork: our images ship no SUID helper
// (chrome-sandbox), so without user namespaces CEF's zygote would abort; the host then runs with no_sandbox and
// reports why (the `sandbox` control message, /status, the session's Sandboxed condition).
use std::ffi::c_int;

extern "C" {
    fn fork() -> c_int;
    fn unshare(flags: c_int) -> c_int;
    fn waitpid(pid: c_int, status: *mut c_int, options: c_int) -> c_int;
    fn pipe(fds: *mut c_int) -> c_int;
    fn write(fd: c_int, buf: *const u8, n: usize) -> isize;
    fn read(fd: c_int, buf: *mut u8, n: usize) -> isize;
    fn close(fd: c_int) -> c_int;
    fn _exit(code: c_int) -> !;
    fn geteuid() -> u32;
    fn __errno_location() -> *mut c_int;
}

const CLONE_NEWUSER: c_int = 0x1000_0000;
const CLONE_NEWPID: c_int = 0x2000_0000;
const CLONE_NEWNET: c_int = 0x4000_0000;
const EINTR: i32 = 4;

/// The decision and the words the runtime shows for it.
pub struct Decision {
    pub on: bool,
    pub uid: u32,
    pub detail: String,
}

/// How the probe ended: Ok, or the step that failed (1 = user namespace, 2 = pid + net inside it, 0 = the
/// child died) with its errno.
pub type Probe = Result<(), (u8, i32)>;

/// Root never gets the sandbox (Chromium refuses it); any other uid gets it when the probe passed.
pub fn decide(euid: u32, probe: Probe) -> Decision {
    let (on, detail) = if euid == 0 {
        (false, "off: CEF runs as root".to_string())
    } else {
        match probe {
            Ok(()) => (true, "on: user, pid and net namespaces work for this uid".to_string()),
            Err((step, errno)) => {
                let what = match step {
                    1 => "unshare(CLONE_NEWUSER)",
                    2 => "unshare(CLONE_NEWPID|CLONE_NEWNET)",
                    _ => "probe",
                };
                let why = if step == 0 {
                    "the probe child died".to_string()
                } else {
                    // "Operation not permitted" etc., without Rust's " (os error N)" suffix, as strerror says it
                    let s = std::io::Error::from_raw_os_error(errno).to_string();
                    s.split(" (os error").next().unwrap_or(&s).to_string()
                };
                (false, format!("off: {what}: {why}"))
            }
        }
    };
    Decision { on, uid: euid, detail }
}

/// What the sandbox does first, in a throwaway child: a user namespace, then pid + net namespaces inside it. A
/// seccomp profile that denies namespace creation (containerd's and Docker's RuntimeDefault) makes it fail (EPERM).
fn run_probe() -> Probe {
    // SAFETY: the child makes only raw syscalls (unshare, write, _exit), so locks held by the parent's other
    // threads do not matter; the parent reads the child's answer and reaps it.
    unsafe {
        let mut p = [0 as c_int; 2];
        if pipe(p.as_mut_ptr()) != 0 {
            return Err((0, 0));
        }
        let pid = fork();
        if pid < 0 {
            close(p[0]);
            close(p[1]);
            return Err((0, 0));
        }
        if pid == 0 {
            close(p[0]);
            let mut r: [i32; 2] = [0, 0];
            if unshare(CLONE_NEWUSER) != 0 {
                r = [1, *__errno_location()];
            } else if unshare(CLONE_NEWPID | CLONE_NEWNET) != 0 {
                r = [2, *__errno_location()];
            }
            let bytes: [u8; 8] = std::mem::transmute(r);
            let ok = write(p[1], bytes.as_ptr(), 8) == 8 && r[0] == 0;
            _exit(if ok { 0 } else { 1 });
        }
        close(p[1]);
        let mut buf = [0u8; 8];
        let n = loop {
            let n = read(p[0], buf.as_mut_ptr(), 8);
            if n >= 0 || *__errno_location() != EINTR {
                break n;
            }
        };
        close(p[0]);
        let mut status: c_int = 0;
        while waitpid(pid, &mut status, 0) < 0 && *__errno_location() == EINTR {}
        let r: [i32; 2] = std::mem::transmute(buf);
        let exited_ok = (status & 0x7f) == 0 && ((status >> 8) & 0xff) == 0; // WIFEXITED && WEXITSTATUS == 0
        match (n, r[0]) {
            (8, 0) if exited_ok => Ok(()),
            (8, step @ 1..=2) => Err((step as u8, r[1])),
            _ => Err((0, 0)),
        }
    }
}

pub fn probe() -> Decision {
    // SAFETY: plain libc call.
    let euid = unsafe { geteuid() };
    decide(euid, if euid == 0 { Err((0, 0)) } else { run_probe() })
}

#[cfg(test)]
mod tests {
    use super::decide;

    #[test]
    fn decide_table() {
        let cases: [(u32, super::Probe, bool, &str); 5] = [
            (0, Ok(()), false, "off: CEF runs as root"),
            (1000, Ok(()), true, "on: user, pid and net namespaces work for this uid"),
            (1000, Err((1, 1)), false, "off: unshare(CLONE_NEWUSER): Operation not permitted"),
            (1000, Err((2, 28)), false, "off: unshare(CLONE_NEWPID|CLONE_NEWNET): No space left on device"),
            (1000, Err((0, 0)), false, "off: probe: the probe child died"),
        ];
        for (euid, probe, on, detail) in cases {
            let d = decide(euid, probe);
            assert_eq!((d.on, d.detail.as_str()), (on, detail), "euid {euid}, probe {probe:?}");
        }
    }

    #[test]
    fn probe_runs() {
        // Whatever this machine allows, the probe answers and never reports on for root.
        let d = super::probe();
        assert!(!(d.uid == 0 && d.on));
    }
}
