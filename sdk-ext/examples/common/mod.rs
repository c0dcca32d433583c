//! What every example starts with: a client of the live API when
//! `KIE_API_KEY` is set (with `KIE_CALLBACK_URL`, where the API posts a
//! task's results), else of a mock of the API started in this process,
//! whose tasks finish in seconds and cost nothing.

use kie_suno::{ApiKey, Client, ClientBuilder};
use std::time::Duration;

use kie_suno::mock::{KindScript, MockServer, Script};

/// A client, and the mock it talks to when there is no key (kept alive
/// for as long as the example runs).
#[allow(dead_code)] // the journal example builds its own client
pub struct Api {
    pub client: Client,
    pub mock: Option<MockServer>,
}

/// The live API with `KIE_API_KEY`, else an embedded mock.
#[allow(dead_code)] // the journal example builds its own
pub async fn connect() -> Result<Api, Box<dyn std::error::Error>> {
    let (builder, mock) = settings().await?;
    Ok(Api {
        client: builder.build()?,
        mock,
    })
}

/// The settings of [`connect`]'s client, to add to (a journal, say).
pub async fn settings() -> Result<(ClientBuilder, Option<MockServer>), Box<dyn std::error::Error>> {
    if let Ok(key) = std::env::var("KIE_API_KEY") {
        let mut builder = Client::builder().api_key(ApiKey::new(&key)?);
        if let Ok(url) = std::env::var("KIE_CALLBACK_URL") {
            builder = builder.callback_url(url);
        }
        return Ok((builder, None));
    }
    // Songs in 6 s, the other families in 3 s: the live shape, compressed.
    let mock = MockServer::builder()
        .lifecycle(Script::success(Duration::from_secs(6)))
        .kind_lifecycle(KindScript::done_after(Duration::from_secs(3)))
        .start()
        .await?;
    eprintln!(
        "KIE_API_KEY is not set: using a mock of the API at {} (tasks finish in seconds, no credits spent)",
        mock.url()
    );
    Ok((mock.client_builder()?, Some(mock)))
}

/// A fresh directory for an example's files, under the system's
/// temporary directory.
#[allow(dead_code)] // not every example saves files
pub fn files_dir(example: &str) -> std::io::Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("kie-suno-{example}-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}
