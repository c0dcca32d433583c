//! The mock's HTTP side: the axum router, per-task rate limiting, fault
//! injection and the request log.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use axum::Router;
use axum::body::Body;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};
use tokio::time::Instant;

use super::faults::{Fault, Faults};
use super::script::{self, Script};
use crate::status::TaskStatus;

/// Requests allowed per task in any one-second window, as on the live API.
const REQUESTS_PER_SECOND: usize = 3;
const RATE_WINDOW: Duration = Duration::from_secs(1);

/// How the mock answers a task id it does not know. The live API has
/// answered both ways.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum UnknownTask {
    /// `{"code": 200, "data": null}`.
    #[default]
    NullData,
    /// `{"code": 422, "msg": "recordInfo is null"}`.
    Code422,
}

/// What the mock answered to one request.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Answer {
    /// The task's record, with this status.
    Record(TaskStatus),
    /// The body given to [`MockServer::answer_with`].
    Canned,
    /// The id is not known.
    TaskNotFound,
    /// The bearer key was missing or wrong (401).
    Unauthorized,
    /// No `taskId` in the query (422).
    MissingTaskId,
    /// Over the per-task limit (429).
    RateLimited,
    /// An injected fault.
    Fault(Fault),
}

/// One request as the mock saw it. Header values are not kept: only names,
/// so the log never holds a key.
#[derive(Debug, Clone)]
pub struct LoggedRequest {
    /// Time since the server started.
    pub at: Duration,
    /// The decoded `taskId` query parameter.
    pub task_id: Option<String>,
    /// The query string exactly as received.
    pub raw_query: Option<String>,
    /// Names of the headers present (lowercase).
    pub header_names: Vec<String>,
    /// Whether the bearer key matched.
    pub authorized: bool,
    /// What the mock answered.
    pub answer: Answer,
}

enum Task {
    Scripted {
        script: Script,
        started: Instant,
        created: SystemTime,
    },
    /// A fixed body, served verbatim.
    Canned(String),
}

struct Shared {
    api_key: String,
    started: Instant,
    unknown_task: UnknownTask,
    faults: Faults,
    rng: Mutex<fastrand::Rng>,
    tasks: Mutex<HashMap<String, Task>>,
    recent: Mutex<HashMap<String, VecDeque<Instant>>>,
    log: Mutex<Vec<LoggedRequest>>,
    violations: AtomicU64,
}

/// Locks a mutex even if a panicking thread poisoned it: the mock's state
/// stays usable for the assertions that follow.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Settings for a [`MockServer`].
#[derive(Debug, Clone)]
pub struct MockBuilder {
    port: u16,
    api_key: String,
    faults: Faults,
    unknown_task: UnknownTask,
}

impl Default for MockBuilder {
    fn default() -> Self {
        MockBuilder {
            port: 0,
            api_key: super::DEFAULT_KEY.to_owned(),
            faults: Faults::default(),
            unknown_task: UnknownTask::default(),
        }
    }
}

impl MockBuilder {
    /// The port on 127.0.0.1 (default 0: any free port).
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// The key the mock accepts (default [`super::DEFAULT_KEY`]).
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = key.into();
        self
    }

    /// Faults to inject (default none).
    pub fn faults(mut self, faults: Faults) -> Self {
        self.faults = faults;
        self
    }

    /// How unknown task ids are answered.
    pub fn unknown_task(mut self, answer: UnknownTask) -> Self {
        self.unknown_task = answer;
        self
    }

    /// Binds the port and starts serving on the current tokio runtime.
    pub async fn start(self) -> std::io::Result<MockServer> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", self.port)).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            api_key: self.api_key,
            started: Instant::now(),
            unknown_task: self.unknown_task,
            rng: Mutex::new(fastrand::Rng::with_seed(self.faults.seed)),
            faults: self.faults,
            tasks: Mutex::default(),
            recent: Mutex::default(),
            log: Mutex::default(),
            violations: AtomicU64::new(0),
        });
        let app = Router::new()
            .route("/api/v1/generate/record-info", get(record_info))
            .with_state(shared.clone());
        let serving = tokio::spawn(async move {
            // Ends only when the task is aborted (MockServer's drop).
            let _ = axum::serve(listener, app).await;
        });
        Ok(MockServer {
            addr,
            url: format!("http://{addr}"),
            shared,
            serving,
        })
    }
}

/// A running mock of the API. Stops serving when dropped.
pub struct MockServer {
    addr: SocketAddr,
    url: String,
    shared: Arc<Shared>,
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

impl MockServer {
    /// A mock with the default settings on a free port.
    pub async fn start() -> std::io::Result<MockServer> {
        MockBuilder::default().start().await
    }

    /// Settings for a mock.
    pub fn builder() -> MockBuilder {
        MockBuilder::default()
    }

    /// The base URL, e.g. `http://127.0.0.1:41234`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The address the mock listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The key the mock accepts. A mock key, not a secret.
    pub fn api_key(&self) -> &str {
        &self.shared.api_key
    }

    /// A client of this mock, with its key.
    pub fn client(&self) -> Result<crate::Client, crate::Error> {
        crate::Client::builder()
            .api_key(crate::ApiKey::new(&self.shared.api_key)?)
            .base_url(&self.url)
            .build()
    }

    /// Adds (or restarts) a task whose lifecycle starts now.
    pub fn add_task(&self, task_id: impl Into<String>, script: Script) {
        let task = Task::Scripted {
            script,
            started: Instant::now(),
            created: SystemTime::now(),
        };
        lock(&self.shared.tasks).insert(task_id.into(), task);
    }

    /// Answers every request for `task_id` with `body`, verbatim, as HTTP
    /// 200 JSON (after the key check, rate limit and faults, like any other
    /// answer). For testing how a client takes a particular envelope.
    pub fn answer_with(&self, task_id: impl Into<String>, body: impl Into<String>) {
        lock(&self.shared.tasks).insert(task_id.into(), Task::Canned(body.into()));
    }

    /// Every request so far, in order of arrival.
    pub fn requests(&self) -> Vec<LoggedRequest> {
        lock(&self.shared.log).clone()
    }

    /// Requests beyond 3 per second for one task, so far.
    pub fn rate_violations(&self) -> u64 {
        self.shared.violations.load(Ordering::Relaxed)
    }
}

async fn record_info(
    State(shared): State<Arc<Shared>>,
    RawQuery(raw_query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let now = Instant::now();
    let task_id = raw_query.as_deref().and_then(|q| {
        url::form_urlencoded::parse(q.as_bytes())
            .find(|(k, _)| k == "taskId")
            .map(|(_, v)| v.into_owned())
    });
    let expected = format!("Bearer {}", shared.api_key);
    let authorized = headers
        .get(header::AUTHORIZATION)
        .is_some_and(|v| v.as_bytes() == expected.as_bytes());

    let (answer, response) = answer(&shared, now, authorized, task_id.as_deref()).await;
    lock(&shared.log).push(LoggedRequest {
        at: now - shared.started,
        task_id,
        raw_query,
        header_names: headers.keys().map(|k| k.as_str().to_owned()).collect(),
        authorized,
        answer,
    });
    response
}

async fn answer(
    shared: &Shared,
    now: Instant,
    authorized: bool,
    task_id: Option<&str>,
) -> (Answer, Response) {
    if !authorized {
        let body = envelope(401, "You do not have access permissions", Value::Null);
        return (
            Answer::Unauthorized,
            json_response(StatusCode::OK, body.to_string()),
        );
    }
    let Some(task_id) = task_id.filter(|id| !id.is_empty()) else {
        let body = envelope(422, "taskId is required", Value::Null);
        return (
            Answer::MissingTaskId,
            json_response(StatusCode::OK, body.to_string()),
        );
    };
    if over_rate_limit(shared, task_id, now) {
        shared.violations.fetch_add(1, Ordering::Relaxed);
        let body = envelope(429, "The call frequency is too high", Value::Null);
        let mut response = json_response(StatusCode::OK, body.to_string());
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, header::HeaderValue::from_static("1"));
        return (Answer::RateLimited, response);
    }
    let fault = shared.faults.draw(&mut lock(&shared.rng));
    if let Some(fault) = fault
        && let Some(response) = fault_response(fault)
    {
        return (Answer::Fault(fault), response);
    }
    if fault == Some(Fault::Slow) {
        tokio::time::sleep(shared.faults.slow_delay).await;
    }

    let (answer, body) = match lock(&shared.tasks).get(task_id) {
        Some(Task::Canned(body)) => (Answer::Canned, body.clone()),
        Some(Task::Scripted {
            script,
            started,
            created,
        }) => {
            let status = script.status_at(now.saturating_duration_since(*started));
            let data = script::record(task_id, &status, *created);
            (
                Answer::Record(status),
                envelope(200, "success", data).to_string(),
            )
        }
        None => {
            let body = match shared.unknown_task {
                UnknownTask::NullData => envelope(200, "success", Value::Null),
                UnknownTask::Code422 => envelope(422, "recordInfo is null", Value::Null),
            };
            (Answer::TaskNotFound, body.to_string())
        }
    };
    let answer = if fault == Some(Fault::Slow) {
        Answer::Fault(Fault::Slow)
    } else {
        answer
    };
    (answer, json_response(StatusCode::OK, body))
}

/// Records this request in the task's window and says whether it is one
/// too many. Every request counts, refused ones included, as on the live API.
fn over_rate_limit(shared: &Shared, task_id: &str, now: Instant) -> bool {
    let mut recent = lock(&shared.recent);
    let window = recent.entry(task_id.to_owned()).or_default();
    while window
        .front()
        .is_some_and(|t| now.saturating_duration_since(*t) >= RATE_WINDOW)
    {
        window.pop_front();
    }
    window.push_back(now);
    window.len() > REQUESTS_PER_SECOND
}

fn envelope(code: i64, msg: &str, data: Value) -> Value {
    json!({ "code": code, "msg": msg, "data": data })
}

fn json_response(status: StatusCode, body: impl Into<Body>) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.into(),
    )
        .into_response()
}

const ERROR_PAGE: &str = "<html><head><title>{status}</title></head>\
<body><center><h1>{status}</h1></center><hr><center>nginx</center></body></html>";

/// The answer a fault replaces the normal one with; `None` for a fault
/// that only delays the normal answer.
fn fault_response(fault: Fault) -> Option<Response> {
    let html = |status: StatusCode| {
        let page = ERROR_PAGE.replace("{status}", &status.to_string());
        (status, [(header::CONTENT_TYPE, "text/html")], page).into_response()
    };
    Some(match fault {
        Fault::Http500Html => html(StatusCode::INTERNAL_SERVER_ERROR),
        Fault::Http502Html => html(StatusCode::BAD_GATEWAY),
        Fault::Maintenance455 => json_response(
            StatusCode::OK,
            envelope(455, "System maintenance in progress", Value::Null).to_string(),
        ),
        Fault::ServerError500 => json_response(
            StatusCode::OK,
            envelope(500, "Server error, please try again later", Value::Null).to_string(),
        ),
        Fault::MalformedJson => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json")],
            r#"{"code": 200, "msg": "success", "data": {"taskId": "#,
        )
            .into_response(),
        Fault::CloseMidBody => {
            // Announce a full body, send half, then fail the stream: hyper
            // closes the connection mid-body.
            let full = envelope(200, "success", json!({ "taskId": "x".repeat(64) })).to_string();
            let half = full.as_bytes()[..full.len() / 2].to_vec();
            let chunks: Vec<Result<Vec<u8>, std::io::Error>> = vec![
                Ok(half),
                Err(std::io::Error::new(
                    std::io::ErrorKind::ConnectionReset,
                    "injected",
                )),
            ];
            let mut response = Response::new(Body::from_stream(futures_util::stream::iter(chunks)));
            response.headers_mut().insert(
                header::CONTENT_LENGTH,
                header::HeaderValue::from(full.len()),
            );
            response
        }
        Fault::Slow => return None,
    })
}
