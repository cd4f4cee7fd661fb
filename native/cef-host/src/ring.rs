// Slot bookkeeping of the frame ring: a slot Node still holds is never rewritten; a paint that finds no
// free slot is remembered and re-requested (full repaint) once a slot comes back.
#[derive(Debug)]
pub struct Ring {
    busy: Vec<bool>,
    next: usize,
    pending: bool,
}

impl Ring {
    pub fn new(slots: usize) -> Ring {
        Ring { busy: vec![false; slots], next: 0, pending: false }
    }

    /// A slot for the next paint (round-robin over free slots), or None (paint deferred).
    pub fn acquire(&mut self) -> Option<usize> {
        let n = self.busy.len();
        for i in 0..n {
            let s = (self.next + i) % n;
            if !self.busy[s] {
                self.busy[s] = true;
                self.next = (s + 1) % n;
                return Some(s);
            }
        }
        self.pending = true;
        None
    }

    /// Node released `slot`. Returns true when a deferred paint must now be requested.
    /// Unknown or already-free slots are ignored (false).
    pub fn release(&mut self, slot: i32) -> bool {
        let Ok(s) = usize::try_from(slot) else { return false };
        match self.busy.get_mut(s) {
            Some(b) if *b => {
                *b = false;
                std::mem::take(&mut self.pending)
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hands_out_free_slots_round_robin_and_defers_when_all_are_held() {
        let mut r = Ring::new(3);
        assert_eq!(r.acquire(), Some(0));
        assert_eq!(r.acquire(), Some(1));
        assert_eq!(r.acquire(), Some(2));
        assert_eq!(r.acquire(), None);
        assert_eq!(r.acquire(), None);
        assert!(r.release(1), "a deferred paint is requested once");
        assert!(!r.release(1), "double release is ignored");
        assert_eq!(r.acquire(), Some(1));
        assert!(!r.release(0), "nothing was deferred since");
        assert!(!r.release(7));
        assert!(!r.release(-1));
        assert_eq!(r.acquire(), Some(0));
    }
}
