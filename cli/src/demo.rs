//! `suno demo`: the whole flow without a key, against the mock API in this
//! process. It reads the account's credits, generates a track from a
//! description, and waits for the task with the same code as `suno
//! generate --wait`, woken by the task's signed callbacks (the mock posts
//! them to a receiver in this process, as the provider would to yours); a
//! twin task waited for by polling alone shows what they saved.

use std::time::Duration;

use kie_suno::callback::{Receiver, Verifier, WebhookKey};
use kie_suno::mock::{CallbackDelivery, MockServer, Script};
use kie_suno::music::{GenerateMusic, Music, Stage};
use kie_suno::wait::Wakeups;
use kie_suno::{ApiKey, Client};

use crate::exit::Failure;
use crate::wait::{self, Options};

/// The same lifecycle, waited for without callbacks.
const TWIN: &str = "demo-twin";
/// Lyrics at 3 s, a stream at 7 s, every track at 15 s: the live shape
/// (seconds, ~35 s, 2-3 min) compressed to fit a demo.
const SCRIPT: &str = "TEXT_SUCCESS@3s,FIRST_SUCCESS@7s,SUCCESS@15s";
/// The demo's webhook key: the mock signs with it, the receiver checks it.
const WEBHOOK_KEY: &str = "demo-webhook-key";

pub async fn run(json: bool) -> Result<u8, Failure> {
    let failed = |what: &str, e: &dyn std::fmt::Display| Failure::Failed(format!("{what}: {e}"));
    let key = WebhookKey::new(WEBHOOK_KEY).ok_or_else(|| failed("demo key", &"empty"))?;
    let wakeups = Wakeups::trusting();
    let (receiver, _received, _receiving) = Receiver::new(Verifier::new(key.clone()))
        .wake(&wakeups)
        .serve(([127, 0, 0, 1], 0).into())
        .await
        .map_err(|e| failed("cannot start the callback receiver on 127.0.0.1", &e))?;
    let callback_url = format!("http://{receiver}/suno-callbacks");
    let script: Script = SCRIPT.parse().map_err(|e| failed("demo script", &e))?;
    let delivery = CallbackDelivery {
        url: callback_url.clone(),
        key: Some(key),
        faults: Default::default(),
    };
    let server = MockServer::builder()
        .lifecycle(script.clone())
        .credits(120)
        .callbacks(delivery)
        .start()
        .await
        .map_err(|e| failed("cannot start the mock API on 127.0.0.1", &e))?;
    server.add_task(TWIN, script);
    tell!(
        "suno demo: a mock of the kie.ai API is serving at {} (no API key needed);",
        server.url()
    );
    tell!("its callbacks go to a receiver in this process at {callback_url}.\n");

    let client = Client::builder()
        .api_key(ApiKey::new(server.api_key())?)
        .base_url(server.url())
        .callback_url(&callback_url)
        .build()?;
    tell!("The account has {} credits.", client.credits().await?);
    let request = GenerateMusic::from_description("a calm piano piece for a rainy evening");
    let task = client.music().generate(request).await?;
    tell!(
        "Created music task {} from a description; it now has {} credits.",
        task.id(),
        client.credits().await?
    );
    tell!(
        "It plays lyrics at 3 s, a stream at 7 s, both tracks done at 15 s. Waiting for it \
         as `suno generate --wait --listen` does against the real API:\n"
    );

    let twin = {
        let client = client.clone();
        tokio::spawn(async move { client.wait(TWIN).deadline(Duration::from_secs(60)).await })
    };
    let options = Options::<Music> {
        until: Some(Stage::Complete),
        timeout: Duration::from_secs(60),
        json,
        wakeups: Some(wakeups),
        just_created: true,
        ages: [(task.id().to_owned(), Duration::ZERO)].into(),
        not_found_grace: None,
    };
    let (code, _) = wait::run(&client, &[task.id().to_owned()], &options).await;
    let _ = twin.await;
    let polls_of = |id: &str| {
        server
            .requests()
            .iter()
            .filter(|r| r.task_id.as_deref() == Some(id))
            .count()
    };
    tell!(
        "\nWoken by its callbacks, the wait made {} requests; polling alone, its twin made {}.",
        polls_of(task.id()),
        polls_of(TWIN)
    );
    tell!(
        "{} requests over the API's limit of 3 per second per task.",
        server.rate_violations()
    );
    Ok(code)
}
