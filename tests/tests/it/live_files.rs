//! Downloads against file hosts that misbehave as live ones have: empty
//! bodies, a few seconds of a three-minute take, 403s, two takes that are
//! one file, dead streams. What is kept is whole, or nothing is.

use std::time::Duration;

use kie_suno::download::{DownloadError, RemoteFile, Source, SourceKind, TaskFiles};
use kie_suno::mock::{FileQuirks, MockBuilder, MockServer, Script};
use kie_suno::reqwest::Url;
use kie_suno::{Error, MusicRecord, TaskStatus};

async fn done_task(quirks: FileQuirks) -> (MockServer, MusicRecord) {
    let server = MockBuilder::default()
        .file_quirks(quirks)
        .start()
        .await
        .unwrap();
    server.add_task(
        "t",
        Script::pending().then(Duration::ZERO, TaskStatus::Success),
    );
    let record = server.client().unwrap().task("t").await.unwrap();
    (server, record)
}

/// Every file of `files` saved into `dir` through a client of `server`.
async fn save_all(
    server: &MockServer,
    files: Vec<RemoteFile>,
    dir: &std::path::Path,
) -> Vec<Result<kie_suno::download::Saved, Error>> {
    server.client().unwrap().downloads().all(files, dir).await
}

fn audio_files(record: &MusicRecord) -> Vec<RemoteFile> {
    record
        .files()
        .into_iter()
        .filter(|f| f.stem.ends_with("-0") || f.stem.ends_with("-1"))
        .collect()
}

#[tokio::test]
async fn an_empty_audio_url_falls_back_to_the_source_url() {
    let quirks = FileQuirks {
        empty_audio: true,
        ..FileQuirks::none()
    };
    let (server, record) = done_task(quirks).await;
    let dir = tempfile::tempdir().unwrap();
    let results = save_all(&server, audio_files(&record), dir.path()).await;
    for saved in results {
        let saved = saved.expect("saved from sourceAudioUrl");
        assert_eq!(saved.source, SourceKind::File);
        assert!(saved.source_url.contains("/files/source/"), "{saved:?}");
        assert!(saved.bytes > 0);
        assert!(saved.duration.unwrap() >= Duration::from_secs(180));
    }
}

#[tokio::test]
async fn a_take_cut_short_is_not_kept_and_the_whole_one_is() {
    let quirks = FileQuirks {
        cut_audio: true,
        ..FileQuirks::none()
    };
    let (server, record) = done_task(quirks).await;
    let dir = tempfile::tempdir().unwrap();
    let first = &audio_files(&record)[0];
    // Its own URL alone: 28 s of 180.5 is refused, and nothing is left.
    let own_only = first.clone().sources(vec![Source::File(first.url.clone())]);
    let client = server.client().unwrap();
    let e = client
        .downloads()
        .file(&own_only, dir.path())
        .await
        .expect_err("cut short");
    assert!(
        matches!(
            e,
            Error::Download {
                source: DownloadError::TooShort { .. },
                ..
            }
        ),
        "{e}"
    );
    assert!(
        e.to_string().contains("28 s where its record says 3 min"),
        "{e}"
    );
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    // With its fallbacks: the source URL's whole take.
    let saved = client.downloads().file(first, dir.path()).await.unwrap();
    assert!(
        saved.duration.unwrap() >= Duration::from_secs(180),
        "{saved:?}"
    );
}

#[tokio::test]
async fn a_refused_audio_url_falls_back_and_the_file_says_where_it_came_from() {
    let quirks = FileQuirks {
        forbidden_audio: true,
        ..FileQuirks::none()
    };
    let (server, record) = done_task(quirks).await;
    let dir = tempfile::tempdir().unwrap();
    let saved = server
        .client()
        .unwrap()
        .downloads()
        .file(&audio_files(&record)[0], dir.path())
        .await
        .unwrap();
    assert!(saved.source_url.contains("/files/source/"), "{saved:?}");
}

#[tokio::test]
async fn a_stream_is_the_last_resort_and_is_marked() {
    let quirks = FileQuirks {
        empty_audio: true,
        ..FileQuirks::none()
    };
    let (server, record) = done_task(quirks).await;
    let track = &record.tracks()[0];
    let file =
        RemoteFile::new(track.audio_url().unwrap(), track.title(), track.id()).sources(vec![
            Source::File(track.audio_url().unwrap()),
            Source::Stream(track.stream_audio_url().unwrap()),
        ]);
    let dir = tempfile::tempdir().unwrap();
    let saved = server
        .client()
        .unwrap()
        .downloads()
        .file(&file, dir.path())
        .await
        .unwrap();
    assert_eq!(saved.source, SourceKind::Stream);
}

#[tokio::test]
async fn when_every_source_fails_the_error_names_each_url_without_its_query() {
    let quirks = FileQuirks {
        empty_audio: true,
        dead_streams: true,
        ..FileQuirks::none()
    };
    let (server, record) = done_task(quirks).await;
    let track = &record.tracks()[0];
    let with_secret = |url: Url| Url::parse(&format!("{url}?X-Amz-Signature=hunter2")).unwrap();
    let audio = with_secret(track.audio_url().unwrap());
    let stream = with_secret(track.stream_audio_url().unwrap());
    let file = RemoteFile::new(audio.clone(), track.title(), track.id())
        .sources(vec![Source::File(audio), Source::Stream(stream)]);
    let dir = tempfile::tempdir().unwrap();
    let e = server
        .client()
        .unwrap()
        .downloads()
        .file(&file, dir.path())
        .await
        .expect_err("nothing whole anywhere");
    let text = e.to_string();
    assert!(text.contains("1. file http://"), "{text}");
    assert!(text.contains("2. stream http://"), "{text}");
    assert!(text.contains("empty file"), "{text}");
    assert!(!format!("{text} {e:?}").contains("hunter2"), "{text}");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[tokio::test]
async fn two_takes_with_the_same_bytes_are_reported() {
    let quirks = FileQuirks {
        identical_takes: true,
        ..FileQuirks::none()
    };
    let (server, record) = done_task(quirks).await;
    let dir = tempfile::tempdir().unwrap();
    let results = save_all(&server, audio_files(&record), dir.path()).await;
    let saved: Vec<_> = results.into_iter().map(Result::unwrap).collect();
    assert_eq!(saved.len(), 2);
    assert_eq!(saved[0].duplicate_of, None);
    assert_eq!(saved[1].duplicate_of.as_ref(), Some(&saved[0].path));
    // Without the quirk, the takes differ.
    let (server, record) = done_task(FileQuirks::none()).await;
    let dir = tempfile::tempdir().unwrap();
    let results = save_all(&server, record.files(), dir.path()).await;
    assert!(
        results
            .iter()
            .all(|r| r.as_ref().unwrap().duplicate_of.is_none())
    );
}

#[tokio::test]
async fn file_hosts_get_the_configured_user_agent() {
    use axum::http::{HeaderMap, StatusCode, header};
    use axum::response::IntoResponse;
    // A host that refuses every agent but one.
    let app = axum::Router::new().route(
        "/a.mp3",
        axum::routing::get(|headers: HeaderMap| async move {
            let agent = headers
                .get(header::USER_AGENT)
                .and_then(|v| v.to_str().ok());
            if agent == Some("my-app/1.0") {
                let body = kie_suno::mock::audio::mp3(Duration::from_secs(3));
                ([(header::CONTENT_TYPE, "audio/mpeg")], body).into_response()
            } else {
                StatusCode::FORBIDDEN.into_response()
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    let server = MockBuilder::default().start().await.unwrap();
    let url = Url::parse(&format!("http://{addr}/a.mp3")).unwrap();
    let file = RemoteFile::new(url.clone(), None, "a").sources(vec![Source::File(url)]);
    let dir = tempfile::tempdir().unwrap();
    let default = server.client().unwrap();
    let e = default
        .downloads()
        .file(&file, dir.path())
        .await
        .unwrap_err();
    assert!(e.to_string().contains("403"), "{e}");
    let named = kie_suno::Client::builder()
        .api_key(kie_suno::ApiKey::new(server.api_key()).unwrap())
        .base_url(server.url())
        .file_user_agent("my-app/1.0")
        .build()
        .unwrap();
    let saved = named.downloads().file(&file, dir.path()).await.unwrap();
    assert_eq!(saved.duration, Some(Duration::from_millis(3024)));
}
