//! What the mock answers, independent of how the question arrived: the
//! scripted tasks, the per-task rate limit, fault injection and the request
//! log. The HTTP server and the in-memory simulation both ask this.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use serde_json::{Value, json};
use tokio::time::Instant;

use super::faults::{Fault, Faults};
use super::script::{self, Script};
use super::server::MockServer;
use super::simulation::Simulation;
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
    /// The body given to [`MockApi::answer_with`].
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

/// One request as the mock saw it. Header values are not kept, only names,
/// so the log never holds a key.
#[derive(Debug, Clone)]
pub struct LoggedRequest {
    /// Time since the mock started.
    pub at: Duration,
    /// The decoded `taskId` query parameter.
    pub task_id: Option<String>,
    /// The query string exactly as received (HTTP only).
    pub raw_query: Option<String>,
    /// Names of the headers present, lowercase (HTTP only).
    pub header_names: Vec<String>,
    /// Whether the bearer key matched.
    pub authorized: bool,
    /// What the mock answered.
    pub answer: Answer,
}

/// The answer's form, before a front end turns it into bytes on a socket
/// or into a client result.
pub(crate) enum Reply {
    /// HTTP 200 with a JSON body.
    Json {
        body: String,
        retry_after_secs: Option<u64>,
    },
    /// An HTML error page with this HTTP status.
    Html { status: u16 },
    /// HTTP 200 announcing `full` but closing after half of it.
    CloseMidBody { full: String },
}

enum Task {
    Scripted {
        script: Script,
        started: Instant,
        created: SystemTime,
    },
    Canned(String),
}

/// The mock API's state, shared by a [`MockServer`] or a [`Simulation`]
/// (both dereference to it).
pub struct MockApi {
    api_key: String,
    started: Instant,
    unknown_task: UnknownTask,
    faults: Faults,
    rng: Mutex<fastrand::Rng>,
    tasks: Mutex<HashMap<String, Task>>,
    recent: Mutex<HashMap<String, VecDeque<Instant>>>,
    log: Mutex<Vec<LoggedRequest>>,
    violations: AtomicU64,
    #[cfg(feature = "callbacks")]
    callbacks: Option<super::CallbackDelivery>,
}

impl std::fmt::Debug for MockApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MockApi")
            .field("tasks", &lock(&self.tasks).len())
            .finish_non_exhaustive()
    }
}

/// Locks a mutex even if a panicking thread poisoned it: the mock's state
/// stays usable for the assertions that follow.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl MockApi {
    /// The key the mock accepts. A mock key, not a secret.
    pub fn api_key(&self) -> &str {
        &self.api_key
    }

    /// Adds (or restarts) a task whose lifecycle starts now.
    /// With [`MockBuilder::callbacks`], its callbacks are posted as it
    /// goes (over HTTP; not in a [`Simulation`]).
    pub fn add_task(&self, task_id: impl Into<String>, script: Script) {
        let task_id = task_id.into();
        let created = SystemTime::now();
        #[cfg(feature = "callbacks")]
        if let Some(delivery) = &self.callbacks {
            delivery.play(&task_id, &script, created);
        }
        let task = Task::Scripted {
            script,
            started: Instant::now(),
            created,
        };
        lock(&self.tasks).insert(task_id, task);
    }

    /// Answers every request for `task_id` with `body`, verbatim, as HTTP
    /// 200 JSON (after the key check, rate limit and faults, like any other
    /// answer). For testing how a client takes a particular envelope.
    pub fn answer_with(&self, task_id: impl Into<String>, body: impl Into<String>) {
        lock(&self.tasks).insert(task_id.into(), Task::Canned(body.into()));
    }

    /// Every request so far, in order of arrival.
    pub fn requests(&self) -> Vec<LoggedRequest> {
        lock(&self.log).clone()
    }

    /// Requests beyond 3 per second for one task, so far.
    pub fn rate_violations(&self) -> u64 {
        self.violations.load(Ordering::Relaxed)
    }

    /// Answers one request and logs it.
    pub(crate) async fn handle(
        &self,
        authorized: bool,
        task_id: Option<String>,
        raw_query: Option<String>,
        header_names: Vec<String>,
    ) -> Reply {
        let now = Instant::now();
        let (answer, reply) = self.answer(now, authorized, task_id.as_deref()).await;
        lock(&self.log).push(LoggedRequest {
            at: now - self.started,
            task_id,
            raw_query,
            header_names,
            authorized,
            answer,
        });
        reply
    }

    async fn answer(
        &self,
        now: Instant,
        authorized: bool,
        task_id: Option<&str>,
    ) -> (Answer, Reply) {
        if !authorized {
            let body = envelope(401, "You do not have access permissions", Value::Null);
            return (Answer::Unauthorized, json(body));
        }
        let Some(task_id) = task_id.filter(|id| !id.is_empty()) else {
            let body = envelope(422, "taskId is required", Value::Null);
            return (Answer::MissingTaskId, json(body));
        };
        if self.over_rate_limit(task_id, now) {
            self.violations.fetch_add(1, Ordering::Relaxed);
            return (Answer::RateLimited, rate_limited());
        }
        let request = lock(&self.log).len() as u64 + 1;
        let fault = self.faults.draw(request, &mut lock(&self.rng));
        if let Some(fault) = fault
            && let Some(reply) = fault_reply(fault)
        {
            return (Answer::Fault(fault), reply);
        }
        if fault == Some(Fault::Slow) {
            tokio::time::sleep(self.faults.slow_delay).await;
        }
        let (answer, body) = self.lookup(task_id);
        let answer = if fault == Some(Fault::Slow) {
            Answer::Fault(Fault::Slow)
        } else {
            answer
        };
        (
            answer,
            Reply::Json {
                body,
                retry_after_secs: None,
            },
        )
    }

    /// The task's answer as of now (read after any slow-fault delay).
    fn lookup(&self, task_id: &str) -> (Answer, String) {
        match lock(&self.tasks).get(task_id) {
            Some(Task::Canned(body)) => (Answer::Canned, body.clone()),
            Some(Task::Scripted {
                script,
                started,
                created,
            }) => {
                let status = script.status_at(Instant::now().saturating_duration_since(*started));
                let data = script::record(task_id, &status, *created);
                (
                    Answer::Record(status),
                    envelope(200, "success", data).to_string(),
                )
            }
            None => {
                let body = match self.unknown_task {
                    UnknownTask::NullData => envelope(200, "success", Value::Null),
                    UnknownTask::Code422 => envelope(422, "recordInfo is null", Value::Null),
                };
                (Answer::TaskNotFound, body.to_string())
            }
        }
    }

    /// Records this request in the task's window and says whether it is one
    /// too many. Every request counts, refused ones included.
    fn over_rate_limit(&self, task_id: &str, now: Instant) -> bool {
        let mut recent = lock(&self.recent);
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
}

fn envelope(code: i64, msg: &str, data: Value) -> Value {
    json!({ "code": code, "msg": msg, "data": data })
}

fn json(body: Value) -> Reply {
    Reply::Json {
        body: body.to_string(),
        retry_after_secs: None,
    }
}

/// The reply a fault replaces the normal one with; `None` for a fault that
/// only delays the normal answer.
fn fault_reply(fault: Fault) -> Option<Reply> {
    Some(match fault {
        Fault::Http500Html => Reply::Html { status: 500 },
        Fault::Http502Html => Reply::Html { status: 502 },
        Fault::Maintenance455 => json(envelope(455, "System maintenance in progress", Value::Null)),
        Fault::ServerError500 => json(envelope(
            500,
            "Server error, please try again later",
            Value::Null,
        )),
        Fault::MalformedJson => Reply::Json {
            body: r#"{"code": 200, "msg": "success", "data": {"taskId": "#.to_owned(),
            retry_after_secs: None,
        },
        Fault::CloseMidBody => Reply::CloseMidBody {
            full: envelope(200, "success", json!({ "taskId": "x".repeat(64) })).to_string(),
        },
        Fault::RateLimited => rate_limited(),
        Fault::Slow => return None,
    })
}

/// The answer past the rate limit, real or injected.
fn rate_limited() -> Reply {
    Reply::Json {
        body: envelope(429, "The call frequency is too high", Value::Null).to_string(),
        retry_after_secs: Some(1),
    }
}

/// Settings for a mock: served over HTTP ([`MockBuilder::start`]) or
/// simulated in memory ([`MockBuilder::simulate`]).
#[derive(Debug, Clone)]
pub struct MockBuilder {
    port: u16,
    api_key: String,
    faults: Faults,
    unknown_task: UnknownTask,
    #[cfg(feature = "callbacks")]
    callbacks: Option<super::CallbackDelivery>,
}

impl Default for MockBuilder {
    fn default() -> Self {
        MockBuilder {
            port: 0,
            api_key: super::DEFAULT_KEY.to_owned(),
            faults: Faults::default(),
            unknown_task: UnknownTask::default(),
            #[cfg(feature = "callbacks")]
            callbacks: None,
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

    /// Posts each task's callbacks (HTTP mock only).
    #[cfg(feature = "callbacks")]
    pub fn callbacks(mut self, delivery: super::CallbackDelivery) -> Self {
        self.callbacks = Some(delivery);
        self
    }

    /// How unknown task ids are answered.
    pub fn unknown_task(mut self, answer: UnknownTask) -> Self {
        self.unknown_task = answer;
        self
    }

    /// Binds the port and serves HTTP on the current tokio runtime.
    pub async fn start(self) -> std::io::Result<MockServer> {
        let port = self.port;
        MockServer::serve(self.into_api(), port).await
    }

    /// The same mock without sockets: a client of it calls the mock's logic
    /// directly, on tokio's clock (so `start_paused` tests run a
    /// three-minute lifecycle in milliseconds).
    pub fn simulate(self) -> Simulation {
        Simulation::new(self.into_api())
    }

    fn into_api(self) -> Arc<MockApi> {
        Arc::new(MockApi {
            api_key: self.api_key,
            started: Instant::now(),
            unknown_task: self.unknown_task,
            rng: Mutex::new(fastrand::Rng::with_seed(self.faults.seed)),
            faults: self.faults,
            tasks: Mutex::default(),
            recent: Mutex::default(),
            log: Mutex::default(),
            violations: AtomicU64::new(0),
            #[cfg(feature = "callbacks")]
            callbacks: self.callbacks,
        })
    }
}
