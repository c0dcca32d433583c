//! Downloading the files tasks made, over loopback against a file host
//! with faults: resumes after a cut, restarts when the file changed,
//! refuses a wrong length without leaving a file, goes through the API's
//! download URL call when refused, keeps hostile names inside the
//! directory, and makes no request on a re-run; file names that never
//! collide, completion records that a changed file fails, and the limits
//! (size cap, stalls, redirects, cancellation).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use kie_suno::download::{DownloadError, RemoteFile, Source, SourceKind};
use kie_suno::mock::{MockBuilder, MockServer};
use kie_suno::reqwest::Url;
use kie_suno::{ApiKey, Client, Error};

/// 5556 MP3 frames of 36 bytes: 200 s of (silent) audio.
const SIZE: usize = 5556 * 36;

/// The content of file `name`, version `v`: an MP3 of [`SIZE`] bytes whose
/// frames differ by name and version.
fn content(name: &str, version: u8) -> Vec<u8> {
    let seed = name.bytes().fold(u64::from(version), |h, b| {
        h.wrapping_mul(31).wrapping_add(u64::from(b))
    });
    let body =
        kie_suno::mock::audio::mp3_seeded(std::time::Duration::from_secs_f64(5555.5 * 0.036), seed);
    assert_eq!(body.len(), SIZE);
    body
}

#[derive(Default)]
struct Host {
    /// Requests per path, and whether each carried an Authorization header.
    requests: Mutex<Vec<(String, bool)>>,
    /// Files already cut once.
    cut: Mutex<HashMap<String, bool>>,
}

async fn serve(
    Path(name): Path<String>,
    State(host): State<Arc<Host>>,
    headers: HeaderMap,
) -> Response {
    file(&name, &host, &headers, false)
}

async fn signed(
    Path(name): Path<String>,
    State(host): State<Arc<Host>>,
    headers: HeaderMap,
) -> Response {
    file(&name, &host, &headers, true)
}

fn file(name: &str, host: &Host, headers: &HeaderMap, signed: bool) -> Response {
    host.requests
        .lock()
        .unwrap()
        .push((name.to_owned(), headers.contains_key(header::AUTHORIZATION)));
    if name.starts_with("forbidden") && !signed {
        return StatusCode::FORBIDDEN.into_response();
    }
    let first = !host
        .cut
        .lock()
        .unwrap()
        .insert(name.to_owned(), true)
        .unwrap_or(false);
    // A changed file is version 1 once it was cut.
    let version = u8::from(name.starts_with("changed") && !first);
    let body = content(name, version);
    let etag = format!("\"{name}-v{version}\"");
    if name.starts_with("stall") {
        // 40 % of the body, then nothing, ever.
        let part = body[..SIZE * 4 / 10].to_vec();
        let first = futures_util::stream::iter([Ok::<_, std::io::Error>(part)]);
        let never = futures_util::stream::pending();
        return Response::builder()
            .header(header::CONTENT_LENGTH, SIZE)
            .header(header::CONTENT_TYPE, "audio/mpeg")
            .body(Body::from_stream(futures_util::StreamExt::chain(
                first, never,
            )))
            .unwrap();
    }
    if name.starts_with("endless") {
        // No declared length, and more than any cap a test sets.
        let chunks =
            futures_util::stream::iter((0..50).map(move |_| Ok::<_, std::io::Error>(body.clone())));
        return Response::builder()
            .header(header::CONTENT_TYPE, "audio/mpeg")
            .body(Body::from_stream(chunks))
            .unwrap();
    }
    let wants_cut =
        (name.starts_with("cut") || name.starts_with("changed") || name.starts_with("short"))
            && first;
    let range_from = headers
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| r.strip_prefix("bytes="))
        .and_then(|r| r.trim_end_matches('-').parse::<usize>().ok());
    let if_range_ok = headers
        .get(header::IF_RANGE)
        .is_some_and(|v| v.to_str().ok() == Some(etag.as_str()));
    if let (Some(from), true) = (range_from, if_range_ok) {
        // A short file lies about its total on resume.
        let total = if name.starts_with("short") {
            SIZE + 500
        } else {
            SIZE
        };
        let rest = body[from..].to_vec();
        return Response::builder()
            .status(StatusCode::PARTIAL_CONTENT)
            .header(
                header::CONTENT_RANGE,
                format!("bytes {from}-{}/{total}", SIZE - 1),
            )
            .header(header::CONTENT_LENGTH, rest.len())
            .header(header::ETAG, &etag)
            .header(header::CONTENT_TYPE, "audio/mpeg")
            .body(Body::from(rest))
            .unwrap();
    }
    let builder = Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_LENGTH, SIZE)
        .header(header::ETAG, &etag)
        .header(header::CONTENT_TYPE, "audio/mpeg");
    if wants_cut {
        // 40 % of the body, sent and flushed, then the connection is cut.
        let part = body[..SIZE * 4 / 10].to_vec();
        let first = futures_util::stream::iter([Ok::<_, std::io::Error>(part)]);
        let cut = futures_util::stream::once(async {
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            Err(std::io::Error::new(
                std::io::ErrorKind::ConnectionReset,
                "cut",
            ))
        });
        return builder
            .body(Body::from_stream(futures_util::StreamExt::chain(
                first, cut,
            )))
            .unwrap();
    }
    builder.body(Body::from(body)).unwrap()
}

/// A redirect to `http://<target>`.
async fn redirect_to(Path(target): Path<String>) -> Response {
    (
        StatusCode::FOUND,
        [(header::LOCATION, format!("http://{target}"))],
    )
        .into_response()
}

/// `n` redirects before the file.
async fn hops(Path(n): Path<u32>, headers: HeaderMap) -> Response {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    let next = match n {
        0 => format!("http://{host}/files/plain-hops"),
        n => format!("http://{host}/hops/{}", n - 1),
    };
    (StatusCode::FOUND, [(header::LOCATION, next)]).into_response()
}

async fn file_host() -> (String, Arc<Host>) {
    let host = Arc::new(Host::default());
    let app = Router::new()
        .route("/files/{name}", get(serve))
        .route("/signed/{name}", get(signed))
        .route("/to/{*target}", get(redirect_to))
        .route("/hops/{n}", get(hops))
        .with_state(host.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, host)
}

async fn setup() -> (MockServer, Client, String, Arc<Host>, tempfile::TempDir) {
    let (files, host) = file_host().await;
    let server = MockBuilder::default()
        .download_links(&files)
        .start()
        .await
        .unwrap();
    let client = Client::builder()
        .api_key(ApiKey::new(server.api_key()).unwrap())
        .base_url(server.url())
        .build()
        .unwrap();
    (server, client, files, host, tempfile::tempdir().unwrap())
}

fn remote(files: &str, name: &str, title: &str) -> RemoteFile {
    RemoteFile::new(
        Url::parse(&format!("{files}/files/{name}")).unwrap(),
        Some(title),
        name,
    )
}

/// The files in `dir` but the completion records (`.<stem>.done`), which
/// sit beside every saved file.
fn names_in(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| !(name.starts_with('.') && name.ends_with(".done")))
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn a_cut_at_40_percent_resumes_and_the_bytes_match() {
    let (_server, client, files, host, dir) = setup().await;
    let saved = client
        .downloads()
        .file(&remote(&files, "cut-a", "Song"), dir.path())
        .await;
    let saved = saved.unwrap_or_else(|e| panic!("{e:?} after {:?}", host.requests.lock().unwrap()));
    assert_eq!(saved.bytes, SIZE as u64);
    assert_eq!(std::fs::read(&saved.path).unwrap(), content("cut-a", 0));
    assert_eq!(saved.path.file_name().unwrap(), "Song-cut-a.mp3");
    assert_eq!(
        host.requests.lock().unwrap().len(),
        2,
        "one cut, one resume"
    );
    assert_eq!(
        names_in(dir.path()),
        ["Song-cut-a.mp3"],
        "no temporary file left"
    );
}

#[tokio::test]
async fn a_file_that_changed_is_fetched_again_from_the_start() {
    let (_server, client, files, _host, dir) = setup().await;
    let saved = client
        .downloads()
        .file(&remote(&files, "changed-b", "Song"), dir.path())
        .await
        .expect("saved");
    assert_eq!(
        std::fs::read(&saved.path).unwrap(),
        content("changed-b", 1),
        "the new version, whole"
    );
}

#[tokio::test]
async fn a_wrong_length_is_an_error_and_leaves_no_file() {
    let (_server, client, files, _host, dir) = setup().await;
    // Its own URL only: the wrong length is the end.
    let own = remote(&files, "short-c", "Song");
    let own_only = own.clone().sources(vec![Source::File(own.url.clone())]);
    let e = client
        .downloads()
        .file(&own_only, dir.path())
        .await
        .expect_err("wrong length");
    assert!(
        matches!(
            e,
            Error::Download {
                source: kie_suno::download::DownloadError::SizeMismatch { .. },
                ..
            }
        ),
        "{e}"
    );
    assert!(
        names_in(dir.path()).is_empty(),
        "{:?}",
        names_in(dir.path())
    );
    // With the default sources, a download link gives the whole file.
    let saved = client
        .downloads()
        .file(&remote(&files, "short-d", "Song"), dir.path())
        .await
        .expect("the download link gives it whole");
    assert_eq!(saved.source, SourceKind::DownloadLink);
    assert_eq!(std::fs::read(&saved.path).unwrap(), content("short-d", 0));
}

#[tokio::test]
async fn a_refused_file_is_fetched_through_the_download_url_call() {
    let (server, client, files, host, dir) = setup().await;
    let saved = client
        .downloads()
        .file(&remote(&files, "forbidden-d", "Song"), dir.path())
        .await
        .expect("saved through a fresh link");
    assert_eq!(
        std::fs::read(&saved.path).unwrap(),
        content("forbidden-d", 0)
    );
    assert!(
        server
            .requests()
            .iter()
            .any(|r| r.operation == "download-url")
    );
    assert_eq!(
        host.requests.lock().unwrap().len(),
        2,
        "refused, then the signed link"
    );
}

#[tokio::test]
async fn the_api_key_is_never_sent_to_the_file_host() {
    let (_server, client, files, host, dir) = setup().await;
    client
        .downloads()
        .file(&remote(&files, "forbidden-e", "Song"), dir.path())
        .await
        .expect("saved");
    let requests = host.requests.lock().unwrap();
    assert!(!requests.is_empty());
    assert!(requests.iter().all(|(_, auth)| !auth), "{requests:?}");
}

#[tokio::test]
async fn hostile_titles_stay_inside_the_directory() {
    let (_server, client, files, _host, dir) = setup().await;
    let hostile = [
        "../../etc/passwd",
        "CON",
        &"🎵".repeat(75),
        "a\u{1}b\nc",
        "..",
        "/abs/path",
    ];
    let list: Vec<RemoteFile> = hostile
        .iter()
        .enumerate()
        .map(|(i, title)| remote(&files, &format!("plain-{i}"), title))
        .collect();
    let results = client.downloads().all(list, dir.path()).await;
    for result in results {
        let saved = result.expect("saved");
        assert_eq!(
            saved.path.parent(),
            Some(dir.path()),
            "{}",
            saved.path.display()
        );
    }
    assert_eq!(names_in(dir.path()).len(), hostile.len());
}

#[tokio::test]
async fn a_rerun_makes_no_file_requests() {
    let (_server, client, files, host, dir) = setup().await;
    let list: Vec<RemoteFile> = (0..5)
        .map(|i| remote(&files, &format!("plain-{i}"), "Take"))
        .collect();
    for result in client.downloads().all(list.clone(), dir.path()).await {
        assert!(!result.expect("saved").already_there);
    }
    let before = host.requests.lock().unwrap().len();
    for result in client.downloads().all(list, dir.path()).await {
        assert!(result.expect("found").already_there);
    }
    assert_eq!(
        host.requests.lock().unwrap().len(),
        before,
        "nothing requested again"
    );
}

#[tokio::test]
async fn plain_http_to_a_remote_host_is_refused() {
    let (_server, client, _files, _host, dir) = setup().await;
    let file = RemoteFile::new(Url::parse("http://cdn.example/a.mp3").unwrap(), None, "a");
    let e = client
        .downloads()
        .file(&file, dir.path())
        .await
        .expect_err("refused");
    assert!(
        matches!(
            e,
            Error::Download {
                source: kie_suno::download::DownloadError::Insecure,
                ..
            }
        ),
        "{e}"
    );
}

/// A title of 40 CJK characters and one of 25 music emoji, within the
/// provider's 80-character rule.
fn long_titles() -> [String; 2] {
    ["夜".repeat(40), "🎵".repeat(25)]
}

#[tokio::test]
async fn two_tracks_with_a_long_title_keep_four_files() {
    let (_server, client, files, _host, dir) = setup().await;
    for (n, title) in long_titles().into_iter().enumerate() {
        let dir = dir.path().join(n.to_string());
        // As a music record names them: each track's audio and cover.
        let list: Vec<RemoteFile> = ["8551be0c-0001", "8551be0c-0002"]
            .iter()
            .flat_map(|id| {
                let url = |name: &str| Url::parse(&format!("{files}/files/{name}")).unwrap();
                [
                    RemoteFile::new(url(&format!("plain-{id}")), Some(&title), id),
                    RemoteFile::new(
                        url(&format!("cover-{id}")),
                        Some(&title),
                        &format!("{id}-cover"),
                    ),
                ]
            })
            .collect();
        for result in client.downloads().all(list.clone(), &dir).await {
            assert!(!result.expect("saved").already_there);
        }
        assert_eq!(names_in(&dir).len(), 4, "{:?}", names_in(&dir));
        for (file, name) in list.iter().zip([
            "plain-8551be0c-0001",
            "cover-8551be0c-0001",
            "plain-8551be0c-0002",
            "cover-8551be0c-0002",
        ]) {
            let path = dir.join(format!("{}.mp3", file.stem));
            assert_eq!(
                std::fs::read(&path).unwrap(),
                content(name, 0),
                "{}",
                path.display()
            );
        }
    }
}

#[tokio::test]
async fn a_file_that_no_longer_matches_its_record_is_fetched_again() {
    let (_server, client, files, host, dir) = setup().await;
    let file = remote(&files, "plain-m", "Take");
    let saved = client
        .downloads()
        .file(&file, dir.path())
        .await
        .expect("saved");
    // Cut short by something else, then a stranger with the same stem.
    std::fs::write(&saved.path, b"short").unwrap();
    std::fs::write(dir.path().join("Take-plain-m.txt"), b"not ours").unwrap();
    let again = client
        .downloads()
        .file(&file, dir.path())
        .await
        .expect("saved again");
    assert!(!again.already_there, "a damaged file is not complete");
    assert_eq!(std::fs::read(&again.path).unwrap(), content("plain-m", 0));
    assert_eq!(host.requests.lock().unwrap().len(), 2);
    // Same size, other bytes: the checksum tells.
    let mut bytes = content("plain-m", 0);
    bytes[7] ^= 1;
    std::fs::write(&saved.path, &bytes).unwrap();
    let third = client
        .downloads()
        .file(&file, dir.path())
        .await
        .expect("saved");
    assert!(!third.already_there);
    assert_eq!(std::fs::read(&third.path).unwrap(), content("plain-m", 0));
    assert_eq!(
        std::fs::read(dir.path().join("Take-plain-m.txt")).unwrap(),
        b"not ours"
    );
}

#[tokio::test]
async fn two_downloads_of_one_file_at_once_never_write_into_one_another() {
    let (_server, client, files, _host, dir) = setup().await;
    let list: Vec<RemoteFile> = (0..6).map(|_| remote(&files, "cut-same", "Same")).collect();
    let (first, second) = (client.downloads(), client.downloads());
    let (a, b) = tokio::join!(
        first.all(list.clone(), dir.path()),
        second.all(list, dir.path()),
    );
    for result in a.into_iter().chain(b) {
        let saved = result.expect("saved");
        assert_eq!(std::fs::read(&saved.path).unwrap(), content("cut-same", 0));
    }
    assert_eq!(names_in(dir.path()), ["Same-cut-same.mp3"]);
}

/// Downloads `file` with `downloads`, which must fail and leave nothing
/// in `dir`; returns the error's message and why.
async fn failure(
    downloads: kie_suno::download::Downloads,
    file: &RemoteFile,
    dir: &std::path::Path,
) -> (String, DownloadError) {
    let e = downloads.file(file, dir).await.expect_err("fails");
    assert!(names_in(dir).is_empty(), "left behind: {:?}", names_in(dir));
    let message = e.to_string();
    match e {
        Error::Download { source, .. } => (message, source),
        other => panic!("not a download error: {other}"),
    }
}

#[tokio::test]
async fn a_file_over_the_size_cap_is_refused_and_leaves_nothing() {
    let (_server, client, files, _host, dir) = setup().await;
    for name in ["plain-big", "endless-big"] {
        let cap = SIZE as u64 - 1;
        let downloads = client.downloads().max_file_size(cap);
        let (message, why) = failure(downloads, &remote(&files, name, "Big"), dir.path()).await;
        assert!(
            matches!(why, DownloadError::TooLarge { limit } if limit == cap),
            "{name}: {message}"
        );
        assert!(message.contains(name), "names the file: {message}");
    }
}

#[tokio::test]
async fn a_host_that_stops_sending_is_resumed_then_given_up() {
    let (_server, client, files, host, dir) = setup().await;
    let downloads = client
        .downloads()
        .stall_timeout(std::time::Duration::from_millis(150));
    let (message, why) = failure(downloads, &remote(&files, "stall-s", "Slow"), dir.path()).await;
    assert!(matches!(why, DownloadError::Stalled { .. }), "{message}");
    assert_eq!(
        host.requests.lock().unwrap().len(),
        6,
        "the first try and 5 resumes"
    );
}

#[tokio::test]
async fn a_file_that_takes_longer_than_its_limit_is_given_up() {
    let (_server, client, files, _host, dir) = setup().await;
    let downloads = client
        .downloads()
        .file_timeout(std::time::Duration::from_millis(300));
    let (message, why) = failure(downloads, &remote(&files, "stall-t", "Slow"), dir.path()).await;
    assert!(matches!(why, DownloadError::TimedOut { .. }), "{message}");
}

#[tokio::test]
async fn a_cancelled_download_leaves_no_partial_file() {
    let (_server, client, files, _host, dir) = setup().await;
    let list = vec![
        remote(&files, "stall-c", "A"),
        remote(&files, "stall-d", "B"),
    ];
    let downloads = client.downloads();
    let cancelled = tokio::time::timeout(
        std::time::Duration::from_millis(300),
        downloads.all(list, dir.path()),
    )
    .await;
    assert!(cancelled.is_err(), "still running when cancelled");
    let left: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

#[tokio::test]
async fn redirects_into_a_private_network_or_past_five_hops_are_refused() {
    let (_server, client, files, _host, dir) = setup().await;
    let refused = |path: &str| {
        let file = RemoteFile::new(Url::parse(&format!("{files}{path}")).unwrap(), None, "r");
        let client = client.clone();
        let dir = dir.path().to_path_buf();
        async move { client.downloads().file(&file, &dir).await }
    };
    for (path, says) in [
        (
            "/to/169.254.169.254/latest/meta-data",
            "private network or a link-local",
        ),
        ("/to/10.0.0.1/file.mp3", "private network or a link-local"),
        ("/to/cdn.example/file.mp3", "plain http off this machine"),
        ("/hops/5", "more than 5 redirects"),
    ] {
        let e = refused(path).await.expect_err(path);
        assert!(
            matches!(
                &e,
                Error::Download {
                    source: kie_suno::download::DownloadError::Redirect { .. },
                    ..
                }
            ),
            "{path}: {e:?}"
        );
        assert!(e.to_string().contains(says), "{path}: {e}");
    }
    let saved = refused("/hops/4").await.expect("5 redirects are followed");
    assert_eq!(
        std::fs::read(&saved.path).unwrap(),
        content("plain-hops", 0)
    );
}

#[tokio::test]
async fn no_signed_query_reaches_an_error_message() {
    let (_server, client, _files, _host, dir) = setup().await;
    // A port nothing listens on: the connection fails.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let url = format!("http://user:hunter2@127.0.0.1:{port}/a.mp3?X-Amz-Signature=hunter2");
    let file = RemoteFile::new(Url::parse(&url).unwrap(), None, "a");
    let e = client
        .downloads()
        .file(&file, dir.path())
        .await
        .expect_err("refused");
    let shown = format!(
        "{e} | {e:?} | {:?}",
        std::error::Error::source(&e).map(|s| s.to_string())
    );
    assert!(!shown.contains("hunter2"), "{shown}");
    assert!(shown.contains("a.mp3"), "still names the file: {shown}");
}

#[tokio::test]
async fn a_dead_processs_temporary_file_goes_when_the_file_is_already_there() {
    let (_server, client, files, _host, dir) = setup().await;
    let file = remote(&files, "plain-o", "Twice");
    client
        .downloads()
        .file(&file, dir.path())
        .await
        .expect("saved");
    // A second fetch of the same file, by a worker killed mid-way.
    let orphan = dir
        .path()
        .join(format!(".{}.00000000deadbeef.part", file.stem));
    std::fs::write(&orphan, b"half a file").unwrap();
    let again = client
        .downloads()
        .file(&file, dir.path())
        .await
        .expect("there");
    assert!(again.already_there, "nothing fetched");
    assert!(!orphan.exists(), "the dead process's file is gone");
}

#[tokio::test]
async fn temporary_files_a_dead_process_left_are_removed_and_live_ones_kept() {
    let (_server, client, files, _host, dir) = setup().await;
    let file = remote(&files, "plain-o", "Orphan");
    // As a worker killed mid-download leaves it: nobody holds it.
    let orphan = dir
        .path()
        .join(format!(".{}.00000000deadbeef.part", file.stem));
    std::fs::write(&orphan, b"half a file").unwrap();
    // Another process's download of the same file, at work: held.
    let live = dir
        .path()
        .join(format!(".{}.00000000a11ea11e.part", file.stem));
    let held = std::fs::File::create(&live).unwrap();
    held.try_lock().expect("lock");
    let saved = client
        .downloads()
        .file(&file, dir.path())
        .await
        .expect("saved");
    assert_eq!(std::fs::read(&saved.path).unwrap(), content("plain-o", 0));
    assert!(!orphan.exists(), "the dead process's file is gone");
    assert!(live.exists(), "a live writer's file is left alone");
}
