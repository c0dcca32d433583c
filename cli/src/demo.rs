//! `suno demo`: the whole flow without a key. Starts the mock API in this
//! process, scripts one task with a short but realistic lifecycle, and
//! waits for it with the same code as `suno wait`, woken by the task's
//! callbacks (delivered in-process at each change, as the provider POSTs
//! them); a twin task waited for by polling alone shows what they saved.

use std::time::Duration;

use kie_suno::mock::{MockServer, Script};
use kie_suno::music::Stage;
use kie_suno::wait::Wakeups;

use crate::Failure;
use crate::wait::{self, Options};

const TASK: &str = "demo-5c79be8e";
/// The same lifecycle, waited for without callbacks.
const TWIN: &str = "demo-twin";
/// Lyrics at 3 s, a stream at 7 s, every track at 15 s: the live shape
/// (seconds, ~35 s, 2-3 min) compressed to fit a demo.
const SCRIPT: &str = "TEXT_SUCCESS@3s,FIRST_SUCCESS@7s,SUCCESS@15s";

pub async fn run(json: bool) -> Result<u8, Failure> {
    let server = MockServer::start()
        .await
        .map_err(|e| Failure::Failed(format!("cannot start the mock API on 127.0.0.1: {e}")))?;
    let script: Script = SCRIPT
        .parse()
        .map_err(|e| Failure::Failed(format!("demo script: {e}")))?;
    server.add_task(TASK, script.clone());
    server.add_task(TWIN, script.clone());
    eprintln!(
        "suno demo: a mock of the kie.ai API is serving at {} (no API key needed).",
        server.url()
    );
    eprintln!(
        "It plays one task, {TASK}: lyrics at 3 s, a stream at 7 s, both tracks done at 15 s."
    );
    eprintln!("Waiting for it as `suno wait {TASK}` waits against the real API:\n");

    let client = server.client()?;
    let wakeups = Wakeups::new();
    let callbacks = {
        let wakeups = wakeups.clone();
        let changes: Vec<Duration> = script.changes().collect();
        tokio::spawn(async move {
            let start = tokio::time::Instant::now();
            for at in changes {
                tokio::time::sleep_until(start + at).await;
                wakeups.notify(TASK);
            }
        })
    };
    let twin = {
        let client = client.clone();
        tokio::spawn(async move { client.wait(TWIN).deadline(Duration::from_secs(60)).await })
    };
    let options = Options {
        until: Stage::Complete,
        timeout: Duration::from_secs(60),
        json,
        wakeups: Some(wakeups),
    };
    let code = wait::run(&client, &[TASK.to_owned()], &options).await;
    callbacks.abort();
    let _ = twin.await;
    let polls_of = |id: &str| {
        server
            .requests()
            .iter()
            .filter(|r| r.task_id.as_deref() == Some(id))
            .count()
    };
    eprintln!(
        "\nWoken by its callbacks, the wait made {} requests; polling alone, its twin made {}.",
        polls_of(TASK),
        polls_of(TWIN)
    );
    eprintln!(
        "{} requests over the API's limit of 3 per second per task.",
        server.rate_violations()
    );
    Ok(code)
}
