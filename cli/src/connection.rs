//! What every `suno` command connects with: the API's address and key,
//! the journal, and the client made of them.

use clap::Args;
use kie_suno::{ApiKey, Client, Error};

use crate::exit::Failure;
use crate::store::Opened;

/// `suno`'s own options, given before the command (`suno --api-key K
/// task ID`), with the environment's values; each command takes the ones
/// it uses after its name too, and those win.
#[derive(Args)]
pub struct Global {
    /// The API's base URL (default https://api.kie.ai).
    #[arg(long, env = "KIE_BASE_URL", hide_env_values = true, value_name = "URL")]
    base_url: Option<String>,
    /// The kie.ai API key.
    #[arg(long, env = "KIE_API_KEY", hide_env_values = true)]
    api_key: Option<String>,
    /// Log each poll and status change to stderr (never the key).
    #[arg(short, long, global = true)]
    pub verbose: bool,
    /// The task journal: an SQLite file (default: in the user's data
    /// directory), or a `postgres://` URL shared by a fleet.
    #[arg(
        long,
        env = "KIE_JOURNAL",
        value_name = "PATH|URL",
        hide_env_values = true
    )]
    journal: Option<String>,
    /// Do not write created tasks to the journal.
    #[arg(long)]
    no_journal: bool,
}

/// The options of a command that calls the API.
#[derive(Args, Clone, Default)]
pub struct ApiOptions {
    /// The API's base URL (default: KIE_BASE_URL, else https://api.kie.ai).
    #[arg(long, value_name = "URL")]
    base_url: Option<String>,
    /// The kie.ai API key (default: KIE_API_KEY).
    #[arg(long)]
    api_key: Option<String>,
}

/// The journal a command reads.
#[derive(Args, Clone, Default)]
pub struct JournalOptions {
    /// The task journal: an SQLite file (default: KIE_JOURNAL, else in the
    /// user's data directory), or a `postgres://` URL shared by a fleet.
    #[arg(long, value_name = "PATH|URL")]
    journal: Option<String>,
}

/// The journal a command that creates or waits writes to, unless told not to.
#[derive(Args, Clone, Default)]
pub struct Journaling {
    #[command(flatten)]
    journal: JournalOptions,
    /// Do not write to the journal (creates, status changes, saved files).
    #[arg(long)]
    no_journal: bool,
}

/// What a command connects with: its own options, else `suno`'s (and the
/// environment's), else the defaults.
pub struct Connection {
    pub base_url: String,
    pub api_key: Option<String>,
    pub journal: Option<String>,
    pub no_journal: bool,
}

impl Global {
    /// The connection of a command that takes `api` (if it calls the API)
    /// and `journal` (if it reads or writes one).
    pub fn with(&self, api: Option<&ApiOptions>, journal: Option<&JournalOptions>) -> Connection {
        let api = api.cloned().unwrap_or_default();
        Connection {
            base_url: api
                .base_url
                .or_else(|| self.base_url.clone())
                .unwrap_or_else(|| kie_suno::DEFAULT_BASE_URL.to_owned()),
            api_key: api.api_key.or_else(|| self.api_key.clone()),
            journal: journal
                .and_then(|j| j.journal.clone())
                .or_else(|| self.journal.clone()),
            no_journal: self.no_journal,
        }
    }

    /// The connection of a command that writes to the journal unless
    /// `--no-journal`.
    pub fn journaling(&self, api: &ApiOptions, journaling: &Journaling) -> Connection {
        let mut conn = self.with(Some(api), Some(&journaling.journal));
        conn.no_journal |= journaling.no_journal;
        conn
    }
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
