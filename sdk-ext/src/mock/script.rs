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
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Script {
    steps: Vec<(Duration, TaskStatus)>,
}

impl Script {
    /// A script that stays `PENDING` until its first step.
    pub fn pending() -> Self {
        Script { steps: Vec::new() }
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
            let (status, at) = step.split_once('@').ok_or_else(|| error("no @"))?;
            if status.trim().is_empty() {
                return Err(error("no status"));
            }
            let at = humantime::parse_duration(at.trim()).map_err(|_| error("bad time"))?;
            script = script.then(
                at,
                TaskStatus::from(status.trim().to_ascii_uppercase().as_str()),
            );
        }
        Ok(script)
    }
}

impl fmt::Display for Script {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (at, status)) in self.steps.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{status}@{}ms", at.as_millis())?;
        }
        Ok(())
    }
}

/// The record of a task `elapsed` into its script, as the live API writes it.
pub(crate) fn record(task_id: &str, status: &TaskStatus, created: SystemTime) -> Value {
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
        "duration": if stage >= 3 { json!(180.5 + f64::from(index) * 17.25) } else { Value::Null },
    })
}
