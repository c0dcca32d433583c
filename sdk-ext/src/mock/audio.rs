//! Audio the mock's file host serves: real MP3 and WAV files of a given
//! length (silent, and small: MPEG-2 Layer III at 8 kbps is 1 KB per
//! second), so that a download's length check reads them as a live
//! file's. Public for tests of one's own file server.

use std::time::Duration;

/// One MPEG-2 Layer III frame header: 8 kbps, 16 kHz, mono, no CRC.
const MP3_HEADER: [u8; 4] = [0xFF, 0xF3, 0x18, 0xC0];
/// Its frame: 72 * 8000 / 16000 bytes, 576 samples (36 ms).
const MP3_FRAME_BYTES: usize = 36;
const MP3_FRAME_SECS: f64 = 576.0 / 16_000.0;

/// An MP3 file that plays for `length` (to the next 36 ms frame).
///
/// ```
/// let one_minute = kie_suno::mock::audio::mp3(std::time::Duration::from_secs(60));
/// assert_eq!(one_minute.len(), 60_012);
/// ```
pub fn mp3(length: Duration) -> Vec<u8> {
    mp3_seeded(length, 0)
}

/// An MP3 file that plays for `length`, its frames' contents drawn from
/// `seed`: two files of one length differ unless their seeds agree.
pub fn mp3_seeded(length: Duration, seed: u64) -> Vec<u8> {
    let frames = (length.as_secs_f64() / MP3_FRAME_SECS).ceil() as usize;
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut out = Vec::with_capacity(frames * MP3_FRAME_BYTES);
    for _ in 0..frames {
        out.extend_from_slice(&MP3_HEADER);
        // Side information (9 bytes for MPEG-2 mono) left zero: the frame
        // carries no main data, as a silent one does; the rest varies.
        out.extend_from_slice(&[0; 9]);
        out.extend((13..MP3_FRAME_BYTES).map(|_| rng.u8(..)));
    }
    out
}

/// A WAV file (8 kHz, 8-bit, mono PCM) that plays for `length`.
pub fn wav(length: Duration) -> Vec<u8> {
    let samples = (length.as_secs_f64() * 8000.0).round() as u32;
    let mut out = Vec::with_capacity(44 + samples as usize);
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(36 + samples).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes()); // PCM
    out.extend_from_slice(&1u16.to_le_bytes()); // mono
    out.extend_from_slice(&8000u32.to_le_bytes()); // sample rate
    out.extend_from_slice(&8000u32.to_le_bytes()); // bytes per second
    out.extend_from_slice(&1u16.to_le_bytes()); // block align
    out.extend_from_slice(&8u16.to_le_bytes()); // bits per sample
    out.extend_from_slice(b"data");
    out.extend_from_slice(&samples.to_le_bytes());
    out.resize(44 + samples as usize, 0x80);
    out
}
