//! The journal: every create written down before it is sent, so that a
//! program that dies mid-wait loses no task. Here a task is created and
//! its wait dropped, as a crash would; a second pass reads the unfinished
//! tasks back from the journal and follows them to their end.
//!
//! ```sh
//! cargo run --example journal
//! ```

mod common;

use std::sync::Arc;

use kie_suno::journal::{EntryState, Journal, SqliteJournal};
use kie_suno::music::GenerateMusic;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = common::files_dir("journal")?;
    let path = dir.join("tasks.sqlite3");
    let journal = Arc::new(SqliteJournal::open(&path)?);
    let (settings, _mock) = common::settings().await?;
    let client = settings.journal(journal.clone()).build()?;

    let task = client
        .music()
        .generate(GenerateMusic::from_description(
            "a lullaby for a sleepy cat",
        ))
        .await?;
    println!(
        "created task {} (journaled in {})",
        task.id(),
        path.display()
    );
    drop(task); // the program "dies" here, before its wait

    // Later, maybe in another process: what is unfinished, and its end.
    for entry in journal.entries(false).await? {
        let (Some(task_id), EntryState::Created) = (&entry.task_id, entry.state) else {
            continue;
        };
        println!(
            "resuming {task_id} ({}, created {})",
            entry.operation, entry.created_at
        );
        let record = client.wait(task_id).await?;
        println!("{task_id} is {}", record.status());
    }
    for entry in journal.entries(true).await? {
        println!(
            "journal: {} {} {}",
            entry.task_id.as_deref().unwrap_or("-"),
            entry.operation,
            entry.state
        );
    }
    Ok(())
}
