// CEF delivers planar f32 packets of any length; Node wants 10 ms frames of interleaved s16 stereo
// (480 samples per channel at 48 kHz). Mono is duplicated, channels beyond two are dropped.
pub const RATE: i32 = 48_000;
pub const FRAME: usize = 480;

#[derive(Default)]
pub struct Chunker {
    buf: Vec<i16>, // interleaved stereo, < FRAME samples per channel between calls
    /// pts (µs) of buf[0]
    pts_us: i64,
}

fn s16(v: f32) -> i16 {
    (v.clamp(-1.0, 1.0) * 32767.0).round() as i16
}

impl Chunker {
    /// Appends one packet (`planes[c][i]`, `frames` samples per channel, pts in ms) and returns the complete
    /// 10 ms frames as (ptsUs, little-endian s16 interleaved bytes).
    pub fn push(&mut self, planes: &[&[f32]], frames: usize, pts_ms: i64) -> Vec<(i64, Vec<u8>)> {
        if planes.is_empty() {
            return Vec::new();
        }
        if self.buf.is_empty() {
            self.pts_us = pts_ms * 1000;
        }
        let left = planes[0];
        let right = if planes.len() > 1 { planes[1] } else { planes[0] };
        for i in 0..frames.min(left.len()).min(right.len()) {
            self.buf.push(s16(left[i]));
            self.buf.push(s16(right[i]));
        }
        let mut out = Vec::new();
        while self.buf.len() >= FRAME * 2 {
            let rest = self.buf.split_off(FRAME * 2);
            let frame = std::mem::replace(&mut self.buf, rest);
            let bytes: Vec<u8> = frame.iter().flat_map(|s| s.to_le_bytes()).collect();
            out.push((self.pts_us, bytes));
            self.pts_us += 10_000;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_and_interleaves_into_10ms_frames() {
        let mut c = Chunker::default();
        let l = vec![0.5f32; 300];
        let r = vec![-1.5f32; 300]; // clamped
        assert!(c.push(&[&l, &r], 300, 1000).is_empty());
        let out = c.push(&[&l, &r], 300, 1006);
        assert_eq!(out.len(), 1);
        let (pts, bytes) = &out[0];
        assert_eq!(*pts, 1_000_000);
        assert_eq!(bytes.len(), FRAME * 4);
        assert_eq!(i16::from_le_bytes([bytes[0], bytes[1]]), 16384);
        assert_eq!(i16::from_le_bytes([bytes[2], bytes[3]]), -32767);
        assert!(c.push(&[&l, &r], 300, 1012).is_empty(), "420 samples left: no frame yet");
        let out = c.push(&[&l, &r], 300, 1018);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].0, 1_010_000, "pts continues from the first packet, 10 ms per frame");
    }

    #[test]
    fn mono_is_duplicated() {
        let mut c = Chunker::default();
        let m = vec![0.25f32; FRAME];
        let out = c.push(&[&m], FRAME, 0);
        assert_eq!(out.len(), 1);
        let b = &out[0].1;
        assert_eq!(&b[0..2], &b[2..4]);
        assert!(c.push(&[], 10, 0).is_empty());
    }
}
