//! Downloading the files tasks made, over loopback against a file host
//! with faults: resumes after a cut, restarts when the file changed,
//! refuses a wrong length without leaving a file, goes through the API's
//! download URL call when refused, keeps hostile names inside the
//! directory, and makes no request on a re-run.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use kie_suno::download::RemoteFile;
use kie_suno::mock::{MockBuilder, MockServer};
use kie_suno::reqwest::Url;
use kie_suno::{ApiKey, Client, Error};

const SIZE: usize = 200_000;

/// The content of file `name`, version `v`.
fn content(name: &str, version: u8) -> Vec<u8> {
    (0..SIZE)
        .map(|i| {
            (i as u8)
                .wrapping_mul(31)
                .wrapping_add(name.len() as u8)
                .wrapping_add(version)
        })
        .collect()
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

async fn file_host() -> (String, Arc<Host>) {
    let host = Arc::new(Host::default());
    let app = Router::new()
        .route("/files/{name}", get(serve))
        .route("/signed/{name}", get(signed))
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

fn names_in(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
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
    let e = client
        .downloads()
        .file(&remote(&files, "short-c", "Song"), dir.path())
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
