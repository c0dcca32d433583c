//! The create tools: the arguments are read as the tool's request type
//! (its JSON form, `kie_suno::request_json`), checked by the SDK before
//! anything is sent, and sent once. An identical call within the window
//! ([`super::repeats`]) is answered from the first one; a create whose
//! answer was lost is reported as such, never as something to retry.

use std::future::Future;

use kie_suno::{Client, Error, TaskHandle};
use rmcp::model::{CallToolResult, JsonObject};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::catalog::{kind_of, take_new};
use super::repeats::{self, Answer};
use super::reply::{bad_arguments, done, failed, failed_with, sdk_error};
use super::state::State;

/// Runs the create tool `tool` (one of [`super::catalog::CREATES`]).
pub async fn create(state: &State, tool: &str, arguments: JsonObject) -> CallToolResult {
    use kie_suno::{cover, lyrics, midi, music, separation, video, wav};
    /// `run` with the request type `$request`, sent by `$call` on client `c`.
    macro_rules! send {
        ($request:ty, |$c:ident, $r:ident| $call:expr) => {
            run(
                state,
                tool,
                arguments,
                |$c: Client, $r: $request| async move { $call.await.map(id) },
            )
            .await
        };
    }
    match tool {
        "generate_music" => send!(music::GenerateMusic, |c, r| c.music().generate(r)),
        "extend_music" => send!(music::ExtendMusic, |c, r| c.music().extend(r)),
        "cover_music" => send!(music::CoverUpload, |c, r| c.music().cover_upload(r)),
        "add_vocals" => send!(music::AddVocals, |c, r| c.music().add_vocals(r)),
        "add_instrumental" => send!(music::AddInstrumental, |c, r| c.music().add_instrumental(r)),
        "generate_lyrics" => send!(lyrics::GenerateLyrics, |c, r| c.lyrics().generate(r)),
        "convert_to_wav" => send!(wav::ConvertToWav, |c, r| c.wav().convert(r)),
        "separate_vocals" => send!(separation::SeparateVocals, |c, r| c
            .vocal_separation()
            .separate(r)),
        "generate_midi" => send!(midi::GenerateMidi, |c, r| c.midi().generate(r)),
        "create_music_video" => send!(video::CreateMusicVideo, |c, r| c.video().create(r)),
        "generate_cover_art" => send!(cover::GenerateCover, |c, r| c.cover().generate(r)),
        _ => failed(format!("unknown tool {tool:?}"), false),
    }
}

fn id<F: kie_suno::wait::Family>(task: TaskHandle<F>) -> String {
    task.id().to_owned()
}

/// Reads the request, answers an identical earlier call from it, or
/// sends the create once.
async fn run<R, S, Fut>(
    state: &State,
    tool: &str,
    mut arguments: JsonObject,
    send: S,
) -> CallToolResult
where
    R: DeserializeOwned,
    S: FnOnce(Client, R) -> Fut,
    Fut: Future<Output = Result<String, Error>>,
{
    let new = match take_new(&mut arguments) {
        Ok(new) => new,
        Err(problem) => return bad_arguments(tool, problem),
    };
    let request: R = match serde_json::from_value(Value::Object(arguments.clone())) {
        Ok(request) => request,
        Err(problem) => return bad_arguments(tool, problem),
    };
    let key = repeats::key(tool, &arguments);
    if !new && let Some((ago, answer)) = state.repeats.claim(&key) {
        return repeated(state, tool, ago.as_secs(), answer).await;
    }
    let kind = kind_of(tool);
    let sent_at = chrono::Utc::now();
    match send(state.client.clone(), request).await {
        Ok(task_id) => {
            state.repeats.keep(
                &key,
                Answer::Created {
                    task_id: task_id.clone(),
                },
            );
            done(
                format!(
                    "Created {} task {task_id} ({tool}). It takes 1 to 5 minutes: call \
                     wait_task with task_id {task_id:?} and kind {:?}, then download_task.",
                    kind_name(kind),
                    kind_name(kind)
                ),
                json!({ "task_id": task_id, "kind": kind, "tool": tool, "status": "created", "next": "wait_task" }),
            )
        }
        Err(e @ Error::CreateOutcomeUnknown { operation, .. }) => {
            let reference = lost_create_reference(state, operation, sent_at).await;
            let message = format!(
                "{tool}: {e}. The task may exist and may have been charged for: do not call \
                 {tool} again for it. The journal keeps this create as `unknown` (list_tasks \
                 shows it); if the task was made, its callback carries its task id and this \
                 create's reference{}, which links it in the journal.",
                reference
                    .as_deref()
                    .map_or(String::new(), |r| format!(" (kie_ref={r})"))
            );
            state.repeats.keep(
                &key,
                Answer::Unknown {
                    message: message.clone(),
                },
            );
            failed_with(
                message,
                false,
                json!({
                    "outcome": "unknown", "task_may_exist": true, "kind": kind,
                    "credits_spent": Value::Null, "callback_reference": reference,
                }),
            )
        }
        Err(e) => {
            // Refused, or never sent: no task, nothing to answer later calls with.
            state.repeats.forget(&key);
            sdk_error(tool, &e)
        }
    }
}

/// The reference the callback of a create whose answer was just lost
/// will carry: the journal's newest `unknown` create of `operation` since
/// `sent_at` (two such creates of one operation at once could swap
/// references; both are in the journal either way).
async fn lost_create_reference(
    state: &State,
    operation: &str,
    sent_at: chrono::DateTime<chrono::Utc>,
) -> Option<String> {
    let entries = state.journal.entries(false).await.ok()?;
    let entry = entries.into_iter().find(|e| {
        e.state == kie_suno::journal::EntryState::Unknown
            && e.operation == operation
            && e.created_at >= sent_at - chrono::Duration::seconds(1)
    })?;
    Some(kie_suno::journal::reference::issue(
        &*state.journal,
        &entry.intent,
    ))
}

/// A kind's name, as the tools take it.
fn kind_name(kind: super::catalog::Kind) -> &'static str {
    kie_suno::TaskKind::from(kind).as_str()
}

/// The answer to a call identical to one made `ago` seconds before.
async fn repeated(state: &State, tool: &str, ago: u64, answer: Answer) -> CallToolResult {
    match answer {
        Answer::Sending => failed(
            format!(
                "{tool}: an identical call is being sent right now; nothing was sent again. \
                 Its answer names the task (list_tasks shows it too)."
            ),
            true,
        ),
        Answer::Created { task_id } => {
            let entry = state.journal.entries(true).await.ok().and_then(|entries| {
                entries
                    .into_iter()
                    .find(|e| e.task_id.as_deref() == Some(&task_id))
            });
            let status = entry
                .as_ref()
                .and_then(|e| e.status.clone())
                .unwrap_or_else(|| "created".into());
            done(
                format!(
                    "An identical {tool} call {ago} s ago made task {task_id} (now {status}); \
                     nothing was sent and no credits were spent. Call wait_task with it, or \
                     call {tool} again with `new: true` to make another (costs credits)."
                ),
                json!({
                    "task_id": task_id, "kind": kind_of(tool), "tool": tool, "status": status,
                    "repeated": true, "seconds_since_first_call": ago,
                    "journal": entry.map(|e| serde_json::to_value(e).unwrap_or(Value::Null)),
                }),
            )
        }
        Answer::Unknown { message } => failed_with(
            format!(
                "An identical call {ago} s ago may have made a task; nothing was sent now. {message}"
            ),
            false,
            json!({ "outcome": "unknown", "task_may_exist": true, "repeated": true }),
        ),
    }
}
