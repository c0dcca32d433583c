//! How long a saved audio file plays, read from its frames: MP3 frame by
//! frame, WAV from its data chunk, demuxed with `symphonia` (nothing is
//! decoded). Live, a host has served a few hundred KB of a three-minute
//! take under HTTP 200; the length against the record's `duration` is
//! how such a file is told from a whole one.

use std::path::Path;
use std::time::Duration;

use symphonia::core::errors::Error as AudioError;
use symphonia::core::formats::FormatOptions;
use symphonia::core::io::MediaSourceStream;
use symphonia::core::meta::MetadataOptions;
use symphonia::core::probe::Hint;

/// A file shorter than this share of the length its record gives is not
/// kept.
pub(crate) const MIN_SHARE: f64 = 0.9;

/// The formats whose length is read: by extension.
pub(crate) fn is_checked(extension: &str) -> bool {
    matches!(extension, "mp3" | "wav")
}

/// How long the file at `path` plays, from its frames; an error says why
/// it could not be read as `extension` audio.
pub(crate) fn duration(path: &Path, extension: &str) -> Result<Duration, String> {
    let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let source = MediaSourceStream::new(Box::new(file), Default::default());
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

    /// How long `bytes` play, read from a temporary `.mp3` file.
    fn duration_of(bytes: &[u8]) -> Result<Duration, String> {
        let path = std::env::temp_dir().join(format!("kie-suno-{:x}.mp3", fastrand::u64(..)));
        std::fs::write(&path, bytes).unwrap();
        let d = duration(&path, "mp3");
        let _ = std::fs::remove_file(&path);
        d
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
