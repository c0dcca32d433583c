//! Fetching one file to disk: streamed into a hidden temporary file next
//! to its final place, resumed with a range request when the connection is
//! cut (validated by the file's ETag or Last-Modified, started over when
//! the file changed), its size checked against what the server declared,
//! then flushed, synced and renamed into place. A reader never sees a
//! partial file under the final name.

use std::path::{Path, PathBuf};

use reqwest::StatusCode;
use reqwest::header::{
    CONTENT_LENGTH, CONTENT_RANGE, CONTENT_TYPE, ETAG, IF_RANGE, LAST_MODIFIED, RANGE,
};
use tokio::io::AsyncWriteExt;
use url::Url;

use super::name;
use super::{DownloadError, DownloadEvent};

/// Resumes tried after cut connections, per file.
const MAX_RESUMES: u32 = 5;
/// The write buffer: few system calls, flat memory.
const BUFFER: usize = 256 * 1024;

/// A file saved (or found complete already).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Saved {
    /// Where it is.
    pub path: PathBuf,
    /// Its size in bytes.
    pub bytes: u64,
    /// It was there already; nothing was requested.
    pub already_there: bool,
}

/// A complete file of this stem in `dir`, if one is there.
pub(crate) async fn existing(dir: &Path, stem: &str) -> Option<Saved> {
    let mut entries = tokio::fs::read_dir(dir).await.ok()?;
    while let Ok(Some(entry)) = entries.next_entry().await {
        let path = entry.path();
        let matches =
            path.file_stem().and_then(|s| s.to_str()) == Some(stem) && path.extension().is_some();
        if matches && entry.file_type().await.is_ok_and(|t| t.is_file()) {
            let bytes = entry.metadata().await.map_or(0, |m| m.len());
            return Some(Saved {
                path,
                bytes,
                already_there: true,
            });
        }
    }
    None
}

/// Downloads `url` into `dir` as `<stem>.<extension>`.
pub(crate) async fn fetch(
    http: &reqwest::Client,
    url: &Url,
    dir: &Path,
    stem: &str,
    on_event: &(dyn Fn(&DownloadEvent) + Send + Sync),
) -> Result<Saved, DownloadError> {
    let temp = dir.join(format!(".{stem}.part"));
    let result = fetch_to(http, url, dir, stem, &temp, on_event).await;
    if result.is_err() {
        // Nothing half-written stays behind.
        let _ = tokio::fs::remove_file(&temp).await;
    }
    result
}

async fn fetch_to(
    http: &reqwest::Client,
    url: &Url,
    dir: &Path,
    stem: &str,
    temp: &Path,
    on_event: &(dyn Fn(&DownloadEvent) + Send + Sync),
) -> Result<Saved, DownloadError> {
    let io = |source| DownloadError::Io {
        path: temp.to_path_buf(),
        source,
    };
    let mut response = reopen(http, url, 0, None).await?;
    let status = response.status();
    if !status.is_success() {
        return Err(DownloadError::Status {
            status: status.as_u16(),
        });
    }
    let extension = name::extension(header(&response, CONTENT_TYPE).as_deref(), url);
    let mut total = content_length(&response);
    let validator = header(&response, ETAG).or_else(|| header(&response, LAST_MODIFIED));
    let file = tokio::fs::File::create(temp).await.map_err(io)?;
    let mut out = tokio::io::BufWriter::with_capacity(BUFFER, file);
    let mut written: u64 = 0;
    let mut resumes = 0;
    on_event(&DownloadEvent::Started {
        name: stem.to_owned(),
        total,
    });
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                out.write_all(&chunk).await.map_err(io)?;
                written += chunk.len() as u64;
                // A progress event per mebibyte, not per chunk.
                if written >> 20 != (written - chunk.len() as u64) >> 20 {
                    on_event(&DownloadEvent::Progress {
                        name: stem.to_owned(),
                        bytes: written,
                        total,
                    });
                }
            }
            Ok(None) => break,
            Err(cut) if resumes < MAX_RESUMES => {
                resumes += 1;
                tracing::debug!(%cut, written, resumes, "file download cut; resuming");
                response = reopen(http, url, written, validator.as_deref()).await?;
                match response.status() {
                    StatusCode::PARTIAL_CONTENT if starts_at(&response) == Some(written) => {
                        total = range_total(&response).or(total);
                    }
                    StatusCode::OK => {
                        // Started over: the file changed, or no range support.
                        out.flush().await.map_err(io)?;
                        let file = tokio::fs::File::create(temp).await.map_err(io)?;
                        out = tokio::io::BufWriter::with_capacity(BUFFER, file);
                        written = 0;
                        total = content_length(&response);
                    }
                    other => {
                        return Err(DownloadError::Status {
                            status: other.as_u16(),
                        });
                    }
                }
            }
            Err(cut) => return Err(DownloadError::Cut { source: cut }),
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
    let path = dir.join(format!("{stem}.{extension}"));
    tokio::fs::rename(temp, &path).await.map_err(io)?;
    on_event(&DownloadEvent::Finished {
        path: path.clone(),
        bytes: written,
    });
    Ok(Saved {
        path,
        bytes: written,
        already_there: false,
    })
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
            Err(_) if tries < 3 => {
                tries += 1;
                tokio::time::sleep(std::time::Duration::from_millis(100 << tries)).await;
            }
            other => return other,
        }
    }
}

async fn send(request: reqwest::RequestBuilder) -> Result<reqwest::Response, DownloadError> {
    request
        .send()
        .await
        .map_err(|source| DownloadError::Cut { source })
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
