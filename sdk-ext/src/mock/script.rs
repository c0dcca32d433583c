//! Scripted task lifecycles: which status a mock task has how long after it
//! was added, and what its record then looks like (fields fill in stage by
//! stage, as the live API's do).

use std::fmt;
use std::str::FromStr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

use crate::status::TaskStatus;

/// A task's lifecycle: `PENDING` from the start, then each status from its
/// time on.
///
/// Written as text (the CLI's `--task ID:SCRIPT`), a script is
/// `STATUS@TIME,...` with times from the task's start:
///
/// ```
/// use std::time::Duration;
/// use kie_suno::mock::Script;
/// use kie_suno::TaskStatus;
/// let s: Script = "TEXT_SUCCESS@2s,FIRST_SUCCESS@5s,SUCCESS@12s".parse().unwrap();
/// assert_eq!(s.status_at(Duration::from_secs(6)), TaskStatus::FirstSuccess);
/// assert_eq!(s.ends_at(), Duration::from_secs(12));
/// let failing: Script = "GENERATE_AUDIO_FAILED@3s".parse().unwrap();
/// assert!(failing.final_status().is_failure());
/// ```
///
/// Three behaviours of the live API can be added, in code or as words of
/// the text form: a task unknown for a while after its create
/// (`hidden@50s`), one that fails while its status stays `PENDING`
/// (`failed_pending@30s`: code 413, "Uploaded audio matches existing work
/// of art."), and a `SUCCESS` whose tracks have no `audioUrl`
/// (`no_audio`).
///
/// ```
/// use std::time::Duration;
/// use kie_suno::mock::Script;
/// let live: Script = "hidden@50s,SUCCESS@120s,no_audio".parse().unwrap();
/// assert_eq!(live.hidden_until(), Duration::from_secs(50));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Script {
    steps: Vec<(Duration, TaskStatus)>,
    hidden: Duration,
    pending_failure: Option<Duration>,
    no_audio: bool,
}

/// What a task failed while `PENDING` says, as a live one did.
const PENDING_FAILURE: (i64, &str) = (413, "Uploaded audio matches existing work of art.");

impl Script {
    /// A script that stays `PENDING` until its first step.
    pub fn pending() -> Self {
        Script {
            steps: Vec::new(),
            hidden: Duration::ZERO,
            pending_failure: None,
            no_audio: false,
        }
    }

    /// The task is not known for `window` after its start: its record
    /// answers as the mock answers unknown ids (`data: null`, or 422
    /// "recordInfo is null"), as live tasks have for up to 90 s.
    pub fn hidden_for(mut self, window: Duration) -> Self {
        self.hidden = window;
        self
    }

    /// Until when the task is not known.
    pub fn hidden_until(&self) -> Duration {
        self.hidden
    }

    /// From `at` on, the record says the task failed (code 413, "Uploaded
    /// audio matches existing work of art.") while its status stays what
    /// it was (`PENDING`), as live records have for minutes.
    pub fn fails_while_pending(mut self, at: Duration) -> Self {
        self.pending_failure = Some(at);
        self
    }

    /// At `SUCCESS` the tracks have no `audioUrl` (only `sourceAudioUrl`
    /// and streams), as live records have had.
    pub fn without_audio_urls(mut self) -> Self {
        self.no_audio = true;
        self
    }

    /// Whether the task is unknown `elapsed` after its start.
    pub(crate) fn is_hidden_at(&self, elapsed: Duration) -> bool {
        elapsed < self.hidden
    }

    /// A successful lifecycle shaped like the live one, scaled to `total`:
    /// lyrics after 15 %, the first stream after 40 %, done at `total`.
    pub fn success(total: Duration) -> Self {
        Script::pending()
            .then(total.mul_f64(0.15), TaskStatus::TextSuccess)
            .then(total.mul_f64(0.40), TaskStatus::FirstSuccess)
            .then(total, TaskStatus::Success)
    }

    /// A lifecycle that fails with `status` at `at` (after lyrics, when
    /// there is time for them).
    pub fn failure(at: Duration, status: TaskStatus) -> Self {
        Script::pending().then(at, status)
    }

    /// Adds `status` from `at` on. Steps are kept in time order.
    pub fn then(mut self, at: Duration, status: TaskStatus) -> Self {
        let index = self.steps.partition_point(|(t, _)| *t <= at);
        self.steps.insert(index, (at, status));
        self
    }

    /// Each change: when, from the task's start, and to what (when the
    /// provider would call back, and with which stage).
    pub fn steps(&self) -> &[(Duration, TaskStatus)] {
        &self.steps
    }

    /// The same lifecycle, every step `by` later (the task stays `PENDING`
    /// that much longer): for tasks created after the mock starts.
    pub fn delayed(mut self, by: Duration) -> Self {
        for (at, _) in &mut self.steps {
            *at += by;
        }
        if !self.hidden.is_zero() {
            self.hidden += by;
        }
        if let Some(at) = &mut self.pending_failure {
            *at += by;
        }
        self
    }

    /// The status `elapsed` after the task started.
    pub fn status_at(&self, elapsed: Duration) -> TaskStatus {
        self.steps
            .iter()
            .rev()
            .find(|(at, _)| *at <= elapsed)
            .map_or(TaskStatus::Pending, |(_, s)| s.clone())
    }

    /// The status the task ends in.
    pub fn final_status(&self) -> TaskStatus {
        self.steps
            .last()
            .map_or(TaskStatus::Pending, |(_, s)| s.clone())
    }

    /// When the task reaches its final status.
    pub fn ends_at(&self) -> Duration {
        self.steps.last().map_or(Duration::ZERO, |(at, _)| *at)
    }

    /// When the task first reaches `status`, if it does.
    pub fn reaches_at(&self, status: &TaskStatus) -> Option<Duration> {
        self.steps
            .iter()
            .find(|(_, s)| s == status)
            .map(|(at, _)| *at)
    }
}

/// A script that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "bad script step {step:?}: {reason} (expected STATUS@TIME, e.g. SUCCESS@12s or SUCCESS@1m30s)"
)]
pub struct ScriptError {
    step: String,
    reason: &'static str,
}

impl FromStr for Script {
    type Err = ScriptError;

    fn from_str(text: &str) -> Result<Self, ScriptError> {
        let mut script = Script::pending();
        for step in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let error = |reason| ScriptError {
                step: step.to_owned(),
                reason,
            };
            if step.eq_ignore_ascii_case("no_audio") {
                script = script.without_audio_urls();
                continue;
            }
            let (status, at) = step.split_once('@').ok_or_else(|| error("no @"))?;
            if status.trim().is_empty() {
                return Err(error("no status"));
            }
            let at = humantime::parse_duration(at.trim()).map_err(|_| error("bad time"))?;
            script = match status.trim().to_ascii_lowercase().as_str() {
                "hidden" => script.hidden_for(at),
                "failed_pending" => script.fails_while_pending(at),
                other => script.then(at, TaskStatus::from(other.to_ascii_uppercase().as_str())),
            };
        }
        Ok(script)
    }
}

impl fmt::Display for Script {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut words = Vec::new();
        if !self.hidden.is_zero() {
            words.push(format!("hidden@{}ms", self.hidden.as_millis()));
        }
        for (at, status) in &self.steps {
            words.push(format!("{status}@{}ms", at.as_millis()));
        }
        if let Some(at) = self.pending_failure {
            words.push(format!("failed_pending@{}ms", at.as_millis()));
        }
        if self.no_audio {
            words.push("no_audio".to_owned());
        }
        f.write_str(&words.join(","))
    }
}

/// The record of a task `elapsed` into its script, as the live API writes
/// it.
pub(crate) fn record(
    task_id: &str,
    script: &Script,
    elapsed: Duration,
    created: SystemTime,
) -> Value {
    let status = script.status_at(elapsed);
    let mut data = status_record(task_id, &status, created);
    if script.pending_failure.is_some_and(|at| at <= elapsed) && !status.is_terminal() {
        data["errorCode"] = json!(PENDING_FAILURE.0);
        data["errorMessage"] = json!(PENDING_FAILURE.1);
    }
    if script.no_audio
        && status.is_success()
        && let Some(tracks) = data
            .pointer_mut("/response/sunoData")
            .and_then(Value::as_array_mut)
    {
        for track in tracks {
            track["audioUrl"] = Value::Null;
        }
    }
    data
}

/// The record of a task at `status`, as the live API writes it.
pub(crate) fn status_record(task_id: &str, status: &TaskStatus, created: SystemTime) -> Value {
    let created_ms = created
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64);
    let (error_code, error_message) = match status {
        TaskStatus::CreateTaskFailed => (json!(400), json!("Failed to create the task")),
        TaskStatus::GenerateAudioFailed => (
            json!(501),
            json!("Generation failed, please try again later."),
        ),
        TaskStatus::SensitiveWordError => (
            json!(400),
            json!("The prompt contains sensitive words; revise it"),
        ),
        TaskStatus::CallbackException => (Value::Null, json!("Callback delivery failed")),
        _ => (Value::Null, Value::Null),
    };
    let tracks_stage = match status {
        TaskStatus::TextSuccess => Some(1),
        TaskStatus::FirstSuccess => Some(2),
        TaskStatus::Success | TaskStatus::CallbackException => Some(3),
        _ => None,
    };
    let response = match (tracks_stage, status) {
        (Some(stage), _) => json!({
            "taskId": task_id,
            "sunoData": [track(task_id, 0, stage, created_ms), track(task_id, 1, stage, created_ms)],
        }),
        (None, TaskStatus::GenerateAudioFailed) => json!({
            "taskId": task_id,
            "sunoData": [],
            "errorMessage": error_message,
        }),
        (None, _) => Value::Null,
    };
    json!({
        "taskId": task_id,
        "parentMusicId": "",
        "param": r#"{"prompt":"A calm piano track","style":"Classical","title":"Peaceful Piano","customMode":true,"instrumental":true,"model":"V4_5"}"#,
        "response": response,
        "status": status.as_str(),
        "type": "chirp-crow",
        "operationType": "generate",
        "errorCode": error_code,
        "errorMessage": error_message,
        "createTime": created_ms,
    })
}

/// One track at a stage: 1 lyrics, 2 streamable, 3 done.
fn track(task_id: &str, index: u32, stage: u8, created_ms: u64) -> Value {
    let id = format!("{task_id}-{index}");
    let files = "https://files.mock.invalid";
    let url_from = |from: u8, url: String| if stage >= from { url } else { String::new() };
    json!({
        "id": id,
        "audioUrl": url_from(3, format!("{files}/{id}.mp3")),
        "sourceAudioUrl": url_from(3, format!("{files}/source/{id}.mp3")),
        "streamAudioUrl": url_from(2, format!("{files}/stream/{id}")),
        "sourceStreamAudioUrl": url_from(2, format!("{files}/source/stream/{id}")),
        "imageUrl": format!("{files}/{id}.jpeg"),
        "sourceImageUrl": null,
        "prompt": "[Verse]\nQuiet keys under evening light",
        "modelName": "chirp-crow",
        "title": "Peaceful Piano",
        "tags": "classical, calm",
        "createTime": created_ms + 20_000 + u64::from(index),
        "duration": if stage >= 3 { json!(track_seconds(index)) } else { Value::Null },
    })
}

/// How long the `index`-th track of a mock task plays, in seconds (its
/// record's `duration`, and the length of the audio the mock serves).
pub(crate) fn track_seconds(index: u32) -> f64 {
    180.5 + f64::from(index) * 17.25
}
