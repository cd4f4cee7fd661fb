// Input from Node (input_mouse / input_wheel / input_key messages) checked and turned into CEF's own event structs
// for the browser host's Send*Event calls (engine.rs). Pure: every field is bounds-checked here; a message that
// fails a check is refused with a reason (the caller drops it, counts it and logs it).
use crate::sys::*;

/// The cef_event_flags_t bits a message may carry (EVENTFLAG_CAPS_LOCK_ON .. EVENTFLAG_IS_REPEAT).
pub const KNOWN_FLAGS: u32 = (1 << 14) - 1;
/// Largest wheel delta (pixels) in one event; Node merges nothing, a client's packet limit is far below this.
pub const MAX_WHEEL_DELTA: i32 = 100_000;
/// Windows virtual-key codes are one byte; XKB keycodes (what CEF on Linux reads from native_key_code) too.
const MAX_KEY_CODE: i32 = 255;

pub const MOUSE_MOVE: i32 = 0;
pub const MOUSE_DOWN: i32 = 1;
pub const MOUSE_UP: i32 = 2;
pub const MOUSE_LEAVE: i32 = 3;

pub const KEY_RAW_DOWN: i32 = 0;
pub const KEY_UP: i32 = 2;
pub const KEY_CHAR: i32 = 3;

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Mouse {
    Move(cef_mouse_event_t),
    Leave(cef_mouse_event_t),
    /// event, button, mouse up, click count
    Click(cef_mouse_event_t, cef_mouse_button_type_t, bool, i32),
}

impl PartialEq for cef_mouse_event_t {
    fn eq(&self, o: &Self) -> bool {
        (self.x, self.y, self.modifiers) == (o.x, o.y, o.modifiers)
    }
}

impl PartialEq for cef_key_event_t {
    fn eq(&self, o: &Self) -> bool {
        (self.type_, self.modifiers, self.windows_key_code, self.native_key_code, self.character, self.unmodified_character)
            == (o.type_, o.modifiers, o.windows_key_code, o.native_key_code, o.character, o.unmodified_character)
    }
}

fn flags(modifiers: i32) -> Result<u32, &'static str> {
    u32::try_from(modifiers).ok().filter(|m| m & !KNOWN_FLAGS == 0).ok_or("unknown modifier bits")
}

/// A point inside the view (0 <= x < width, 0 <= y < height).
fn point(x: i32, y: i32, mods: i32, view: (i32, i32)) -> Result<cef_mouse_event_t, &'static str> {
    if !(0..view.0).contains(&x) || !(0..view.1).contains(&y) {
        return Err("coordinates outside the view");
    }
    Ok(cef_mouse_event_t { x, y, modifiers: flags(mods)? })
}

/// input_mouse: kind (0 move, 1 down, 2 up, 3 leave), x, y, button (0 left, 1 middle, 2 right), clickCount (1..3),
/// modifiers (CEF flags, held buttons included).
pub fn mouse(kind: i32, x: i32, y: i32, button: i32, click_count: i32, mods: i32, view: (i32, i32)) -> Result<Mouse, &'static str> {
    let ev = point(x, y, mods, view)?;
    match kind {
        MOUSE_MOVE => Ok(Mouse::Move(ev)),
        MOUSE_LEAVE => Ok(Mouse::Leave(ev)),
        MOUSE_DOWN | MOUSE_UP => {
            let b = match button {
                0 => cef_mouse_button_type_t::MBT_LEFT,
                1 => cef_mouse_button_type_t::MBT_MIDDLE,
                2 => cef_mouse_button_type_t::MBT_RIGHT,
                _ => return Err("unknown mouse button"),
            };
            if !(1..=3).contains(&click_count) {
                return Err("click count outside 1..3");
            }
            Ok(Mouse::Click(ev, b, kind == MOUSE_UP, click_count))
        }
        _ => Err("unknown mouse event kind"),
    }
}

/// input_wheel: x, y, deltaX, deltaY (CEF sign: positive deltaY scrolls up), modifiers.
pub fn wheel(x: i32, y: i32, dx: i32, dy: i32, mods: i32, view: (i32, i32)) -> Result<(cef_mouse_event_t, i32, i32), &'static str> {
    let ev = point(x, y, mods, view)?;
    let ok = |d: i32| (-MAX_WHEEL_DELTA..=MAX_WHEEL_DELTA).contains(&d);
    if !ok(dx) || !ok(dy) {
        return Err("wheel delta too large");
    }
    Ok((ev, dx, dy))
}

/// input_key: kind (0 RAWKEYDOWN, 2 KEYUP, 3 CHAR; KEYDOWN = RAWKEYDOWN + CHAR is Node's to split), windowsKeyCode,
/// nativeKeyCode (XKB keycode, 0 = unknown), character, unmodifiedCharacter (UTF-16 units), modifiers.
pub fn key(kind: i32, vk: i32, native: i32, character: i32, unmodified: i32, mods: i32) -> Result<cef_key_event_t, &'static str> {
    let type_ = match kind {
        KEY_RAW_DOWN => cef_key_event_type_t::KEYEVENT_RAWKEYDOWN,
        KEY_UP => cef_key_event_type_t::KEYEVENT_KEYUP,
        KEY_CHAR => cef_key_event_type_t::KEYEVENT_CHAR,
        _ => return Err("unknown key event kind"),
    };
    if !(0..=MAX_KEY_CODE).contains(&vk) || !(0..=MAX_KEY_CODE).contains(&native) {
        return Err("key code outside 0..255");
    }
    let unit = |c: i32| u16::try_from(c).map_err(|_| "character is not one UTF-16 unit");
    let (character, unmodified) = (unit(character)?, unit(unmodified)?);
    if kind == KEY_CHAR && character == 0 {
        return Err("char event without a character");
    }
    if kind != KEY_CHAR && vk == 0 {
        return Err("key event without a key code");
    }
    Ok(cef_key_event_t {
        size: std::mem::size_of::<cef_key_event_t>(),
        type_,
        modifiers: flags(mods)?,
        windows_key_code: vk,
        native_key_code: native,
        is_system_key: 0,
        character,
        unmodified_character: unmodified,
        focus_on_editable_field: 0,
    })
}

/// Input that waits for a new page's first paint. Chromium's renderer drops input that reaches a new page before
/// it painted (measured: clicks sent after a navigation committed but before its first OnPaint never reached the
/// page; under load the first paint comes hundreds of ms after the commit), so from a main-frame commit until the
/// next OnPaint the host holds input and sends it, in order, right after that paint. Bounded in count (MAX_HELD;
/// more are refused) and in time (HOLD_LIMIT: an event that comes later releases everything, for a page that does
/// not paint).
pub struct Gate<T> {
    since: Option<std::time::Instant>,
    held: Vec<T>,
}

pub const MAX_HELD: usize = 256;
pub const HOLD_LIMIT: std::time::Duration = std::time::Duration::from_secs(2);

#[derive(Debug, PartialEq)]
pub enum Offer<T> {
    /// Send these now, in order (the held events first, when the hold just ended by its bounds).
    Send(Vec<T>),
    Held,
}

impl<T> Default for Gate<T> {
    fn default() -> Self {
        Gate { since: None, held: Vec::new() }
    }
}

impl<T> Gate<T> {
    /// A new page committed: hold input from `now` until its first paint (a hold in progress keeps its start).
    pub fn hold(&mut self, now: std::time::Instant) {
        self.since.get_or_insert(now);
    }
    pub fn offer(&mut self, ev: T, now: std::time::Instant) -> Offer<T> {
        match self.since {
            None => Offer::Send(vec![ev]),
            Some(t) if now.duration_since(t) >= HOLD_LIMIT || self.held.len() >= MAX_HELD => {
                let mut out = self.release();
                out.push(ev);
                Offer::Send(out)
            }
            Some(_) => {
                self.held.push(ev);
                Offer::Held
            }
        }
    }
    /// The page painted: the held events, to send now in order.
    pub fn release(&mut self) -> Vec<T> {
        self.since = None;
        std::mem::take(&mut self.held)
    }
}

/// Counts refused input messages; says whether this one should be logged (the first 10, then every 1000th).
#[derive(Default)]
pub struct Dropped(std::sync::atomic::AtomicU64);

impl Dropped {
    pub fn count(&self) -> (u64, bool) {
        let n = self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        (n, n <= 10 || n % 1000 == 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const VIEW: (i32, i32) = (640, 360);
    fn at(x: i32, y: i32, modifiers: u32) -> cef_mouse_event_t {
        cef_mouse_event_t { x, y, modifiers }
    }

    #[test]
    fn mouse_events_inside_the_view_and_refusals() {
        use cef_mouse_button_type_t::*;
        let cases: Vec<((i32, i32, i32, i32, i32, i32), Result<Mouse, &str>)> = vec![
            ((MOUSE_MOVE, 10, 20, 0, 1, 16), Ok(Mouse::Move(at(10, 20, 16)))),
            ((MOUSE_MOVE, 0, 0, 0, 0, 0), Ok(Mouse::Move(at(0, 0, 0)))), // click count unused for moves
            ((MOUSE_MOVE, 639, 359, 0, 1, 0), Ok(Mouse::Move(at(639, 359, 0)))),
            ((MOUSE_DOWN, 5, 6, 0, 1, 16), Ok(Mouse::Click(at(5, 6, 16), MBT_LEFT, false, 1))),
            ((MOUSE_UP, 5, 6, 2, 2, 2), Ok(Mouse::Click(at(5, 6, 2), MBT_RIGHT, true, 2))),
            ((MOUSE_DOWN, 5, 6, 1, 3, 0), Ok(Mouse::Click(at(5, 6, 0), MBT_MIDDLE, false, 3))),
            ((MOUSE_LEAVE, 1, 1, 0, 0, 0), Ok(Mouse::Leave(at(1, 1, 0)))),
            ((MOUSE_MOVE, 640, 0, 0, 1, 0), Err("coordinates outside the view")),
            ((MOUSE_MOVE, 0, 360, 0, 1, 0), Err("coordinates outside the view")),
            ((MOUSE_MOVE, -1, 0, 0, 1, 0), Err("coordinates outside the view")),
            ((MOUSE_MOVE, i32::MIN, i32::MAX, 0, 1, 0), Err("coordinates outside the view")),
            ((MOUSE_DOWN, 5, 6, 3, 1, 0), Err("unknown mouse button")),
            ((MOUSE_DOWN, 5, 6, -1, 1, 0), Err("unknown mouse button")),
            ((MOUSE_DOWN, 5, 6, 0, 0, 0), Err("click count outside 1..3")),
            ((MOUSE_UP, 5, 6, 0, 4, 0), Err("click count outside 1..3")),
            ((4, 5, 6, 0, 1, 0), Err("unknown mouse event kind")),
            ((-1, 5, 6, 0, 1, 0), Err("unknown mouse event kind")),
            ((MOUSE_MOVE, 5, 6, 0, 1, 1 << 14), Err("unknown modifier bits")),
            ((MOUSE_MOVE, 5, 6, 0, 1, -1), Err("unknown modifier bits")),
        ];
        for ((k, x, y, b, c, m), want) in cases {
            assert_eq!(mouse(k, x, y, b, c, m, VIEW), want, "kind {k} at {x},{y} button {b} count {c} mods {m}");
        }
    }

    #[test]
    fn wheel_events_and_refusals() {
        assert_eq!(wheel(1, 2, 0, -120, 8, VIEW), Ok((at(1, 2, 8), 0, -120)));
        assert_eq!(wheel(1, 2, MAX_WHEEL_DELTA, -MAX_WHEEL_DELTA, 0, VIEW), Ok((at(1, 2, 0), MAX_WHEEL_DELTA, -MAX_WHEEL_DELTA)));
        assert_eq!(wheel(1, 2, MAX_WHEEL_DELTA + 1, 0, 0, VIEW), Err("wheel delta too large"));
        assert_eq!(wheel(1, 2, 0, i32::MIN, 0, VIEW), Err("wheel delta too large"));
        assert_eq!(wheel(700, 2, 0, 1, 0, VIEW), Err("coordinates outside the view"));
        assert_eq!(wheel(1, 2, 0, 1, 1 << 20, VIEW), Err("unknown modifier bits"));
    }

    #[test]
    fn key_events_and_refusals() {
        use cef_key_event_type_t::*;
        let k = key(KEY_RAW_DOWN, 65, 38, 97, 97, 2).unwrap();
        assert_eq!((k.type_, k.windows_key_code, k.native_key_code, k.character, k.unmodified_character, k.modifiers), (KEYEVENT_RAWKEYDOWN, 65, 38, 97, 97, 2));
        assert_eq!(k.size, std::mem::size_of::<cef_key_event_t>());
        assert_eq!(key(KEY_UP, 13, 36, 0, 0, 0).unwrap().type_, KEYEVENT_KEYUP);
        let c = key(KEY_CHAR, 13, 36, 13, 13, 0).unwrap();
        assert_eq!((c.type_, c.character), (KEYEVENT_CHAR, 13));
        assert_eq!(key(KEY_CHAR, 0, 0, 0x00e9, 0x00e9, 0).unwrap().character, 0x00e9, "a char with no key (IME, non-US)");
        assert_eq!(key(KEY_CHAR, 0, 0, 0xffff, 0, 0).unwrap().character, 0xffff);
        for (args, why) in [
            ((1, 65, 38, 97, 97, 0), "unknown key event kind"), // KEYDOWN: Node sends RAWKEYDOWN + CHAR
            ((4, 65, 38, 97, 97, 0), "unknown key event kind"),
            ((KEY_RAW_DOWN, 256, 0, 0, 0, 0), "key code outside 0..255"),
            ((KEY_RAW_DOWN, -1, 0, 0, 0, 0), "key code outside 0..255"),
            ((KEY_RAW_DOWN, 65, 300, 0, 0, 0), "key code outside 0..255"),
            ((KEY_CHAR, 0, 0, 0x10000, 0, 0), "character is not one UTF-16 unit"),
            ((KEY_CHAR, 0, 0, -5, 0, 0), "character is not one UTF-16 unit"),
            ((KEY_CHAR, 65, 38, 0, 0, 0), "char event without a character"),
            ((KEY_RAW_DOWN, 0, 0, 0, 0, 0), "key event without a key code"),
            ((KEY_UP, 65, 38, 0, 0, 1 << 15), "unknown modifier bits"),
        ] {
            let (kind, vk, native, ch, un, m) = args;
            assert_eq!(key(kind, vk, native, ch, un, m), Err(why), "{args:?}");
        }
    }

    #[test]
    fn the_gate_holds_input_from_a_commit_until_the_paint_or_its_bounds() {
        use std::time::{Duration, Instant};
        let t0 = Instant::now();
        let mut g = Gate::default();
        assert_eq!(g.offer(1, t0), Offer::Send(vec![1]), "no hold: straight through");
        g.hold(t0);
        assert_eq!(g.offer(2, t0), Offer::Held);
        g.hold(t0 + Duration::from_millis(500)); // a second commit keeps the first start
        assert_eq!(g.offer(3, t0 + Duration::from_millis(100)), Offer::Held);
        assert_eq!(g.release(), vec![2, 3], "the paint releases them in order");
        assert_eq!(g.offer(4, t0), Offer::Send(vec![4]));
        assert_eq!(g.release(), Vec::<i32>::new());

        g.hold(t0);
        for i in 0..MAX_HELD {
            assert_eq!(g.offer(i as i32, t0), Offer::Held);
        }
        match g.offer(-1, t0 + Duration::from_millis(10)) {
            Offer::Send(v) => assert_eq!((v.len(), v.first(), v.last()), (MAX_HELD + 1, Some(&0), Some(&-1))),
            other => panic!("count limit: {other:?}"),
        }
        assert_eq!(g.offer(5, t0), Offer::Send(vec![5]), "released for good");
        g.hold(t0);
        assert_eq!(g.offer(6, t0 + Duration::from_millis(10)), Offer::Held);
        assert_eq!(g.offer(7, t0 + HOLD_LIMIT), Offer::Send(vec![6, 7]), "time limit");
    }

    #[test]
    fn dropped_counts_and_logs_the_first_ten_then_every_thousandth() {
        let d = Dropped::default();
        let logged: Vec<u64> = (0..3000).map(|_| d.count()).filter(|(_, log)| *log).map(|(n, _)| n).collect();
        assert_eq!(logged, vec![1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 1000, 2000, 3000]);
    }
}
