//! `suno download`: saves the files a task made (each track's audio and
//! cover image; a WAV, video, stems or cover images for the other kinds)
//! into a directory, a few at a time, and prints one line per file (path,
//! bytes, how long it plays, which source gave it, and whether another file
//! of the task has the same bytes). Each file is checked (not empty, whole,
//! audio as long as its record says) and tried from its other URLs when
//! its own fails. Files already complete are skipped without a request; a
//! failed file leaves nothing under its name, and is named on stderr with
//! its task and every URL tried (exit 4). Ctrl-C stops the downloads, removes what was half
//! written, and exits 130.

use std::path::Path;

use kie_suno::Client;
use kie_suno::download::{DownloadEvent, Saved, SourceKind, TaskFiles};

use crate::exit::Failure;

/// Saves the files of `record` into `dir`; prints a line per file and a
/// progress line per file start on stderr. Exit code 4 when any failed,
/// 130 when interrupted.
pub async fn save(client: &Client, record: &impl TaskFiles, dir: &Path, json: bool) -> u8 {
    let files = record.files();
    let names: Vec<(String, Option<String>)> = files
        .iter()
        .map(|f| (f.stem.clone(), f.task_id.clone()))
        .collect();
    if files.is_empty() {
        tell!("no files to download yet");
        return 0;
    }
    let downloads = client.downloads().on_event(|event| {
        if let DownloadEvent::Started { name, total } = event {
            let size = total.map_or(String::new(), |t| format!(" ({t} bytes)"));
            tell!("downloading {name}{size}");
        }
    });
    let results = tokio::select! {
        results = downloads.all(files, dir) => results,
        _ = tokio::signal::ctrl_c() => {
            // Dropping the downloads removed their temporary files.
            tell!("interrupted: the files not yet complete were not saved");
            return crate::exit::INTERRUPTED;
        }
    };
    let mut exit = 0;
    for (result, (stem, task_id)) in results.into_iter().zip(names) {
        match result {
            Ok(saved) => say!("{}", line(&saved, json)),
            Err(e) => {
                let task = task_id.map_or(String::new(), |id| format!("task {id}: "));
                tell!("error: {task}file {stem} not saved: {e}");
                exit = exit.max(Failure::from_error(&e).exit_code());
            }
        }
    }
    exit
}

fn line(saved: &Saved, json: bool) -> String {
    if json {
        serde_json::json!({
            "path": saved.path.display().to_string(),
            "bytes": saved.bytes,
            "sha256": saved.sha256,
            "duration_secs": saved.duration.map(|d| d.as_secs_f64()),
            "source": saved.source,
            "source_url": saved.source_url,
            "already_there": saved.already_there,
            "duplicate_of": saved.duplicate_of.as_ref().map(|p| p.display().to_string()),
        })
        .to_string()
    } else {
        let mut notes = Vec::new();
        if let Some(d) = saved.duration {
            notes.push(format!("{:.1} s", d.as_secs_f64()));
        }
        let from = if saved.source_url.is_empty() {
            saved.source.to_string()
        } else {
            format!("{} {}", saved.source, saved.source_url)
        };
        notes.push(format!("from {from}"));
        if saved.source == SourceKind::Stream {
            notes.push("a stream: the file URLs failed".to_owned());
        }
        if saved.already_there {
            notes.push("already there".to_owned());
        }
        if let Some(first) = &saved.duplicate_of {
            notes.push(format!("same bytes as {}", first.display()));
        }
        format!(
            "{}  {}  ({})",
            saved.path.display(),
            saved.bytes,
            notes.join("; ")
        )
    }
}
