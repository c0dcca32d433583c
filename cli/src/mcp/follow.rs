//! The tools that follow tasks and spend nothing: `credits`, `get_task`,
//! `wait_task` (with a progress notification at each status change),
//! `download_task`, `list_tasks` and `resume_tasks`. Each is generic over
//! the task's family, run for the `kind` given.

use std::path::{Component, Path, PathBuf};
use std::time::Duration;

use kie_suno::download::{Saved, TaskFiles};
use kie_suno::journal::JournalEntry;
use kie_suno::wait::{Family, PollPolicy, Wait, WaitError};
use kie_suno::{Client, Error};
use rmcp::RoleServer;
use rmcp::model::{CallToolResult, ProgressNotificationParam};
use rmcp::service::{Peer, RequestContext};
use serde::Serialize;
use serde_json::{Value, json};

use super::catalog::{DownloadArgs, Kind, ListArgs, ResumeArgs, TaskArgs, WaitArgs};
use super::reply::{bad_arguments, done, failed, failed_with, sdk_error};
use super::state::State;
use crate::kinds::Stages;
use crate::output::Show;

/// What every record these tools return is.
pub trait Record: Show + TaskFiles + Serialize + Clone + Send + Sync + 'static {}
impl<T: Show + TaskFiles + Serialize + Clone + Send + Sync + 'static> Record for T {}

/// Runs `$body` with `$f` the family of `$kind` (a [`Kind`]); every
/// `Kind` has one.
macro_rules! by_kind {
    ($kind:expr, $f:ident => $body:expr) => {
        match kie_suno::for_kind!(kie_suno::TaskKind::from($kind), $f => $body) {
            Some(result) => result,
            None => failed(format!("{:?} tasks are not supported by this build", $kind), false),
        }
    };
}

fn record_json(record: &impl Serialize) -> Value {
    serde_json::to_value(record).unwrap_or(Value::Null)
}

/// What a record is as a tool's structured content.
fn record_content<F: Family>(task_id: &str, kind: Kind, record: &F::Record) -> Value
where
    F::Record: Record,
{
    json!({
        "task_id": task_id,
        "kind": kind,
        "status": F::status(record).to_string(),
        "finished": F::is_terminal(record),
        "record": record_json(record),
    })
}

pub async fn credits(state: &State) -> CallToolResult {
    match state.client.credits().await {
        Ok(credits) => {
            let number: Value = serde_json::from_str(&credits.to_string()).unwrap_or(Value::Null);
            done(
                format!("The account has {credits} credits."),
                json!({ "credits": number }),
            )
        }
        Err(e) => sdk_error("credits", &e),
    }
}

pub async fn get_task(state: &State, args: TaskArgs) -> CallToolResult {
    by_kind!(args.kind, F => get::<F>(&state.client, &args).await)
}

async fn get<F: Family>(client: &Client, args: &TaskArgs) -> CallToolResult
where
    F::Record: Record,
{
    match F::fetch(client, &args.task_id).await {
        Ok((record, _)) => done(
            record.summary(),
            record_content::<F>(&args.task_id, args.kind, &record),
        ),
        Err(e) => sdk_error("get_task", &e),
    }
}

pub async fn wait_task(
    state: &State,
    args: WaitArgs,
    context: &RequestContext<RoleServer>,
) -> CallToolResult {
    let progress = context
        .meta
        .get_progress_token()
        .map(|token| (token, context.peer.clone()));
    let cancel = context.ct.clone();
    by_kind!(args.kind, F => wait::<F>(&state.client, &args, progress, cancel).await)
}

async fn wait<F: Stages>(
    client: &Client,
    args: &WaitArgs,
    progress: Option<(rmcp::model::ProgressToken, Peer<RoleServer>)>,
    cancel: tokio_util::sync::CancellationToken,
) -> CallToolResult
where
    F::Record: Record,
{
    let stage = match F::stage(args.until) {
        Ok(stage) => stage,
        Err(failure) => {
            return bad_arguments(
                "wait_task",
                failure.message().replace("--until ", "until: "),
            );
        }
    };
    let mut wait = Wait::<F>::new(client, &args.task_id)
        .deadline(Duration::from_secs(args.timeout_secs))
        .cancel_on(cancel)
        // The task may have ended long ago: look at once.
        .policy(PollPolicy::default().initial_delay(Duration::ZERO));
    if let Some(stage) = stage {
        wait = wait.until(stage);
    }
    let seen = wait.progress();
    let (changed, mut changes) = tokio::sync::mpsc::unbounded_channel();
    let wait = wait.on_event(move |_| {
        let _ = changed.send(());
    });
    let mut waiting = std::pin::pin!(std::future::IntoFuture::into_future(wait));
    let (mut told, mut last) = (0u32, None);
    let result = loop {
        tokio::select! {
            result = &mut waiting => break result,
            Some(()) = changes.recv() => {
                let status = seen.status().map(|s| s.to_string());
                if status == last {
                    continue;
                }
                last = status.clone();
                told += 1;
                if let Some((token, peer)) = &progress {
                    let message = format!("{}: {}", args.task_id, status.unwrap_or_default());
                    let note = ProgressNotificationParam::new(token.clone(), f64::from(told))
                        .with_message(message);
                    // A client that went away stops nothing: the wait goes on.
                    let _ = peer.notify_progress(note).await;
                }
            }
        }
    };
    let polls = seen.polls();
    match result {
        Ok(record) => done(
            format!(
                "{}(finished after {polls} polls; call download_task to save its files)",
                record.summary()
            ),
            record_content::<F>(&args.task_id, args.kind, &record),
        ),
        Err(e @ WaitError::TimedOut { .. }) => failed_with(
            format!("wait_task: {e}; the task goes on: call wait_task again to keep waiting"),
            true,
            json!({ "timed_out": true, "record": e.last_record().map(record_json) }),
        ),
        Err(e @ WaitError::TaskFailed { .. }) => failed_with(
            format!("wait_task: {e}"),
            false,
            json!({ "task_failed": true, "record": e.last_record().map(record_json) }),
        ),
        Err(WaitError::Api(e)) => sdk_error("wait_task", &e),
        Err(e) => failed(format!("wait_task: {e}"), true),
    }
}

/// The folder `subdir` names inside `root`: relative, without `..`.
fn inside(root: &Path, subdir: Option<&str>) -> Result<PathBuf, String> {
    let Some(subdir) = subdir.filter(|s| !s.is_empty()) else {
        return Ok(root.to_path_buf());
    };
    let path = Path::new(subdir);
    if path.components().all(|c| matches!(c, Component::Normal(_))) {
        Ok(root.join(path))
    } else {
        Err(format!(
            "`subdir` {subdir:?} is outside the download directory: give a relative folder \
             without `..`"
        ))
    }
}

pub async fn download_task(state: &State, args: DownloadArgs) -> CallToolResult {
    let dir = match inside(&state.download_dir, args.subdir.as_deref()) {
        Ok(dir) => dir,
        Err(problem) => return bad_arguments("download_task", problem),
    };
    by_kind!(args.kind, F => download::<F>(&state.client, &args.task_id, args.kind, &dir).await)
}

async fn download<F: Family>(
    client: &Client,
    task_id: &str,
    kind: Kind,
    dir: &Path,
) -> CallToolResult
where
    F::Record: Record,
{
    let record = match F::fetch(client, task_id).await {
        Ok((record, _)) => record,
        Err(e) => return sdk_error("download_task", &e),
    };
    let files = record.files();
    if files.is_empty() {
        return failed(
            format!(
                "download_task: task {task_id} has no files yet (status {}); call wait_task first",
                F::status(&record)
            ),
            true,
        );
    }
    let results = client.downloads().all(files, dir).await;
    saved_reply(task_id, kind, results)
}

fn saved_json(saved: &Saved) -> Value {
    json!({
        "path": saved.path.display().to_string(),
        "bytes": saved.bytes,
        "duration_secs": saved.duration.map(|d| d.as_secs_f64()),
        "sha256": saved.sha256,
        "already_there": saved.already_there,
    })
}

fn saved_reply(task_id: &str, kind: Kind, results: Vec<Result<Saved, Error>>) -> CallToolResult {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    let mut lines = Vec::new();
    for result in results {
        match result {
            Ok(saved) => {
                let plays = saved
                    .duration
                    .map_or(String::new(), |d| format!(", {:.1} s", d.as_secs_f64()));
                lines.push(format!(
                    "{} ({} bytes{plays})",
                    saved.path.display(),
                    saved.bytes
                ));
                files.push(saved_json(&saved));
            }
            Err(e) => errors.push(e.to_string()),
        }
    }
    let structured = json!({ "task_id": task_id, "kind": kind, "files": files, "errors": errors });
    if errors.is_empty() {
        done(
            format!(
                "Saved {} files of task {task_id}: {}.",
                files.len(),
                lines.join("; ")
            ),
            structured,
        )
    } else {
        failed_with(
            format!(
                "download_task: {} of task {task_id}'s files not saved (nothing partial was \
                 left under their names): {}",
                errors.len(),
                errors.join("; ")
            ),
            true,
            structured,
        )
    }
}

pub async fn list_tasks(state: &State, args: ListArgs) -> CallToolResult {
    let mut entries = match state.journal.entries(args.all).await {
        Ok(entries) => entries,
        Err(e) => return failed(format!("list_tasks: {e}"), true),
    };
    // Unfinished first; newest first within each.
    entries.sort_by_key(|e| e.state.is_finished());
    let lines: Vec<String> = entries
        .iter()
        .map(|e| {
            let id = e
                .task_id
                .as_deref()
                .unwrap_or("(no task id: the task may exist)");
            let status = e.status.as_deref().unwrap_or("");
            format!("{id} {} {} {status}", e.kind, e.state)
        })
        .collect();
    let summary = match lines.is_empty() {
        true if args.all => "The journal holds no tasks.".to_owned(),
        true => "No unfinished tasks in the journal.".to_owned(),
        false => format!("{} tasks: {}.", lines.len(), lines.join("; ")),
    };
    let tasks: Vec<Value> = entries.iter().map(record_json).collect();
    done(summary, json!({ "tasks": tasks }))
}

pub async fn resume_tasks(state: &State, args: ResumeArgs) -> CallToolResult {
    let entries = match state.journal.entries(false).await {
        Ok(entries) => entries,
        Err(e) => return failed(format!("resume_tasks: {e}"), true),
    };
    let timeout = Duration::from_secs(args.timeout_secs);
    let runs = entries
        .iter()
        .map(|entry| resume_one(state, entry, timeout, args.download));
    let outcomes: Vec<Value> = futures_util::future::join_all(runs).await;
    let summary = format!(
        "{} unfinished tasks looked at: {}.",
        outcomes.len(),
        outcomes
            .iter()
            .map(|o| format!(
                "{} {}",
                o["task_id"].as_str().unwrap_or("?"),
                o["outcome"].as_str().unwrap_or("?")
            ))
            .collect::<Vec<_>>()
            .join("; ")
    );
    done(summary, json!({ "tasks": outcomes }))
}

async fn resume_one(
    state: &State,
    entry: &JournalEntry,
    timeout: Duration,
    download: bool,
) -> Value {
    let (Some(task_id), Some(kind)) = (entry.task_id.clone(), entry.task_kind()) else {
        return json!({
            "intent": entry.intent,
            "task_id": Value::Null,
            "outcome": "unknown: the create's answer was lost; the task may exist and is found when its callback arrives",
        });
    };
    let client = &state.client;
    let dir = state.download_dir.clone();
    kie_suno::for_kind!(kind, F => resume_family::<F>(client, &task_id, timeout, download.then_some(dir.as_path())).await)
        .unwrap_or_else(|| json!({ "task_id": task_id, "outcome": "not supported by this build" }))
}

async fn resume_family<F: Family>(
    client: &Client,
    task_id: &str,
    timeout: Duration,
    dir: Option<&Path>,
) -> Value
where
    F::Record: Record,
{
    let wait = Wait::<F>::new(client, task_id)
        .deadline(timeout)
        .policy(PollPolicy::default().initial_delay(Duration::ZERO));
    match wait.await {
        Ok(record) => {
            let files: Vec<Value> = match dir {
                Some(dir) => client
                    .downloads()
                    .all(record.files(), dir)
                    .await
                    .iter()
                    .map(|r| match r {
                        Ok(saved) => saved_json(saved),
                        Err(e) => json!({ "error": e.to_string() }),
                    })
                    .collect(),
                None => Vec::new(),
            };
            json!({ "task_id": task_id, "outcome": "completed", "files": files, "record": record_json(&record) })
        }
        Err(e @ WaitError::TimedOut { .. }) => {
            json!({ "task_id": task_id, "outcome": "still running", "error": e.to_string() })
        }
        Err(e) => json!({ "task_id": task_id, "outcome": "failed", "error": e.to_string() }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_subdir_is_a_relative_folder_inside_the_download_directory() {
        let root = Path::new("/data/files");
        assert_eq!(inside(root, None).unwrap(), root);
        assert_eq!(
            inside(root, Some("album/one")).unwrap(),
            root.join("album/one")
        );
        for outside in ["../x", "/etc", "a/../../b", "./"] {
            assert!(
                inside(root, Some(outside)).is_err(),
                "{outside} was let through"
            );
        }
    }
}
