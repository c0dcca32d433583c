//! Measuring downloads: a loopback file server that streams N bytes
//! without holding them, the SDK's download of it against a plain reqwest
//! stream-to-file, and the peak memory of a process downloading a large
//! file.

use std::path::Path;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::Path as UrlPath;
use axum::http::header;
use axum::response::Response;
use axum::routing::get;
use futures_util::StreamExt;
use kie_suno::download::RemoteFile;
use kie_suno::reqwest::Url;
use kie_suno::{ApiKey, Client};
use tokio::io::AsyncWriteExt;

/// One MPEG-1 Layer III frame, 128 kbps, 44.1 kHz, mono: 417 bytes
/// (1152 samples, 26 ms): the rate of the live files (the cut take of
/// issue 22 held 446 KB for 28 s, 127 kbps).
fn frame() -> Vec<u8> {
    let mut frame = vec![0u8; 417];
    frame[..4].copy_from_slice(&[0xFF, 0xFB, 0x90, 0xC0]);
    frame
}

/// 157 frames (about 64 KiB).
const CHUNK: usize = 157 * 417;

/// `GET /bytes/{n}`: n bytes of MP3 frames (what the SDK checks as audio),
/// streamed chunk by chunk.
async fn bytes(UrlPath(n): UrlPath<u64>) -> Response {
    frames(n, "audio/mpeg")
}

/// `GET /unchecked/{n}`: the same bytes as a file of no known type, which
/// the SDK saves without reading its length: the verification's baseline.
async fn unchecked(UrlPath(n): UrlPath<u64>) -> Response {
    frames(n, "application/octet-stream")
}

fn frames(n: u64, content_type: &str) -> Response {
    let chunk = Bytes::from(frame().repeat(CHUNK / 417));
    let full = n / CHUNK as u64;
    let rest = (n % CHUNK as u64) as usize;
    let tail = chunk.slice(..rest);
    let chunks = futures_util::stream::iter((0..full).map(move |_| chunk.clone()))
        .chain(futures_util::stream::iter((rest > 0).then_some(tail)))
        .map(Ok::<_, std::io::Error>);
    Response::builder()
        .header(header::CONTENT_LENGTH, n)
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from_stream(chunks))
        .unwrap_or_default()
}

/// Starts the file server on loopback; its base URL.
pub async fn file_server() -> std::io::Result<String> {
    let app = Router::new()
        .route("/bytes/{n}", get(bytes))
        .route("/unchecked/{n}", get(unchecked));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok(url)
}

/// A client for downloads only (its API is never called here).
pub fn download_client() -> std::io::Result<Client> {
    Client::builder()
        .api_key(ApiKey::new("bench").map_err(std::io::Error::other)?)
        .base_url("http://127.0.0.1:9")
        .build()
        .map_err(std::io::Error::other)
}

/// Seconds for the SDK to save `url` into `dir`, and whether it got
/// `size` bytes.
pub async fn sdk_side(client: &Client, url: &str, dir: &Path, size: u64) -> (f64, bool) {
    let Ok(url) = Url::parse(url) else {
        return (f64::NAN, false);
    };
    let file = RemoteFile::new(url, None, "sdk");
    let started = Instant::now();
    let saved = client.downloads().file(&file, dir).await;
    let took = started.elapsed().as_secs_f64();
    let ok = saved.is_ok_and(|s| s.bytes == size);
    let _ = std::fs::remove_dir_all(dir);
    (took, ok)
}

/// The same by hand: a reqwest GET streamed into a file through a buffer,
/// flushed and synced (as the SDK does), then renamed into place; with
/// `checksum`, each chunk hashed (SHA-256) as it is written, as someone
/// who wants the file's checksum would write it.
pub async fn raw_side(
    http: &kie_suno::reqwest::Client,
    url: &str,
    dir: &Path,
    size: u64,
    checksum: bool,
) -> (f64, bool) {
    use sha2::Digest;
    let started = Instant::now();
    let result: Result<u64, Box<dyn std::error::Error>> = async {
        tokio::fs::create_dir_all(dir).await?;
        let temp = dir.join(".raw.part");
        let mut response = http.get(url).send().await?.error_for_status()?;
        let file = tokio::fs::File::create(&temp).await?;
        let mut out = tokio::io::BufWriter::with_capacity(256 * 1024, file);
        let mut written = 0u64;
        let mut hasher = checksum.then(sha2::Sha256::new);
        while let Some(chunk) = response.chunk().await? {
            out.write_all(&chunk).await?;
            if let Some(hasher) = &mut hasher {
                hasher.update(&chunk);
            }
            written += chunk.len() as u64;
        }
        out.flush().await?;
        out.into_inner().sync_all().await?;
        // What the checksum is for: it goes beside the file.
        if let Some(hasher) = hasher {
            let digest = hasher.finalize();
            tokio::fs::write(dir.join(".raw.sha256"), digest.as_slice()).await?;
        }
        tokio::fs::rename(&temp, dir.join("raw.mp3")).await?;
        Ok(written)
    }
    .await;
    let took = started.elapsed().as_secs_f64();
    let _ = std::fs::remove_dir_all(dir);
    (took, result.is_ok_and(|n| n == size))
}

/// In a process of its own: downloads `url` with the SDK and returns the
/// process's peak resident memory in MiB (0 where it cannot be read).
pub async fn peak_rss_of_download(url: &str, dir: &Path) -> std::io::Result<f64> {
    let client = download_client()?;
    let url = Url::parse(url).map_err(std::io::Error::other)?;
    client
        .downloads()
        .file(&RemoteFile::new(url, None, "big"), dir)
        .await
        .map_err(std::io::Error::other)?;
    let _ = std::fs::remove_dir_all(dir);
    Ok(crate::soak::peak_rss_mib())
}

/// How long a side may take before the figure is not worth waiting for.
pub const SIDE_LIMIT: Duration = Duration::from_secs(300);
