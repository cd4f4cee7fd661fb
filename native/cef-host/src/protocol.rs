// Control protocol (mirror of native/host/protocol.h and native/src/control-protocol.ts).
// Frame: i32 LE length (1..MAX_MESSAGE) + payload; payload: i32 type, then signed LE fields; strings are
// i32 length + UTF-8 bytes.
pub const PROTOCOL_VERSION: i32 = 1;
pub const MAX_MESSAGE: usize = 64 * 1024;
pub const MAX_RECTS: usize = 64;

pub const HELLO: i32 = 1;
pub const READY: i32 = 2;
pub const PAINT: i32 = 3;
pub const AUDIO: i32 = 4;
pub const CURSOR: i32 = 5;
pub const CHROMIUM_STARTED: i32 = 6;
pub const CHROMIUM_EXITED: i32 = 7;
pub const ERROR: i32 = 8;
pub const SANDBOX: i32 = 9;
pub const CDP: i32 = 10;
pub const INPUT_ACK: i32 = 11;
pub const CLIENT_HELLO: i32 = 101;
pub const MAPPED: i32 = 102;
pub const RELEASE: i32 = 103;
pub const RESTART: i32 = 104;
pub const SHUTDOWN: i32 = 105;
pub const REFRESH: i32 = 106;
pub const RESIZE: i32 = 107;
pub const CDP_SEND: i32 = 108;
pub const INPUT_MOUSE: i32 = 109;
pub const INPUT_WHEEL: i32 = 110;
pub const INPUT_KEY: i32 = 111;
pub const INPUT_FOCUS: i32 = 112;

/// The fields of every client message, in order (native/test/control-protocol.test.ts compares this table with
/// MESSAGES in native/src/control-protocol.ts; decode_client below reads exactly these).
#[cfg_attr(not(test), allow(dead_code))]
pub const CLIENT_FIELDS: &[(&str, &str)] = &[
    ("client_hello", "version"),
    ("mapped", ""),
    ("release", "slot"),
    ("restart", "url:str"),
    ("shutdown", ""),
    ("refresh", ""),
    ("resize", "width, height"),
    ("cdp_send", "pid, message:str"),
    ("input_mouse", "kind, x, y, button, clickCount, modifiers"),
    ("input_wheel", "x, y, deltaX, deltaY, modifiers"),
    ("input_key", "kind, windowsKeyCode, nativeKeyCode, character, unmodifiedCharacter, modifiers"),
    ("input_focus", "focused:bool"),
];

pub struct Writer {
    buf: Vec<u8>,
}

impl Writer {
    pub fn new(ty: i32) -> Writer {
        let mut w = Writer { buf: vec![0; 4] };
        w.i32(ty);
        w
    }
    pub fn i32(&mut self, v: i32) -> &mut Self {
        self.buf.extend_from_slice(&v.to_le_bytes());
        self
    }
    pub fn i64(&mut self, v: i64) -> &mut Self {
        self.buf.extend_from_slice(&v.to_le_bytes());
        self
    }
    pub fn bytes(&mut self, b: &[u8]) -> &mut Self {
        self.i32(b.len() as i32);
        self.buf.extend_from_slice(b);
        self
    }
    pub fn str(&mut self, s: &str) -> &mut Self {
        self.bytes(s.as_bytes())
    }
    pub fn finish(&mut self) -> Vec<u8> {
        let len = (self.buf.len() - 4) as i32;
        self.buf[..4].copy_from_slice(&len.to_le_bytes());
        std::mem::take(&mut self.buf)
    }
}

pub struct Reader<'a> {
    p: &'a [u8],
    off: usize,
}

impl<'a> Reader<'a> {
    pub fn new(p: &'a [u8]) -> Reader<'a> {
        Reader { p, off: 0 }
    }
    pub fn i32(&mut self) -> Option<i32> {
        let b = self.p.get(self.off..self.off + 4)?;
        self.off += 4;
        Some(i32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    pub fn str(&mut self) -> Option<String> {
        let n = usize::try_from(self.i32()?).ok()?;
        let b = self.p.get(self.off..self.off + n)?;
        self.off += n;
        String::from_utf8(b.to_vec()).ok()
    }
    pub fn done(&self) -> bool {
        self.off == self.p.len()
    }
}

/// One message from Node. Unknown types and malformed fields are protocol violations (None).
#[derive(Debug, PartialEq)]
pub enum ClientMsg {
    Hello(i32),
    Mapped,
    Release(i32),
    Restart(String),
    Shutdown,
    Refresh,
    Resize(i32, i32),
    /// pid, one DevTools command (JSON text)
    CdpSend(i32, String),
    /// kind, x, y, button, click count, modifiers (checked by input.rs, not here)
    Mouse(i32, i32, i32, i32, i32, i32),
    /// x, y, deltaX, deltaY, modifiers
    Wheel(i32, i32, i32, i32, i32),
    /// kind, windows key code, native key code, character, unmodified character, modifiers
    Key(i32, i32, i32, i32, i32, i32),
    Focus(bool),
}

pub fn decode_client(payload: &[u8]) -> Option<ClientMsg> {
    let mut r = Reader::new(payload);
    let m = match r.i32()? {
        CLIENT_HELLO => ClientMsg::Hello(r.i32()?),
        MAPPED => ClientMsg::Mapped,
        RELEASE => ClientMsg::Release(r.i32()?),
        RESTART => ClientMsg::Restart(r.str()?),
        SHUTDOWN => ClientMsg::Shutdown,
        REFRESH => ClientMsg::Refresh,
        RESIZE => ClientMsg::Resize(r.i32()?, r.i32()?),
        CDP_SEND => ClientMsg::CdpSend(r.i32()?, r.str()?),
        INPUT_MOUSE => ClientMsg::Mouse(r.i32()?, r.i32()?, r.i32()?, r.i32()?, r.i32()?, r.i32()?),
        INPUT_WHEEL => ClientMsg::Wheel(r.i32()?, r.i32()?, r.i32()?, r.i32()?, r.i32()?),
        INPUT_KEY => ClientMsg::Key(r.i32()?, r.i32()?, r.i32()?, r.i32()?, r.i32()?, r.i32()?),
        INPUT_FOCUS => ClientMsg::Focus(r.i32()? != 0),
        _ => return None,
    };
    if r.done() { Some(m) } else { None }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writer_frames_with_length_prefix() {
        let f = Writer::new(HELLO).i32(PROTOCOL_VERSION).finish();
        assert_eq!(f, vec![8, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0]);
        let f = Writer::new(ERROR).i32(1).str("é").finish();
        assert_eq!(&f[..4], &(f.len() as i32 - 4).to_le_bytes());
        assert_eq!(&f[12..16], &2i32.to_le_bytes());
    }

    #[test]
    fn decode_client_reads_exactly_the_fields_of_client_fields() {
        let ids = [CLIENT_HELLO, MAPPED, RELEASE, RESTART, SHUTDOWN, REFRESH, RESIZE, CDP_SEND, INPUT_MOUSE, INPUT_WHEEL, INPUT_KEY, INPUT_FOCUS];
        assert_eq!(ids.len(), CLIENT_FIELDS.len());
        for (&id, (name, fields)) in ids.iter().zip(CLIENT_FIELDS) {
            let kinds: Vec<&str> = fields.split(", ").filter(|f| !f.is_empty()).map(|f| f.split(':').nth(1).unwrap_or("i32")).collect();
            let mut w = Writer::new(id);
            for k in &kinds {
                if *k == "str" { w.str("x"); } else { w.i32(1); }
            }
            let full = w.finish()[4..].to_vec();
            assert!(decode_client(&full).is_some(), "{name}: {fields}");
            assert!(decode_client(&[&full[..], &[0, 0, 0, 0]].concat()).is_none(), "{name}: a field too many");
            if !kinds.is_empty() {
                assert!(decode_client(&full[..full.len() - 1]).is_none(), "{name}: truncated");
            }
        }
    }

    #[test]
    fn decodes_every_client_message_and_rejects_bad_ones() {
        let enc = |ty: i32, f: &dyn Fn(&mut Writer)| {
            let mut w = Writer::new(ty);
            f(&mut w);
            w.finish()[4..].to_vec()
        };
        let cases: Vec<(Vec<u8>, Option<ClientMsg>)> = vec![
            (enc(CLIENT_HELLO, &|w| { w.i32(1); }), Some(ClientMsg::Hello(1))),
            (enc(MAPPED, &|_| {}), Some(ClientMsg::Mapped)),
            (enc(RELEASE, &|w| { w.i32(2); }), Some(ClientMsg::Release(2))),
            (enc(RESTART, &|w| { w.str("http://127.0.0.1/x"); }), Some(ClientMsg::Restart("http://127.0.0.1/x".into()))),
            (enc(SHUTDOWN, &|_| {}), Some(ClientMsg::Shutdown)),
            (enc(REFRESH, &|_| {}), Some(ClientMsg::Refresh)),
            (enc(RESIZE, &|w| { w.i32(640).i32(360); }), Some(ClientMsg::Resize(640, 360))),
            (enc(CDP_SEND, &|w| { w.i32(7).str("{}"); }), Some(ClientMsg::CdpSend(7, "{}".into()))),
            (enc(INPUT_MOUSE, &|w| { w.i32(1).i32(10).i32(20).i32(0).i32(1).i32(16); }), Some(ClientMsg::Mouse(1, 10, 20, 0, 1, 16))),
            (enc(INPUT_WHEEL, &|w| { w.i32(10).i32(20).i32(0).i32(-120).i32(0); }), Some(ClientMsg::Wheel(10, 20, 0, -120, 0))),
            (enc(INPUT_KEY, &|w| { w.i32(3).i32(65).i32(38).i32(97).i32(97).i32(0); }), Some(ClientMsg::Key(3, 65, 38, 97, 97, 0))),
            (enc(INPUT_FOCUS, &|w| { w.i32(1); }), Some(ClientMsg::Focus(true))),
            (enc(INPUT_FOCUS, &|w| { w.i32(0); }), Some(ClientMsg::Focus(false))),
            (enc(INPUT_MOUSE, &|w| { w.i32(1).i32(10).i32(20).i32(0).i32(1); }), None), // a field short
            (enc(INPUT_KEY, &|w| { w.i32(3).i32(65).i32(38).i32(97).i32(97).i32(0).i32(0); }), None), // one too many
            (enc(RELEASE, &|_| {}), None),                          // field missing
            (enc(MAPPED, &|w| { w.i32(0); }), None),                // trailing bytes
            (enc(RESTART, &|w| { w.i32(100); }), None),             // string longer than the frame
            (enc(RESTART, &|w| { w.i32(-1); }), None),              // negative length
            (enc(HELLO, &|w| { w.i32(1); }), None),                 // a host message
            (vec![1, 2], None),
        ];
        for (payload, want) in cases {
            assert_eq!(decode_client(&payload), want, "payload {payload:?}");
        }
    }
}
