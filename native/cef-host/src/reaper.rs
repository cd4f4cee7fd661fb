// The host is a child subreaper: CEF's zygote and renderers that outlive the browser process's shutdown
// are re-parented to us, and on exit we SIGKILL and reap every descendant (nothing outlives the host).
use std::ffi::c_int;

extern "C" {
    fn prctl(op: c_int, a: std::ffi::c_long, b: std::ffi::c_long, c: std::ffi::c_long, d: std::ffi::c_long) -> c_int;
    fn kill(pid: c_int, sig: c_int) -> c_int;
    fn waitpid(pid: c_int, status: *mut c_int, options: c_int) -> c_int;
}

pub fn become_subreaper() {
    // SAFETY: plain prctl; PR_SET_CHILD_SUBREAPER = 36.
    unsafe { prctl(36, 1, 0, 0, 0) };
}

/// Parent pid from the text of /proc/<pid>/stat ("pid (comm) state ppid ..."; comm may hold spaces).
pub fn parse_ppid(stat: &str) -> Option<i32> {
    let rest = &stat[stat.rfind(')')? + 1..];
    rest.split_whitespace().nth(1)?.parse().ok()
}

fn children(me: i32) -> Vec<i32> {
    let Ok(dir) = std::fs::read_dir("/proc") else { return Vec::new() };
    dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse::<i32>().ok())
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/stat")).ok().and_then(|s| parse_ppid(&s)) == Some(me)
        })
        .collect()
}

/// SIGKILLs every child until none is left (their children re-parent to us and are next), reaping as it goes.
pub fn kill_all_descendants(me: i32, timeout: std::time::Duration) {
    let end = std::time::Instant::now() + timeout;
    loop {
        // SAFETY: waitpid/kill on our own children.
        unsafe { while waitpid(-1, std::ptr::null_mut(), 1 /* WNOHANG */) > 0 {} }
        let kids = children(me);
        if kids.is_empty() || std::time::Instant::now() > end {
            if !kids.is_empty() {
                eprintln!("lkb-cef-host: children still alive at exit: {kids:?}");
            }
            return;
        }
        for k in kids {
            unsafe { kill(k, 9) };
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

#[cfg(test)]
mod tests {
    use super::parse_ppid;

    #[test]
    fn reads_the_parent_pid_even_when_comm_has_spaces_and_parens() {
        assert_eq!(parse_ppid("123 (lkb-cef-host) S 77 123 123 0"), Some(77));
        assert_eq!(parse_ppid("9 (a b) c)) R 1 9 9"), Some(1));
        assert_eq!(parse_ppid("garbage"), None);
        assert_eq!(parse_ppid("1 (x) S"), None);
    }
}
