//! What a finished download leaves beside its file: a hidden completion
//! record (`.<stem>.done`) with its name, size, SHA-256, length and
//! source, written in place after the file is. A file counts as already
//! there only when it matches its record: a file of the right name but
//! another size or checksum is fetched again.

use std::path::{Path, PathBuf};
use std::time::Duration;

use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

use super::temp::Temp;
use crate::error::SourceKind;
use crate::hex::hex;

/// The read buffer of a checksum.
const BUFFER: usize = 256 * 1024;

/// A file saved (or found complete already).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Saved {
    /// Where it is.
    pub path: PathBuf,
    /// Its size in bytes.
    pub bytes: u64,
    /// Its SHA-256, in hex.
    pub sha256: String,
    /// How long it plays, read from its frames (MP3 and WAV).
    pub duration: Option<Duration>,
    /// Which of the file's sources it came from.
    pub source: SourceKind,
    /// That source's URL, without its query or userinfo.
    pub source_url: String,
    /// It was there already, matching its completion record; nothing was
    /// requested.
    pub already_there: bool,
    /// Another file of the same task saved with the same bytes (live, the
    /// two takes of a task have been one file): set by
    /// [`Downloads::all`](super::Downloads::all); both are kept.
    pub duplicate_of: Option<PathBuf>,
}

/// What a completion record says of its file.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub(super) struct Completion {
    pub(super) file: String,
    pub(super) bytes: u64,
    pub(super) sha256: String,
    #[serde(default)]
    pub(super) duration_ms: Option<u64>,
    #[serde(default = "unknown_source")]
    pub(super) source: SourceKind,
    #[serde(default)]
    pub(super) source_url: String,
}

/// Records written before sources were recorded.
fn unknown_source() -> SourceKind {
    SourceKind::File
}

fn record_path(dir: &Path, stem: &str) -> PathBuf {
    dir.join(format!(".{stem}.done"))
}

/// The file of this stem in `dir`, if it is there whole: its completion
/// record names it, and its size and checksum are the recorded ones.
pub(crate) async fn existing(dir: &Path, stem: &str) -> Option<Saved> {
    let text = tokio::fs::read(record_path(dir, stem)).await.ok()?;
    let record: Completion = serde_json::from_slice(&text).ok()?;
    let extension = record.file.strip_prefix(stem)?.strip_prefix('.')?;
    let plain =
        (1..=5).contains(&extension.len()) && extension.chars().all(|c| c.is_ascii_alphanumeric());
    if !plain {
        return None;
    }
    let path = dir.join(&record.file);
    let metadata = tokio::fs::metadata(&path).await.ok()?;
    if !metadata.is_file() || metadata.len() != record.bytes {
        return None;
    }
    let sha256 = checksum(&path).await.ok()?;
    (sha256 == record.sha256).then_some(Saved {
        path,
        bytes: record.bytes,
        sha256,
        duration: record.duration_ms.map(Duration::from_millis),
        source: record.source,
        source_url: record.source_url,
        already_there: true,
        duplicate_of: None,
    })
}

async fn checksum(path: &Path) -> std::io::Result<String> {
    use tokio::io::AsyncReadExt;
    let mut file = tokio::fs::File::open(path).await?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0; BUFFER];
    loop {
        let n = file.read(&mut buffer).await?;
        if n == 0 {
            return Ok(hex(&hasher.finalize()));
        }
        hasher.update(&buffer[..n]);
    }
}

/// Writes a completion record in place (through a temporary file of its
/// own, so that a reader sees the old record or the new one).
pub(super) async fn write_record(
    dir: &Path,
    stem: &str,
    completion: &Completion,
) -> std::io::Result<()> {
    let json = serde_json::to_vec(completion).map_err(std::io::Error::other)?;
    let (mut temp, mut file) = Temp::create(dir, &format!("{stem}.done")).await?;
    file.write_all(&json).await?;
    file.sync_all().await?;
    drop(file);
    tokio::fs::rename(&temp.path, record_path(dir, stem)).await?;
    temp.placed = true;
    Ok(())
}
