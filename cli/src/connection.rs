//! What every `suno` command connects with: the API's address and key,
//! the journal, and the client made of them.

use clap::Args;
use kie_suno::{ApiKey, Client, Error};

use crate::exit::Failure;
use crate::store::Opened;

#[derive(Args)]
pub struct Connection {
    /// The API's base URL.
    #[arg(
        long,
        global = true,
        env = "KIE_BASE_URL",
        hide_env_values = true,
        default_value = kie_suno::DEFAULT_BASE_URL
    )]
    pub base_url: String,
    /// The kie.ai API key.
    #[arg(long, global = true, env = "KIE_API_KEY", hide_env_values = true)]
    pub api_key: Option<String>,
    /// Log each poll and status change to stderr (never the key).
    #[arg(short, long, global = true)]
    pub verbose: bool,
    /// The task journal the commands that create tasks write to, and
    /// `tasks`/`resume`/`worker` read: an SQLite file (default: in the
    /// user's data directory), or a `postgres://` URL shared by a fleet.
    #[arg(
        long,
        global = true,
        env = "KIE_JOURNAL",
        value_name = "PATH|URL",
        hide_env_values = true
    )]
    pub journal: Option<String>,
    /// Do not write created tasks to the journal.
    #[arg(long, global = true)]
    pub no_journal: bool,
}

/// The client of a command: the connection's settings, and the journal
/// (waits record the status changes of journaled tasks).
pub async fn client(conn: &Connection) -> Result<Client, Failure> {
    Ok(client_builder(conn).await?.build()?)
}

/// The settings every command's client has: key, base URL, and the
/// journal, unless `--no-journal` (a database shared by a fleet also keeps
/// the account's create limit across every process creating through it).
pub async fn client_builder(conn: &Connection) -> Result<kie_suno::ClientBuilder, Failure> {
    let opened = match conn.no_journal {
        true => None,
        false => Some(crate::store::open_store(conn.journal.as_deref()).await?),
    };
    client_builder_on(conn, opened.as_ref())
}

/// The same settings, on a journal the command has open already (a
/// worker's, which it also claims tasks from): one store, opened once.
pub fn client_builder_on(
    conn: &Connection,
    opened: Option<&Opened>,
) -> Result<kie_suno::ClientBuilder, Failure> {
    let key = conn.api_key.as_deref().ok_or(Error::MissingApiKey)?;
    let mut builder = Client::builder()
        .api_key(ApiKey::new(key)?)
        .base_url(&conn.base_url);
    if let Some(opened) = opened {
        builder = builder.journal(opened.journal.clone());
        if let Some(postgres) = &opened.postgres {
            builder = builder.shared_create_limit(std::sync::Arc::new(postgres.clone()));
        }
    }
    Ok(builder)
}
