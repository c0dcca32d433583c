//! Follow many tasks at once, printing each as it ends (in completion
//! order), with one polling loop for all of them.
//!
//! ```sh
//! cargo run --example many
//! ```

mod common;

use futures_util::StreamExt;
use kie_suno::music::GenerateMusic;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let api = common::connect().await?;
    let client = &api.client;

    let mut ids = Vec::new();
    for mood in ["sunny", "stormy", "foggy"] {
        // Creates queue under the account's create limit; none is refused.
        let task = client
            .music()
            .generate(GenerateMusic::from_description(format!(
                "a short {mood} morning theme"
            )))
            .await?;
        println!("created task {}", task.id());
        ids.push(task.id().to_owned());
    }

    let mut results = client.wait_all(ids).concurrency(50).stream();
    while let Some((task_id, result)) = results.next().await {
        match result {
            Ok(record) => println!(
                "{task_id}: {} ({} tracks)",
                record.status(),
                record.tracks().len()
            ),
            Err(e) => println!("{task_id}: {e}"),
        }
    }
    Ok(())
}
