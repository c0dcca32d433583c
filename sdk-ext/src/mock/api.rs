//! What the mock answers, independent of how the question arrived: the
//! scripted tasks, the per-task rate limit, fault injection and the request
//! log. The HTTP server and the in-memory simulation both ask this.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use crate::sync::lock;
use std::time::{Duration, SystemTime};

use serde_json::Value;
use tokio::time::Instant;

use super::account::{Account, CreateOperation};
use super::builder::{MockBuilder, UnknownTask};
use super::faults::{Fault, Faults};
use super::kinds::{self, KindScript};
use super::log::{Answer, LoggedRequest};
use super::reply::{Reply, envelope, fault_reply, json, rate_limited};
use super::script::{self, Script};
use crate::kind::TaskKind;
use crate::status::TaskStatus;

/// The file host the mock's records name until a server serves the files.
pub(crate) const FILES: &str = "https://files.mock.invalid";

/// Requests allowed per task in any one-second window, as on the live API.
const REQUESTS_PER_SECOND: usize = 3;
const RATE_WINDOW: Duration = Duration::from_secs(1);

enum Task {
    /// A music task.
    Scripted {
        script: Script,
        started: Instant,
        created: SystemTime,
        /// For a task a create made: its parameters, as its record shows.
        origin: Option<Origin>,
    },
    /// A task of another kind.
    Made {
        kind: TaskKind,
        script: KindScript,
        started: Instant,
        created: SystemTime,
        /// The create request's body.
        input: Value,
    },
    Canned(String),
}

/// What a music record says about the create that made its task.
struct Origin {
    /// The request body without its callback URL, as a JSON string.
    param: String,
    operation_type: &'static str,
}

impl Task {
    fn kind(&self) -> Option<TaskKind> {
        match self {
            Task::Scripted { .. } => Some(TaskKind::Music),
            Task::Made { kind, .. } => Some(*kind),
            Task::Canned(_) => None,
        }
    }
}

/// The mock API's state, shared by a [`MockServer`](super::MockServer) or a [`Simulation`](super::Simulation)
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
    pub(crate) account: Account,
    /// What created music tasks play, in turn.
    lifecycles: Vec<Script>,
    /// What created tasks of other kinds play, in turn.
    kind_lifecycles: Vec<KindScript>,
    /// Every task a create made, in order, with its operation.
    made: Mutex<Vec<(String, &'static str)>>,
    /// Where the download URL call's links point.
    pub(crate) download_base: std::sync::OnceLock<String>,
    /// Where records' files point, once a server serves them.
    pub(crate) files_base: std::sync::OnceLock<String>,
    file_quirks: super::FileQuirks,
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

impl MockApi {
    /// The key the mock accepts. A mock key, not a secret.
    pub fn api_key(&self) -> &str {
        &self.api_key
    }

    /// Adds (or restarts) a task whose lifecycle starts now.
    /// With [`MockBuilder::callbacks`], its callbacks are posted as it
    /// goes (over HTTP; not in a [`Simulation`](super::Simulation)).
    pub fn add_task(&self, task_id: impl Into<String>, script: Script) {
        self.add_scripted(task_id.into(), script, None);
    }

    fn add_scripted(&self, task_id: String, script: Script, origin: Option<Origin>) {
        let created = SystemTime::now();
        #[cfg(feature = "callbacks")]
        if let Some(delivery) = &self.callbacks {
            let request = origin
                .as_ref()
                .and_then(|o| serde_json::from_str::<Value>(&o.param).ok());
            delivery.play(&task_id, &script, created, request.as_ref());
        }
        let task = Task::Scripted {
            script,
            started: Instant::now(),
            created,
            origin,
        };
        lock(&self.tasks).insert(task_id, task);
    }

    /// Adds (or restarts) a task of a kind other than music, whose
    /// lifecycle starts now; `input` stands for its create request's body.
    pub fn add_task_of(
        &self,
        kind: TaskKind,
        task_id: impl Into<String>,
        script: KindScript,
        input: Value,
    ) {
        let task_id = task_id.into();
        #[cfg(feature = "callbacks")]
        if let Some(delivery) = &self.callbacks {
            delivery.play_kind(kind, &task_id, script, Some(&input));
        }
        let task = Task::Made {
            kind,
            script,
            started: Instant::now(),
            created: SystemTime::now(),
            input,
        };
        lock(&self.tasks).insert(task_id, task);
    }

    /// The account's credits now.
    pub fn credits(&self) -> i64 {
        self.account.credits()
    }

    /// Sets the account's credits.
    pub fn set_credits(&self, credits: i64) {
        self.account.set_credits(credits);
    }

    /// Creates beyond the account's limit of 20 per 10 s, so far.
    pub fn create_rate_violations(&self) -> u64 {
        self.account.create_violations()
    }

    /// How a task's script ends: its kind, its last status (as the API
    /// writes it) and whether that is a failure. `None` for an unknown id.
    pub fn scripted_end(&self, task_id: &str) -> Option<(TaskKind, String, bool)> {
        match lock(&self.tasks).get(task_id)? {
            Task::Scripted { script, .. } => {
                let status = script.final_status();
                let failed = status.is_failure();
                Some((TaskKind::Music, status.to_string(), failed))
            }
            Task::Made { kind, script, .. } => {
                let status = if script.fails { "FAILED" } else { "SUCCESS" };
                Some((*kind, status.to_owned(), script.fails))
            }
            Task::Canned(_) => None,
        }
    }

    /// Every task a create call made, in order: its id and operation. A
    /// task whose answer was lost is here too: the list a client cannot
    /// get from the live API.
    pub fn created_tasks(&self) -> Vec<(String, &'static str)> {
        lock(&self.made).clone()
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
        kind: TaskKind,
        authorized: bool,
        task_id: Option<String>,
        raw_query: Option<String>,
        header_names: Vec<String>,
    ) -> Reply {
        let now = Instant::now();
        let (answer, reply) = self.answer(now, kind, authorized, task_id.as_deref()).await;
        self.log(LoggedRequest {
            at: now - self.started,
            operation: details_operation(kind),
            task_id,
            raw_query,
            header_names,
            authorized,
            body: None,
            answer,
        });
        reply
    }

    pub(crate) fn log(&self, request: LoggedRequest) {
        lock(&self.log).push(request);
    }

    /// Logs a request that names no task (a create, a synchronous call,
    /// credits), answered at `now`.
    pub(crate) fn log_call(
        &self,
        now: Instant,
        operation: &'static str,
        authorized: bool,
        header_names: Vec<String>,
        answer: Answer,
    ) {
        self.log_body(now, operation, authorized, header_names, None, answer);
    }

    /// [`Self::log_call`] with the body received.
    pub(crate) fn log_body(
        &self,
        now: Instant,
        operation: &'static str,
        authorized: bool,
        header_names: Vec<String>,
        body: Option<serde_json::Value>,
        answer: Answer,
    ) {
        self.log(LoggedRequest {
            at: self.elapsed(now),
            operation,
            task_id: None,
            raw_query: None,
            header_names,
            authorized,
            body,
            answer,
        });
    }

    pub(crate) fn elapsed(&self, now: Instant) -> Duration {
        now - self.started
    }

    /// Draws the fault of the request being answered now, if any.
    pub(crate) fn draw_fault(&self) -> Option<Fault> {
        let request = lock(&self.log).len() as u64 + 1;
        self.faults.draw(request, &mut lock(&self.rng))
    }

    pub(crate) fn file_quirks(&self) -> super::FileQuirks {
        self.file_quirks
    }

    pub(crate) fn slow_delay(&self) -> Duration {
        self.faults.slow_delay
    }

    /// Points a record's file URLs at the server that serves them, once
    /// there is one (a simulation keeps `https://files.mock.invalid`).
    fn rebase_files(&self, value: &mut Value) {
        let Some(base) = self.files_base.get() else {
            return;
        };
        match value {
            Value::String(text) if text.starts_with(FILES) => {
                *text = format!("{base}{}", &text[FILES.len()..]);
            }
            Value::Array(items) => items.iter_mut().for_each(|v| self.rebase_files(v)),
            Value::Object(fields) => fields.values_mut().for_each(|v| self.rebase_files(v)),
            _ => {}
        }
    }

    /// Records a task a create made; it plays the next lifecycle in turn.
    pub(crate) fn record_made(&self, task_id: &str, operation: &CreateOperation, input: Value) {
        let turn = lock(&self.made).len();
        let script = self.lifecycles[turn % self.lifecycles.len()].clone();
        let kind_script = self.kind_lifecycles[turn % self.kind_lifecycles.len()];
        match operation.kind {
            TaskKind::Music => {
                // The whole request, its callback URL too, as live.
                let origin = Origin {
                    param: input.to_string(),
                    operation_type: match operation.name {
                        "extend-music" => "extend",
                        "upload-and-cover-audio" => "upload_cover",
                        "upload-and-extend-audio" => "upload_extend",
                        _ => "generate",
                    },
                };
                self.add_scripted(task_id.to_owned(), script, Some(origin));
            }
            kind => self.add_task_of(kind, task_id, kind_script, input),
        }
        lock(&self.made).push((task_id.to_owned(), operation.name));
    }

    async fn answer(
        &self,
        now: Instant,
        kind: TaskKind,
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
        let fault = self.draw_fault();
        if let Some(fault) = fault
            && let Some(reply) = fault_reply(fault)
        {
            return (Answer::Fault(fault), reply);
        }
        if fault == Some(Fault::Slow) {
            tokio::time::sleep(self.faults.slow_delay).await;
        }
        let (answer, body) = self.lookup(kind, task_id);
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
    fn lookup(&self, kind: TaskKind, task_id: &str) -> (Answer, String) {
        let tasks = lock(&self.tasks);
        // A task of another kind is unknown at this kind's endpoint.
        let task = tasks
            .get(task_id)
            .filter(|t| t.kind().is_none_or(|k| k == kind));
        match task {
            Some(Task::Canned(body)) => (Answer::Canned, body.clone()),
            Some(Task::Scripted {
                script,
                started,
                created,
                origin,
            }) => {
                let elapsed = Instant::now().saturating_duration_since(*started);
                if script.is_hidden_at(elapsed) {
                    return (Answer::TaskNotFound, self.unknown_task_body());
                }
                let status = script.status_at(elapsed);
                let mut data = script::record(task_id, script, elapsed, *created);
                self.rebase_files(&mut data);
                if let (Some(origin), Some(fields)) = (origin, data.as_object_mut()) {
                    fields.insert("param".into(), Value::String(origin.param.clone()));
                    fields.insert("operationType".into(), origin.operation_type.into());
                }
                (
                    Answer::Record(status),
                    envelope(200, "success", data).to_string(),
                )
            }
            Some(Task::Made {
                kind,
                script,
                started,
                created,
                input,
            }) => {
                let progress =
                    script.progress_at(Instant::now().saturating_duration_since(*started));
                let mut data = kinds::record(*kind, task_id, progress, *created, input);
                self.rebase_files(&mut data);
                let status = TaskStatus::from(match progress {
                    kinds::Progress::Pending => "PENDING",
                    kinds::Progress::Done => "SUCCESS",
                    kinds::Progress::Failed => "FAILED",
                });
                (
                    Answer::Record(status),
                    envelope(200, "success", data).to_string(),
                )
            }
            None => (Answer::TaskNotFound, self.unknown_task_body()),
        }
    }

    /// What an unknown task id is answered.
    fn unknown_task_body(&self) -> String {
        match self.unknown_task {
            UnknownTask::NullData => envelope(200, "success", Value::Null),
            UnknownTask::Code422 => envelope(422, "recordInfo is null", Value::Null),
        }
        .to_string()
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

/// The operation name of a kind's details endpoint, as its page says.
pub(crate) fn details_operation(kind: TaskKind) -> &'static str {
    match kind {
        TaskKind::Music => "get-music-details",
        TaskKind::Lyrics => "get-lyrics-details",
        TaskKind::Wav => "get-wav-details",
        TaskKind::VocalSeparation => "get-vocal-separation-details",
        TaskKind::Midi => "get-midi-details",
        TaskKind::Video => "get-music-video-details",
        TaskKind::Cover => "get-cover-suno-details",
    }
}

impl MockApi {
    /// The mock's state, as these settings make it; served by
    /// [`MockBuilder::start`] (in `server.rs`) or
    /// [`MockBuilder::simulate`] (in `simulation.rs`).
    pub(super) fn new(settings: MockBuilder) -> Arc<MockApi> {
        let seed = settings.faults.seed;
        Arc::new(MockApi {
            api_key: settings.api_key,
            started: Instant::now(),
            unknown_task: settings.unknown_task,
            rng: Mutex::new(fastrand::Rng::with_seed(settings.faults.seed)),
            faults: settings.faults,
            tasks: Mutex::default(),
            recent: Mutex::default(),
            log: Mutex::default(),
            violations: AtomicU64::new(0),
            account: Account::new(settings.credits, seed, settings.create_limit),
            lifecycles: settings.lifecycles,
            kind_lifecycles: settings.kind_lifecycles,
            made: Mutex::default(),
            download_base: settings
                .download_base
                .map(std::sync::OnceLock::from)
                .unwrap_or_default(),
            files_base: std::sync::OnceLock::new(),
            file_quirks: settings.file_quirks,
            #[cfg(feature = "callbacks")]
            callbacks: settings.callbacks,
        })
    }
}
