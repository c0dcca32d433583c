//! A fleet worker: processes that create only journal their tasks, and
//! workers on the same journal see each to its end, save its files and
//! report it, once: two workers here, each claiming what is unclaimed
//! (up to its concurrency). A worker that dies loses nothing: its leases
//! run out and the other takes its tasks over.
//! SQLite serves the processes of one machine; `PostgresJournal` (feature
//! `postgres`) a fleet on many.
//!
//! ```sh
//! cargo run --example worker
//! ```

mod common;

use std::sync::Arc;
use std::time::Duration;

use kie_suno::journal::SqliteJournal;
use kie_suno::music::GenerateMusic;
use kie_suno::worker::{Worker, WorkerEvent};
use tokio_util::sync::CancellationToken;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = common::files_dir("worker")?;
    let journal = Arc::new(SqliteJournal::open(dir.join("tasks.sqlite3"))?);
    let (settings, _mock) = common::settings().await?;
    let client = settings.journal(journal.clone()).build()?;

    // The creating side: journaled creates, no waiting.
    for theme in ["harbour", "market", "orchard"] {
        let task = client
            .music()
            .generate(GenerateMusic::from_description(format!(
                "a {theme} at noon"
            )))
            .await?;
        println!("created task {}", task.id());
    }

    // The waiting side: two workers, each reporting what it finished.
    let stop = CancellationToken::new();
    let (reports, mut reported) = tokio::sync::mpsc::unbounded_channel();
    let mut workers = Vec::new();
    for name in ["worker-a", "worker-b"] {
        let worker = Worker::new(&client, journal.clone())
            .name(name)
            .lease(Duration::from_secs(30))
            .download_to(dir.join("files"));
        let reports = reports.clone();
        workers.push(tokio::spawn(worker.run(stop.clone(), move |event| {
            if let WorkerEvent::Reported(report) = event {
                let _ = reports.send(report);
            }
        })));
    }
    for _ in 0..3 {
        let report = reported.recv().await.ok_or("the workers stopped")?;
        println!(
            "{} reported {}: {} ({} files saved)",
            report.worker,
            report.task_id,
            report.failure.as_deref().unwrap_or("completed"),
            report.files.len()
        );
    }
    stop.cancel();
    for worker in workers {
        worker.await?;
    }
    Ok(())
}
