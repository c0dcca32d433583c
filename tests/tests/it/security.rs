//! Security properties, each named after what it proves: the key never
//! leaks (Debug, errors, tracing at TRACE, redirects), plain http is only
//! for loopback, task ids cannot reshape the request, and answers too large
//! to be a record are refused without being read whole.

use std::io::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use kie_suno::mock::{MockServer, Script};
use kie_suno::wait::{PollPolicy, WaitError};
use kie_suno::{ApiKey, Client, Error};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const KEY: &str = "sk-sec-3a9f1c0e77d24b18";

async fn server() -> MockServer {
    MockServer::builder()
        .api_key(KEY)
        .start()
        .await
        .expect("mock")
}

fn client_for(url: &str) -> Client {
    Client::builder()
        .api_key(ApiKey::new(KEY).expect("key"))
        .base_url(url)
        .build()
        .expect("client")
}

/// A `MakeWriter` that appends every log line to a shared buffer.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("lock").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Captured {
        self.clone()
    }
}

#[tokio::test(flavor = "current_thread")]
async fn key_is_absent_from_trace_logs_of_a_full_wait() {
    let logs = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(logs.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let server = server().await;
    server.add_task(
        "t",
        "TEXT_SUCCESS@200ms,FIRST_SUCCESS@400ms,SUCCESS@700ms"
            .parse::<Script>()
            .expect("script"),
    );
    let policy = PollPolicy::default()
        .initial_delay(Duration::from_millis(100))
        .base_delay(Duration::from_millis(200))
        .lifecycle(None);
    client_for(server.url())
        .wait("t")
        .policy(policy)
        .await
        .expect("completes");
    let wrong = Client::builder()
        .api_key(ApiKey::new("sk-wrong-0000").expect("key"))
        .base_url(server.url())
        .build()
        .expect("client");
    let _ = wrong.wait("t").await;

    let text = String::from_utf8(logs.0.lock().expect("lock").clone()).expect("utf-8");
    assert!(
        text.contains("kie_suno::wait") && text.contains("polled"),
        "logs were captured:\n{text}"
    );
    assert!(
        !text.contains(KEY) && !text.contains("sk-wrong-0000"),
        "key in logs:\n{text}"
    );
}

#[tokio::test]
async fn key_is_absent_from_debug_and_display_of_client_config_and_errors() {
    let server = server().await;
    let builder = Client::builder()
        .api_key(ApiKey::new(KEY).expect("key"))
        .base_url(server.url());
    let mut texts = vec![format!("{builder:?}")];
    let client = builder.build().expect("client");
    texts.push(format!("{client:?}"));
    texts.push(format!("{:?}", client.generated()));
    let wait_error = client
        .wait("nope")
        .deadline(Duration::from_millis(500))
        .await
        .expect_err("not found");
    texts.push(wait_error.to_string());
    texts.push(format!("{wait_error:?}"));
    let timed_out = client
        .wait("slow")
        .deadline(Duration::from_millis(10))
        .await;
    texts.push(format!("{timed_out:?}"));
    for text in &texts {
        assert!(!text.contains(KEY), "key in {text}");
    }
}

#[tokio::test]
async fn authorization_is_not_sent_across_a_redirect_to_another_origin() {
    let target = server().await;
    target.add_task("t", Script::success(Duration::from_secs(60)));
    let to = format!("{}/api/v1/generate/record-info?taskId=t", target.url());
    let app = axum::Router::new().route(
        "/api/v1/generate/record-info",
        axum::routing::get(move || async move { axum::response::Redirect::temporary(&to) }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let origin = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });

    let _ = client_for(&origin).task("t").await;
    let requests = target.requests();
    assert_eq!(requests.len(), 1, "the redirect was followed");
    assert!(
        !requests[0]
            .header_names
            .iter()
            .any(|h| h == "authorization"),
        "{:?}",
        requests[0].header_names
    );
    assert!(!requests[0].authorized);
}

#[test]
fn plain_http_base_url_to_a_remote_host_is_refused_before_any_connection() {
    for url in [
        "http://api.kie.ai",
        "http://10.0.0.1:8080",
        "http://example.com/proxy",
    ] {
        let e = Client::builder()
            .api_key(ApiKey::new(KEY).expect("key"))
            .base_url(url)
            .build()
            .expect_err("refused at build time, so nothing can connect");
        assert!(matches!(e, Error::InvalidBaseUrl { .. }), "{url}: {e}");
    }
    for url in [
        "http://127.0.0.1:1",
        "http://localhost:1",
        "http://[::1]:1",
        "https://api.kie.ai",
    ] {
        assert!(
            Client::builder()
                .api_key(ApiKey::new(KEY).expect("key"))
                .base_url(url)
                .build()
                .is_ok(),
            "{url}"
        );
    }
}

#[tokio::test]
async fn task_ids_with_reserved_characters_cannot_change_the_request() {
    let server = server().await;
    let client = client_for(server.url());
    let ids = [
        "a&taskId=b",
        "x#y",
        "../",
        "../../etc/passwd",
        "line\nbreak",
        "sp ace+plus",
        "%41",
    ];
    for id in ids {
        server.add_task(id, Script::success(Duration::from_secs(60)));
        let record = client
            .task(id)
            .await
            .unwrap_or_else(|e| panic!("{id:?}: {e}"));
        assert_eq!(record.task_id(), id);
    }
    let requests = server.requests();
    assert_eq!(
        requests.len(),
        ids.len(),
        "one request each, all on the record-info path"
    );
    for (request, id) in requests.iter().zip(ids) {
        assert_eq!(
            request.task_id.as_deref(),
            Some(id),
            "the server decoded exactly the id"
        );
        let query = request.raw_query.as_deref().expect("query");
        assert_eq!(
            query.matches("taskId=").count(),
            1,
            "one parameter: {query}"
        );
        assert!(!query.contains(['&', '#', '\n', ' ']), "encoded: {query}");
    }
    let e = client.task("").await.expect_err("empty");
    assert!(matches!(e, Error::InvalidTaskId { .. }));
}

#[tokio::test]
async fn an_untrusted_certificate_is_refused() {
    // A real TLS server with a self-signed certificate for 127.0.0.1: the
    // handshake completes only if certificates go unchecked. The client
    // must refuse it, and nothing in the builder turns the check off.
    let cert =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
            .expect("cert");
    let key =
        rustls_pki_types::PrivateKeyDer::try_from(cert.signing_key.serialize_der()).expect("key");
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let config = rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(vec![cert.cert.der().clone()], key)
        .expect("server config");
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let handshakes = Arc::new(AtomicU64::new(0));
    let completed = handshakes.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            if let Ok(mut tls) = acceptor.accept(socket).await {
                completed.fetch_add(1, Ordering::Relaxed);
                let _ = tls
                    .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}")
                    .await;
            }
        }
    });
    let e = client_for(&format!("https://127.0.0.1:{port}"))
        .task("t")
        .await
        .expect_err("refused");
    assert!(matches!(e, Error::Transport { .. }), "{e}");
    let text = e.to_string().to_lowercase();
    assert!(
        text.contains("certificate") || text.contains("unknownissuer"),
        "refused for its certificate: {e}"
    );
    assert_eq!(
        handshakes.load(Ordering::Relaxed),
        0,
        "no handshake completed"
    );
}

/// Serves an endless-looking chunked body (100 MiB of one JSON string) and
/// counts the bytes it managed to send before the client hung up.
async fn huge_body_server(total: u64) -> (String, Arc<AtomicU64>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let sent = Arc::new(AtomicU64::new(0));
    let counter = sent.clone();
    tokio::spawn(async move {
        let Ok((mut socket, _)) = listener.accept().await else {
            return;
        };
        let mut request = [0u8; 4096];
        let _ = socket.read(&mut request).await;
        let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n";
        if socket.write_all(head.as_bytes()).await.is_err() {
            return;
        }
        let mut chunk = Vec::new();
        let payload = vec![b'a'; 64 * 1024];
        write!(chunk, "{:x}\r\n", payload.len()).expect("write");
        chunk.extend_from_slice(&payload);
        chunk.extend_from_slice(b"\r\n");
        let opening = b"{\"code\":200,\"msg\":\"";
        let _ = socket
            .write_all(format!("{:x}\r\n", opening.len()).as_bytes())
            .await;
        let _ = socket.write_all(opening).await;
        let _ = socket.write_all(b"\r\n").await;
        while counter.load(Ordering::Relaxed) < total {
            if socket.write_all(&chunk).await.is_err() {
                return;
            }
            counter.fetch_add(payload.len() as u64, Ordering::Relaxed);
        }
    });
    (url, sent)
}

#[tokio::test]
async fn body_larger_than_the_cap_is_refused_without_reading_it_all() {
    const HUNDRED_MIB: u64 = 100 * 1024 * 1024;
    let (url, sent) = huge_body_server(HUNDRED_MIB).await;
    let client = client_for(&url);
    let e = client.task("t").await.expect_err("too large");
    assert!(
        matches!(e, Error::BodyTooLarge { limit } if limit == kie_suno::DEFAULT_MAX_BODY_BYTES),
        "{e}"
    );
    assert!(!e.is_retryable());
    tokio::time::sleep(Duration::from_millis(200)).await;
    let sent = sent.load(Ordering::Relaxed);
    assert!(
        sent < 32 * 1024 * 1024,
        "stopped early: {} MiB sent of 100",
        sent / (1024 * 1024)
    );
}

#[tokio::test]
async fn body_cap_is_configurable() {
    let server = server().await;
    server.add_task("t", Script::success(Duration::from_secs(60)));
    let tight = Client::builder()
        .api_key(ApiKey::new(KEY).expect("key"))
        .base_url(server.url())
        .max_body_bytes(100)
        .build()
        .expect("client");
    let e = tight
        .task("t")
        .await
        .expect_err("a record is more than 100 bytes");
    assert!(matches!(e, Error::BodyTooLarge { limit: 100 }), "{e}");
    let e = tight.wait("t").await.expect_err("a wait ends on it too");
    assert!(
        matches!(e, WaitError::Api(Error::BodyTooLarge { .. })),
        "{e}"
    );
}
