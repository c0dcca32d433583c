//! Fetching one file to disk: streamed into a temporary file of its own
//! next to its final place (created exclusively, so two downloads never
//! write into one file), resumed with a range request when the connection
//! is cut or stalls (validated by the file's ETag or Last-Modified,
//! started over when the file changed), its size checked against what the
//! server declared and against the size cap, its SHA-256 and an MP3 or
//! WAV's length read from the chunks as they arrive (on a [`Tap`]), the
//! length checked against its record, then flushed, synced and renamed
//! into place. A reader never sees a partial file under the final
//! name, and the temporary file is removed however the download ends,
//! cancellation included.
//!
//! Each temporary file is locked by its writer; one that nobody holds was
//! left by a process that died, and the next download of that file
//! removes it ([`super::temp`]).
//!
//! Beside each saved file goes its completion record
//! ([`super::completion`]).

use std::path::{Path, PathBuf};
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{
    CONTENT_LENGTH, CONTENT_RANGE, CONTENT_TYPE, ETAG, IF_RANGE, LAST_MODIFIED, RANGE,
};
use sha2::{Digest, Sha256};
use tokio::io::{AsyncSeekExt, AsyncWriteExt};
use url::Url;

use super::completion::{Completion, Saved, write_record};
use super::tap::{Chunks, Tap};
use super::temp::{Temp, sweep};
use super::{audio, name};
use crate::error::{DownloadError, SourceKind};
use crate::hex::hex;

/// Resumes tried after cut or stalled connections, per file.
const MAX_RESUMES: u32 = 5;
/// The write buffer: few system calls, flat memory.
const BUFFER: usize = 256 * 1024;

/// What one file may take; see [`super::Downloads::max_file_size`] and
/// its neighbours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Limits {
    /// The largest file kept.
    pub(crate) max_bytes: u64,
    /// The longest time without a byte before the connection is resumed.
    pub(crate) stall: Duration,
    /// The longest one file may take, resumes included.
    pub(crate) total: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_bytes: 2 << 30,
            stall: Duration::from_secs(60),
            total: Duration::from_secs(30 * 60),
        }
    }
}

/// What a download is doing, for progress displays.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DownloadEvent {
    /// A file started (its size, when the host says).
    Started {
        /// The file stem.
        name: String,
        /// Its size in bytes.
        total: Option<u64>,
    },
    /// Bytes of a file arrived.
    Progress {
        /// The file stem.
        name: String,
        /// Bytes so far.
        bytes: u64,
        /// Its size, when known.
        total: Option<u64>,
    },
    /// A file is complete and in place.
    Finished {
        /// Where it is.
        path: PathBuf,
        /// Its size.
        bytes: u64,
    },
}

/// The SHA-256 of the chunks, in hex (on the download's tap).
fn sha256(mut chunks: Chunks) -> String {
    let mut hasher = Sha256::new();
    while let Some(chunk) = chunks.next_chunk() {
        hasher.update(&chunk);
    }
    hex(&hasher.finalize())
}

/// One file to fetch: where from, where to, and what it must be.
pub(crate) struct Target<'a> {
    pub(crate) url: &'a Url,
    pub(crate) source: SourceKind,
    pub(crate) dir: &'a Path,
    pub(crate) stem: &'a str,
    /// How long the audio plays, as its record says.
    pub(crate) duration: Option<Duration>,
}

/// Downloads `target.url` into its directory as `<stem>.<extension>`,
/// within `limits`: not empty, whole, and for MP3 and WAV, audio at least
/// 90 % as long as its record says.
pub(crate) async fn fetch(
    http: &reqwest::Client,
    target: &Target<'_>,
    limits: Limits,
    on_event: &(dyn Fn(&DownloadEvent) + Send + Sync),
) -> Result<Saved, DownloadError> {
    let work = fetch_to(http, target, limits, on_event);
    match tokio::time::timeout(limits.total, work).await {
        Ok(result) => result,
        Err(_) => Err(DownloadError::TimedOut {
            after_secs: limits.total.as_secs(),
        }),
    }
}

async fn fetch_to(
    http: &reqwest::Client,
    target: &Target<'_>,
    limits: Limits,
    on_event: &(dyn Fn(&DownloadEvent) + Send + Sync),
) -> Result<Saved, DownloadError> {
    let Target { url, dir, stem, .. } = *target;
    let mut response = reopen(http, url, 0, None).await?;
    let status = response.status();
    if !status.is_success() {
        return Err(DownloadError::Status {
            status: status.as_u16(),
        });
    }
    let extension = name::extension(header(&response, CONTENT_TYPE).as_deref(), url);
    let mut total = content_length(&response);
    check_size(total, limits)?;
    let validator = header(&response, ETAG).or_else(|| header(&response, LAST_MODIFIED));
    let swept = sweep(dir, stem).await;
    if swept > 0 {
        tracing::debug!(swept, "removed temporary files a dead process left");
    }
    let (mut temp, file) = Temp::create(dir, stem).await.map_err(io(dir))?;
    let temp_path = temp.path.clone();
    let io = |source| DownloadError::Io {
        path: temp_path.clone(),
        source,
    };
    let mut out = tokio::io::BufWriter::with_capacity(BUFFER, file);
    let start_taps = || {
        let digest = Tap::start(sha256);
        let ext = extension.clone();
        let meter = audio::is_checked(&extension)
            .then(|| Tap::start(move |chunks| audio::length(chunks, &ext)));
        (digest, meter)
    };
    let (mut digest, mut meter) = start_taps();
    let mut written: u64 = 0;
    let mut resumes = 0;
    on_event(&DownloadEvent::Started {
        name: stem.to_owned(),
        total,
    });
    loop {
        let next = match tokio::time::timeout(limits.stall, response.chunk()).await {
            Ok(Ok(next)) => Ok(next),
            Ok(Err(cut)) => Err(DownloadError::Cut {
                source: cut.without_url(),
            }),
            Err(_) => Err(DownloadError::Stalled {
                secs: limits.stall.as_secs(),
            }),
        };
        match next {
            Ok(Some(chunk)) => {
                let len = chunk.len() as u64;
                written += len;
                check_size(Some(written), limits)?;
                out.write_all(&chunk).await.map_err(io)?;
                if let Some(meter) = &meter {
                    meter.feed(chunk.clone()).await;
                }
                digest.feed(chunk).await;
                // A progress event per mebibyte, not per chunk.
                if written >> 20 != (written - len) >> 20 {
                    on_event(&DownloadEvent::Progress {
                        name: stem.to_owned(),
                        bytes: written,
                        total,
                    });
                }
            }
            Ok(None) => break,
            Err(failure) if resumes < MAX_RESUMES => {
                resumes += 1;
                tracing::debug!(%failure, written, resumes, "file download cut or stalled; resuming");
                response = reopen(http, url, written, validator.as_deref()).await?;
                match response.status() {
                    StatusCode::PARTIAL_CONTENT if starts_at(&response) == Some(written) => {
                        total = range_total(&response).or(total);
                    }
                    StatusCode::OK => {
                        // Started over: the file changed, or no range support.
                        // The same file (and lock), emptied.
                        out.flush().await.map_err(io)?;
                        let mut file = out.into_inner();
                        file.set_len(0).await.map_err(io)?;
                        file.seek(std::io::SeekFrom::Start(0)).await.map_err(io)?;
                        out = tokio::io::BufWriter::with_capacity(BUFFER, file);
                        (digest, meter) = start_taps();
                        written = 0;
                        total = content_length(&response);
                    }
                    other => {
                        return Err(DownloadError::Status {
                            status: other.as_u16(),
                        });
                    }
                }
                check_size(total, limits)?;
            }
            Err(failure) => return Err(failure),
        }
    }
    out.flush().await.map_err(io)?;
    let file = out.into_inner();
    file.sync_all().await.map_err(io)?;
    drop(file);
    if let Some(expected) = total
        && expected != written
    {
        return Err(DownloadError::SizeMismatch {
            expected,
            got: written,
        });
    }
    if written == 0 {
        return Err(DownloadError::Empty);
    }
    let duration = match meter {
        Some(meter) => Some(check_length(meter, target.duration).await?),
        None => None,
    };
    let sha256 = digest
        .finish()
        .await
        .map_err(|e| io(std::io::Error::other(e)))?;
    let file_name = format!("{stem}.{extension}");
    let path = dir.join(&file_name);
    tokio::fs::rename(&temp.path, &path).await.map_err(io)?;
    temp.placed = true;
    let source_url = crate::redact::url(url);
    let completion = Completion {
        file: file_name,
        bytes: written,
        sha256: sha256.clone(),
        duration_ms: duration.map(|d| d.as_millis() as u64),
        source: target.source,
        source_url: source_url.clone(),
    };
    write_record(dir, stem, &completion)
        .await
        .map_err(self::io(dir))?;
    on_event(&DownloadEvent::Finished {
        path: path.clone(),
        bytes: written,
    });
    Ok(Saved {
        path,
        bytes: written,
        sha256,
        duration,
        source: target.source,
        source_url,
        already_there: false,
        duplicate_of: None,
    })
}

/// How long the file `meter` read plays, refused when it is not audio or
/// plays under 90 % of `expected`.
async fn check_length(
    meter: Tap<Result<Duration, String>>,
    expected: Option<Duration>,
) -> Result<Duration, DownloadError> {
    let length = meter
        .finish()
        .await
        .and_then(|length| length)
        .map_err(|reason| DownloadError::NotAudio { reason })?;
    if let Some(expected) = expected
        && length.as_secs_f64() < expected.as_secs_f64() * audio::MIN_SHARE
    {
        return Err(DownloadError::TooShort {
            plays_ms: length.as_millis() as u64,
            expected_ms: expected.as_millis() as u64,
        });
    }
    Ok(length)
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> DownloadError + '_ {
    move |source| DownloadError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn check_size(size: Option<u64>, limits: Limits) -> Result<(), DownloadError> {
    match size {
        Some(size) if size > limits.max_bytes => Err(DownloadError::TooLarge {
            limit: limits.max_bytes,
        }),
        _ => Ok(()),
    }
}

/// Asks for the rest of the file from `from`: only the same file continues
/// (`If-Range`); a changed one, or one without a validator, comes whole. A
/// request that fails before any answer (the cut connection was the one
/// the pool offered) is sent again, a few times.
async fn reopen(
    http: &reqwest::Client,
    url: &Url,
    from: u64,
    validator: Option<&str>,
) -> Result<reqwest::Response, DownloadError> {
    let mut tries = 0;
    loop {
        let mut request = http.get(url.clone());
        if let Some(validator) = validator {
            request = request
                .header(RANGE, format!("bytes={from}-"))
                .header(IF_RANGE, validator);
        }
        match send(request).await {
            Err(Refusal::Redirect(reason)) => return Err(DownloadError::Redirect { reason }),
            Err(Refusal::Failed(source)) if tries < 3 => {
                tracing::debug!(error = %source, tries, "file request failed before an answer; sending it again");
                tries += 1;
                tokio::time::sleep(std::time::Duration::from_millis(100 << tries)).await;
            }
            Err(Refusal::Failed(source)) => return Err(DownloadError::Cut { source }),
            Ok(response) => return Ok(response),
        }
    }
}

/// Why a request got no answer.
enum Refusal {
    /// A redirect the policy did not follow.
    Redirect(String),
    /// The request failed (without the URL).
    Failed(reqwest::Error),
}

async fn send(request: reqwest::RequestBuilder) -> Result<reqwest::Response, Refusal> {
    request.send().await.map_err(|e| {
        if e.is_redirect() {
            Refusal::Redirect(crate::file_http::reason(&e))
        } else {
            Refusal::Failed(e.without_url())
        }
    })
}

fn header(response: &reqwest::Response, name: reqwest::header::HeaderName) -> Option<String> {
    response
        .headers()
        .get(name)?
        .to_str()
        .ok()
        .map(str::to_owned)
}

fn content_length(response: &reqwest::Response) -> Option<u64> {
    header(response, CONTENT_LENGTH)?.trim().parse().ok()
}

/// `Content-Range: bytes <start>-<end>/<total>`: the start.
fn starts_at(response: &reqwest::Response) -> Option<u64> {
    let range = header(response, CONTENT_RANGE)?;
    let spec = range.trim().strip_prefix("bytes ")?;
    spec.split('-').next()?.trim().parse().ok()
}

/// The total of a `Content-Range`, when known (not `*`).
fn range_total(response: &reqwest::Response) -> Option<u64> {
    let range = header(response, CONTENT_RANGE)?;
    range.rsplit('/').next()?.trim().parse().ok()
}
