//! The mock over HTTP: an axum server on 127.0.0.1 in front of [`MockApi`].

use std::net::SocketAddr;
use std::ops::Deref;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use bytes::Bytes;

use super::account::{CREATE_OPERATIONS, CreateOperation};
use super::api::MockApi;
use super::builder::MockBuilder;
use super::calls::CALLS;
use super::reply::Reply;
use crate::kind::TaskKind;

/// A running mock of the API over HTTP. Stops serving when dropped; its
/// state (tasks, log, counters) is the [`MockApi`] it dereferences to.
pub struct MockServer {
    addr: SocketAddr,
    url: String,
    api: Arc<MockApi>,
    serving: tokio::task::JoinHandle<()>,
}

impl std::fmt::Debug for MockServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MockServer")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        self.serving.abort();
    }
}

impl Deref for MockServer {
    type Target = MockApi;
    fn deref(&self) -> &MockApi {
        &self.api
    }
}

impl MockBuilder {
    /// Binds the port and serves HTTP on the current tokio runtime.
    pub async fn start(self) -> std::io::Result<MockServer> {
        let port = self.port;
        MockServer::serve(MockApi::new(self), port).await
    }
}

impl MockServer {
    /// A mock with the default settings on a free port.
    pub async fn start() -> std::io::Result<MockServer> {
        MockBuilder::default().start().await
    }

    /// Settings for a mock.
    pub fn builder() -> MockBuilder {
        MockBuilder::default()
    }

    pub(crate) async fn serve(api: Arc<MockApi>, port: u16) -> std::io::Result<MockServer> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
        let addr = listener.local_addr()?;
        let _ = api.files_base.set(format!("http://{addr}/files"));
        let _ = api.download_base.set(format!("http://{addr}"));
        let app = routes(api.clone());
        let serving = tokio::spawn(async move {
            // Ends only when the task is aborted (MockServer's drop).
            let _ = axum::serve(listener, app).await;
        });
        Ok(MockServer {
            addr,
            url: format!("http://{addr}"),
            api,
            serving,
        })
    }

    /// The base URL, e.g. `http://127.0.0.1:41234`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The address the mock listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// A client of this mock, with its key, ready to create: its
    /// callback URL is the mock's own inbox (`<url>/callbacks`, which
    /// answers every delivery with 200).
    pub fn client(&self) -> Result<crate::Client, crate::Error> {
        self.client_builder()?.build()
    }

    /// The settings of [`MockServer::client`], to add to (a journal, a
    /// create limit) before building.
    pub fn client_builder(&self) -> Result<crate::ClientBuilder, crate::Error> {
        Ok(crate::Client::builder()
            .api_key(crate::ApiKey::new(self.api_key())?)
            .base_url(&self.url)
            .callback_url(format!("{}/callbacks", self.url)))
    }
}

/// Every endpoint the mock answers, over HTTP or in memory: each kind's
/// details, every create operation, and the account's credits.
pub(crate) fn routes(api: Arc<MockApi>) -> Router {
    let mut router = Router::new()
        .route("/api/v1/chat/credit", get(credits))
        // The inbox of `MockServer::client()`'s callbacks.
        .route("/callbacks", post(|| async { "ok" }))
        .route("/callbacks/{*rest}", post(|| async { "ok" }))
        .route(
            "/files/{*path}",
            get(
                |State(api): State<Arc<MockApi>>, Path(path): Path<String>| async move {
                    super::files::serve(api.file_quirks(), &path, false)
                },
            ),
        )
        .route(
            "/signed/{name}",
            get(
                |State(api): State<Arc<MockApi>>, Path(name): Path<String>| async move {
                    super::files::serve(api.file_quirks(), &name, true)
                },
            ),
        );
    for kind in TaskKind::ALL {
        router = router.route(
            kind.details_path(),
            get(move |state, query, headers| details(kind, state, query, headers)),
        );
    }
    for operation in CREATE_OPERATIONS {
        router = router.route(
            operation.path,
            post(move |state, headers, body| create(operation, state, headers, body)),
        );
    }
    for call in CALLS {
        router = router.route(
            call.0,
            post(
                move |State(api): State<Arc<MockApi>>, headers: HeaderMap, body: Bytes| async move {
                    let authorized = authorized(&api, &headers);
                    response(api.handle_call(*call, authorized, &body, header_names(&headers)))
                },
            ),
        );
    }
    router.with_state(api)
}

fn authorized(api: &MockApi, headers: &HeaderMap) -> bool {
    let expected = format!("Bearer {}", api.api_key());
    headers
        .get(header::AUTHORIZATION)
        .is_some_and(|v| v.as_bytes() == expected.as_bytes())
}

fn header_names(headers: &HeaderMap) -> Vec<String> {
    headers.keys().map(|k| k.as_str().to_owned()).collect()
}

async fn create(
    operation: &'static CreateOperation,
    State(api): State<Arc<MockApi>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let authorized = authorized(&api, &headers);
    let reply = api
        .handle_create(operation, authorized, &body, header_names(&headers))
        .await;
    response(reply)
}

async fn credits(State(api): State<Arc<MockApi>>, headers: HeaderMap) -> Response {
    let authorized = authorized(&api, &headers);
    response(api.handle_credits(authorized, header_names(&headers)))
}

async fn details(
    kind: TaskKind,
    State(api): State<Arc<MockApi>>,
    RawQuery(raw_query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let task_id = raw_query.as_deref().and_then(|q| {
        url::form_urlencoded::parse(q.as_bytes())
            .find(|(k, _)| k == "taskId")
            .map(|(_, v)| v.into_owned())
    });
    let authorized = authorized(&api, &headers);
    let reply = api
        .handle(kind, authorized, task_id, raw_query, header_names(&headers))
        .await;
    response(reply)
}

const ERROR_PAGE: &str = "<html><head><title>{status}</title></head>\
<body><center><h1>{status}</h1></center><hr><center>nginx</center></body></html>";

fn response(reply: Reply) -> Response {
    match reply {
        Reply::Json {
            body,
            retry_after_secs,
        } => {
            let mut response = (
                StatusCode::OK,
                [(header::CONTENT_TYPE, "application/json")],
                body,
            )
                .into_response();
            if let Some(secs) = retry_after_secs {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(secs));
            }
            response
        }
        Reply::Html { status } => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let page = ERROR_PAGE.replace("{status}", &status.to_string());
            (status, [(header::CONTENT_TYPE, "text/html")], page).into_response()
        }
        Reply::CloseMidBody { full } => {
            // Announce the full body, send half, then fail the stream: hyper
            // closes the connection mid-body.
            let half = full.as_bytes()[..full.len() / 2].to_vec();
            let chunks: Vec<Result<Vec<u8>, std::io::Error>> = vec![
                Ok(half),
                Err(std::io::Error::new(
                    std::io::ErrorKind::ConnectionReset,
                    "injected",
                )),
            ];
            let mut response = Response::new(Body::from_stream(futures_util::stream::iter(chunks)));
            response
                .headers_mut()
                .insert(header::CONTENT_LENGTH, HeaderValue::from(full.len()));
            response
        }
    }
}
