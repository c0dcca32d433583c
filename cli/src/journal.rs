//! The task journal on the command line (opened by [`crate::store`]):
//! `suno tasks` (what it holds,
//! unfinished first, and which worker holds what) and `suno resume` (wait
//! for, and download, every unfinished task in it). The commands that
//! create tasks write to it by default, so a task id survives a crash of
//! `suno`.

use std::path::PathBuf;

use kie_suno::journal::{
    self as journal, CreateOutcome, EntryState, Journal, JournalEntry, JournalEvent,
    UNANSWERED_AFTER,
};
use kie_suno::{Client, TaskKind};

use crate::connection::Connection;
use crate::exit::Failure;
use crate::kinds::{Kind, Until};
use crate::store::{Opened, open_existing};
use crate::wait::Follow;

/// `suno tasks`: prints the journal's entries, unfinished first.
pub async fn tasks(conn: &Connection, all: bool, json: bool) -> Result<u8, Failure> {
    let Opened {
        journal, location, ..
    } = open_existing(conn.journal.as_deref()).await?;
    let mut entries = journal
        .entries(all)
        .await
        .map_err(|e| Failure::Failed(e.to_string()))?;
    entries.sort_by_key(|e| e.state.is_finished());
    for entry in &entries {
        if json {
            say!("{}", serde_json::to_string(entry).unwrap_or_default());
        } else {
            say!("{}", line(entry));
        }
    }
    if entries.is_empty() && !json {
        tell!(
            "no {}tasks in the journal {location}",
            if all { "" } else { "unfinished " },
        );
    }
    Ok(0)
}

fn line(entry: &JournalEntry) -> String {
    let id = entry
        .task_id
        .clone()
        .unwrap_or_else(|| format!("(create {})", short(&entry.intent)));
    let status = entry.status.as_deref().unwrap_or("-");
    let unanswered = journal::is_unanswered(entry, chrono::Utc::now(), UNANSWERED_AFTER);
    let state = if unanswered {
        "outcome unknown".to_owned()
    } else {
        entry.state.to_string()
    };
    let hint = if unanswered {
        "\n    sent over a minute ago and no outcome written down: the program that sent it \
         stopped, or its journal write failed. The task may exist (and be charged); its \
         callback carries its id. `suno resume` or a worker marks it unknown."
    } else {
        ""
    };
    format!(
        "{id:<34} {:<7} {state:<10} {status:<22} {}  {}{}{hint}",
        entry.kind,
        entry.created_at.format("%Y-%m-%d %H:%M:%S"),
        entry.operation,
        worker(entry),
    )
}

/// The first 8 characters of a create's id (read from a shared database:
/// cut between characters, whatever it holds).
fn short(intent: &str) -> String {
    intent.chars().take(8).collect()
}

/// Marks the creates left `sending` as unknown and says so on stderr:
/// what `suno resume` and `suno worker` do first.
pub async fn reconcile(journal: &dyn Journal) -> Result<(), Failure> {
    let stale = journal::reconcile(journal, UNANSWERED_AFTER)
        .await
        .map_err(|e| Failure::Failed(e.to_string()))?;
    for entry in stale {
        tell!(
            "create {} ({}, sent {}) has no outcome written down: marked unknown; the task may \
             exist, and its callback carries its id",
            short(&entry.intent),
            entry.operation,
            entry.created_at.format("%Y-%m-%d %H:%M:%S UTC"),
        );
    }
    Ok(())
}

/// Tries for a few seconds to write what the journal refused (a create's
/// outcome among it); prints on stderr what still is not written, with
/// each task id, so that no paid task is lost with this process.
pub async fn show_unwritten(client: &Client) {
    for event in client
        .flush_journal(std::time::Duration::from_secs(5))
        .await
    {
        if let JournalEvent::CreateFinished { intent, outcome } = event {
            let (state, task_id) = match &outcome {
                CreateOutcome::Created { task_id } => ("created", task_id.as_str()),
                CreateOutcome::Refused { .. } => ("refused", "unknown"),
                _ => ("unknown", "unknown"),
            };
            tell!(
                "warning: the journal could not record create {}: {state} task {task_id} \
                 (keep this id: the journal does not have it)",
                short(&intent),
            );
        }
    }
}

/// Which worker holds or reported the task, if any.
fn worker(entry: &JournalEntry) -> String {
    if let Some((at, by)) = &entry.reported {
        return format!("  reported by {by} at {}", at.format("%H:%M:%S"));
    }
    match (&entry.holder, entry.lease_until) {
        (Some(holder), Some(until)) => {
            format!("  held by {holder} until {}", until.format("%H:%M:%S"))
        }
        _ => String::new(),
    }
}

/// `suno resume`: waits for every unfinished task of the journal (and
/// downloads its files with `--download`), as `suno wait` does; reports
/// the creates whose outcome is unknown (exit 7 when there are some).
pub async fn resume(
    conn: &Connection,
    download: Option<PathBuf>,
    json: bool,
) -> Result<u8, Failure> {
    let opened = open_existing(conn.journal.as_deref()).await?;
    let client = &crate::connection::client_builder_on(conn, Some(&opened))?.build()?;
    let journal = opened.journal;
    reconcile(&*journal).await?;
    let entries = journal
        .entries(false)
        .await
        .map_err(|e| Failure::Failed(e.to_string()))?;
    let mut exit = 0;
    let mut by_kind: Vec<(Kind, Vec<String>)> = Vec::new();
    // Each was journaled just before its create went out: a task the API
    // does not know yet is looked for from then.
    let mut ages = std::collections::HashMap::new();
    for entry in &entries {
        match (&entry.task_id, entry.state, entry.task_kind()) {
            (Some(task_id), EntryState::Created, Some(kind)) => {
                let age = (chrono::Utc::now() - entry.created_at).to_std();
                ages.insert(task_id.clone(), age.unwrap_or_default());
                let kind = cli_kind(kind);
                match by_kind.iter_mut().find(|(k, _)| *k == kind) {
                    Some((_, ids)) => ids.push(task_id.clone()),
                    None => by_kind.push((kind, vec![task_id.clone()])),
                }
            }
            _ => {
                tell!(
                    "{} create of {} ({}): {}; the task may exist, and its callback carries its id",
                    entry.operation,
                    entry.created_at.format("%Y-%m-%d %H:%M:%S UTC"),
                    entry.state,
                    entry
                        .detail
                        .as_deref()
                        .unwrap_or("its outcome was never written down"),
                );
                exit = 7;
            }
        }
    }
    let follow = Follow {
        until: Until::Complete,
        timeout: std::time::Duration::from_secs(600),
        json,
        listen: None,
        insecure_no_verify: false,
        download,
        just_created: false,
        ages,
        not_found_grace: None,
    };
    for (kind, ids) in by_kind {
        let code = crate::kinds::for_kind!(kind, F => crate::wait::follow::<F>(client, &ids, &follow).await)?;
        exit = exit.max(code);
    }
    Ok(exit)
}

fn cli_kind(kind: TaskKind) -> Kind {
    match kind {
        TaskKind::Lyrics => Kind::Lyrics,
        TaskKind::Wav => Kind::Wav,
        TaskKind::VocalSeparation => Kind::Vocals,
        TaskKind::Midi => Kind::Midi,
        TaskKind::Video => Kind::Video,
        TaskKind::Cover => Kind::Cover,
        _ => Kind::Music,
    }
}
