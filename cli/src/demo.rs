//! `suno demo`: the whole flow without a key. Starts the mock API in this
//! process, scripts one task with a short but realistic lifecycle, and
//! waits for it with the same code as `suno wait`.

use std::time::Duration;

use kie_suno::mock::{MockServer, Script};
use kie_suno::wait::Stage;

use crate::Failure;
use crate::wait::{self, Options};

const TASK: &str = "demo-5c79be8e";
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
    server.add_task(TASK, script);
    eprintln!(
        "suno demo: a mock of the kie.ai API is serving at {} (no API key needed).",
        server.url()
    );
    eprintln!(
        "It plays one task, {TASK}: lyrics at 3 s, a stream at 7 s, both tracks done at 15 s."
    );
    eprintln!("Waiting for it as `suno wait {TASK}` waits against the real API:\n");

    let client = server.client()?;
    let options = Options {
        until: Stage::Complete,
        timeout: Duration::from_secs(60),
        json,
    };
    let code = wait::run(&client, &[TASK.to_owned()], &options).await;
    eprintln!(
        "\n{} requests to the mock, {} over the API's limit of 3 per second per task.",
        server.requests().len(),
        server.rate_violations()
    );
    Ok(code)
}
