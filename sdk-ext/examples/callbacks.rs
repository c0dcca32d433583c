//! Callbacks in an axum app: the provider POSTs each stage of a task to
//! the create's callback URL; the SDK's receiver, mounted in your router,
//! checks each delivery's signature and wakes the task's waits, which
//! confirm with one poll instead of polling on a schedule. Here the mock
//! plays the provider, signing with the same webhook key.
//!
//! ```sh
//! cargo run --example callbacks
//! ```

use std::time::Duration;

use kie_suno::callback::{Received, Receiver, Verifier, WebhookKey};
use kie_suno::mock::{CallbackDelivery, MockServer, Script};
use kie_suno::music::GenerateMusic;
use kie_suno::wait::Wakeups;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Your app, with the receiver under /kie/callbacks.
    let key = WebhookKey::new("example-webhook-key").ok_or("an empty key")?;
    let wakeups = Wakeups::new();
    let (receiver, mut deliveries) = Receiver::new(Verifier::new(key.clone()))
        .wake(&wakeups)
        .router();
    let app = axum::Router::new()
        .route("/health", axum::routing::get(|| async { "ok" }))
        .nest("/kie/callbacks", receiver);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let callback_url = format!("http://{}/kie/callbacks", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, app).await });

    // The provider (a mock here; the live API when you deploy).
    let mock = MockServer::builder()
        .lifecycle(Script::success(Duration::from_secs(6)))
        .callbacks(CallbackDelivery {
            url: callback_url.clone(),
            key: Some(key),
            faults: Default::default(),
        })
        .start()
        .await?;
    let client = kie_suno::Client::builder()
        .api_key(kie_suno::ApiKey::new(mock.api_key())?)
        .base_url(mock.url())
        .callback_url(&callback_url)
        .build()?;

    let task = client
        .music()
        .generate(GenerateMusic::from_description("a street parade"))
        .await?;
    println!(
        "created task {}; its callbacks go to {callback_url}",
        task.id()
    );
    tokio::spawn(async move {
        while let Some(received) = deliveries.recv().await {
            match received {
                Received::Callback(delivery) => println!(
                    "  callback for {}: {:?} (signed: {})",
                    delivery.callback.task_id,
                    delivery.callback.claim(),
                    delivery.signed
                ),
                Received::Refused(why) => println!("  refused a delivery: {why:?}"),
                _ => {}
            }
        }
    });
    let progress = client.wait(task.id()).wake_on(&wakeups);
    let polls = progress.progress();
    let record = progress.await?;
    println!(
        "{} is {} after {} polls",
        record.task_id(),
        record.status(),
        polls.polls()
    );
    Ok(())
}
