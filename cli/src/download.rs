//! `suno download`: saves the files a task made (each track's audio and
//! cover image; a WAV, video, stems or cover images for the other kinds)
//! into a directory, a few at a time, and prints one line per file (path
//! and bytes). Files already complete are skipped without a request; a
//! failed file leaves nothing under its name, and is named on stderr with
//! its task (exit 4). Ctrl-C stops the downloads, removes what was half
//! written, and exits 130.

use std::path::Path;

use kie_suno::Client;
use kie_suno::download::{DownloadEvent, Saved, TaskFiles};

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
        eprintln!("no files to download yet");
        return 0;
    }
    let downloads = client.downloads().on_event(|event| {
        if let DownloadEvent::Started { name, total } = event {
            let size = total.map_or(String::new(), |t| format!(" ({t} bytes)"));
            eprintln!("downloading {name}{size}");
        }
    });
    let results = tokio::select! {
        results = downloads.all(files, dir) => results,
        _ = tokio::signal::ctrl_c() => {
            // Dropping the downloads removed their temporary files.
            eprintln!("interrupted: the files not yet complete were not saved");
            return crate::exit::INTERRUPTED;
        }
    };
    let mut exit = 0;
    for (result, (stem, task_id)) in results.into_iter().zip(names) {
        match result {
            Ok(saved) => println!("{}", line(&saved, json)),
            Err(e) => {
                let task = task_id.map_or(String::new(), |id| format!("task {id}: "));
                eprintln!("error: {task}file {stem} not saved: {e}");
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
            "already_there": saved.already_there,
        })
        .to_string()
    } else {
        let note = if saved.already_there {
            "  (already there)"
        } else {
            ""
        };
        format!("{}  {}{note}", saved.path.display(), saved.bytes)
    }
}
