//! A claimer in a process of its own, for the journal contract's test of
//! claimers that share only an SQLite file: claims under the holder name
//! given until nothing is left, printing each task id it got.
#![forbid(unsafe_code)]

use std::time::Duration;

use kie_suno::journal::{LeaseQueue, SqliteJournal};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(path), Some(holder)) = (args.next(), args.next()) else {
        return Err("usage: journal-claimer JOURNAL HOLDER".into());
    };
    let journal = SqliteJournal::open(path)?;
    loop {
        let got = journal.claim(&holder, Duration::from_secs(300), 16).await?;
        if got.is_empty() {
            return Ok(());
        }
        for entry in got {
            if entry.holder.as_deref() != Some(holder.as_str()) {
                return Err(
                    format!("claimed {:?} held by {:?}", entry.intent, entry.holder).into(),
                );
            }
            println!("{}", entry.task_id.unwrap_or_default());
        }
    }
}
