//! How long a downloaded audio file plays, read from its frames: MP3
//! frame by frame, WAV from its data chunk, demuxed with `symphonia`
//! (nothing is decoded). Live, a host has served a few hundred KB of a
//! three-minute take under HTTP 200; the length against the record's
//! `duration` is how such a file is told from a whole one.
//!
//! The length is read while the file arrives, on the download's
//! [`Tap`](super::tap::Tap): no second pass over the file.

use std::time::Duration;

use symphonia::core::errors::Error as AudioError;
use symphonia::core::formats::FormatOptions;
use symphonia::core::io::{MediaSource, MediaSourceStream, ReadOnlySource};
use symphonia::core::meta::MetadataOptions;
use symphonia::core::probe::Hint;

use super::tap::Chunks;

/// A file shorter than this share of the length its record gives is not
/// kept.
pub(crate) const MIN_SHARE: f64 = 0.9;

/// The formats whose length is read: by extension.
pub(crate) fn is_checked(extension: &str) -> bool {
    matches!(extension, "mp3" | "wav")
}

/// How long the file arriving as `chunks` plays as `extension` audio,
/// from its frames; an error says why it could not be read as audio.
pub(crate) fn length(chunks: Chunks, extension: &str) -> Result<Duration, String> {
    measure(Box::new(ReadOnlySource::new(chunks)), extension)
}

/// How long `source` plays as `extension` audio, from its frames.
fn measure(source: Box<dyn MediaSource>, extension: &str) -> Result<Duration, String> {
    let source = MediaSourceStream::new(source, Default::default());
    let mut hint = Hint::new();
    hint.with_extension(extension);
    let probed = symphonia::default::get_probe()
        .format(
            &hint,
            source,
            &FormatOptions::default(),
            &MetadataOptions::default(),
        )
        .map_err(|e| format!("not {extension} audio ({e})"))?;
    let mut format = probed.format;
    let track = format
        .default_track()
        .ok_or_else(|| format!("no audio track in the {extension} file"))?;
    let track_id = track.id;
    let rate = track
        .codec_params
        .sample_rate
        .filter(|r| *r > 0)
        .ok_or_else(|| format!("the {extension} file has no sample rate"))?;
    let mut samples: u64 = 0;
    loop {
        match format.next_packet() {
            Ok(packet) if packet.track_id() == track_id => {
                samples = samples.saturating_add(packet.dur);
            }
            Ok(_) => {}
            Err(AudioError::IoError(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => break,
            Err(AudioError::ResetRequired) => break,
            Err(e) => return Err(format!("the {extension} file is damaged ({e})")),
        }
    }
    if samples == 0 {
        return Err(format!("the {extension} file holds no audio frames"));
    }
    Ok(Duration::from_secs_f64(samples as f64 / f64::from(rate)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// MPEG-2 Layer III, 8 kbps, 16 kHz, mono: 36-byte frames of 36 ms.
    /// (The mock's `mock::audio::mp3` writes the same frames; this leaf
    /// cannot use the mock, which is behind a feature.)
    fn mp3(frames: usize) -> Vec<u8> {
        let mut frame = [0u8; 36];
        frame[..4].copy_from_slice(&[0xFF, 0xF3, 0x18, 0xC0]);
        frame.repeat(frames)
    }

    /// How long `bytes` play, handed to a tap in chunks of 1000 bytes.
    fn duration_of(bytes: &[u8]) -> Result<Duration, String> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        runtime.block_on(async {
            let tap = super::super::tap::Tap::start(|chunks| length(chunks, "mp3"));
            for chunk in bytes.chunks(1000) {
                tap.feed(bytes::Bytes::copy_from_slice(chunk)).await;
            }
            tap.finish().await.unwrap()
        })
    }

    #[test]
    fn an_mp3_plays_for_its_frames() {
        let d = duration_of(&mp3(5000)).unwrap();
        assert!((d.as_secs_f64() - 180.0).abs() < 0.1, "{d:?}");
    }

    #[test]
    fn bytes_that_are_not_audio_are_refused() {
        let d = duration_of(&b"<html>403 Forbidden</html>".repeat(100));
        assert!(d.is_err(), "{d:?}");
    }

    #[test]
    fn a_last_frame_cut_midway_leaves_the_whole_frames() {
        let mut bytes = mp3(1000);
        bytes.truncate(bytes.len() - 10);
        let d = duration_of(&bytes).unwrap();
        assert!((d.as_secs_f64() - 35.964).abs() < 0.05, "{d:?}");
    }
}
