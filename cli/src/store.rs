//! Where the task journal is: the SQLite file or PostgreSQL database
//! `--journal` names (`KIE_JOURNAL`), else a file in the user's data
//! directory, opened for the commands that read or write it.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use kie_suno::journal::{Journal, LeaseQueue, PostgresJournal, SqliteJournal};

use crate::exit::Failure;

/// An open journal.
pub struct Opened {
    pub journal: Arc<dyn Journal>,
    /// The same store, as the queue workers claim tasks from.
    pub queue: Arc<dyn LeaseQueue>,
    /// The same journal when it is in PostgreSQL (for callback fan-out).
    pub postgres: Option<PostgresJournal>,
    /// Where it is, to print (a URL without its password).
    pub location: String,
}

/// Whether `--journal` names a PostgreSQL database.
fn is_postgres_url(text: &str) -> bool {
    text.starts_with("postgres://") || text.starts_with("postgresql://")
}

/// How long a database that cannot be reached is tried before a command
/// says so.
const FIRST_TRY: Duration = Duration::from_secs(5);

/// How long a command that creates waits for its journal's database (a
/// create is not sent unjournaled), after saying that it waits.
const CREATE_WAITS: Duration = Duration::from_secs(60);

/// Opens the journal `--journal` names (a `postgres://` URL or a file).
/// A database that cannot be reached within 5 s is waited for up to a
/// minute more, saying so on stderr, with the cause.
pub async fn open_store(journal: Option<&str>) -> Result<Opened, Failure> {
    open(journal, true).await
}

async fn open(journal: Option<&str>, wait: bool) -> Result<Opened, Failure> {
    if let Some(url) = journal.filter(|j| is_postgres_url(j)) {
        let journal = match PostgresJournal::open_with_retry(url, FIRST_TRY).await {
            Ok(journal) => journal,
            Err(e) if wait => {
                tell!(
                    "suno: {e}; waiting up to {} s more for it (nothing is sent unjournaled)",
                    CREATE_WAITS.as_secs()
                );
                PostgresJournal::open_with_retry(url, CREATE_WAITS)
                    .await
                    .map_err(|e| Failure::Failed(e.to_string()))?
            }
            Err(e) => return Err(Failure::Failed(e.to_string())),
        };
        let store = Arc::new(journal.clone());
        return Ok(Opened {
            location: journal.location().to_owned(),
            journal: store.clone(),
            queue: store,
            postgres: Some(journal),
        });
    }
    let path = path(journal);
    let store = Arc::new(SqliteJournal::open(&path).map_err(|e| Failure::Usage(e.to_string()))?);
    Ok(Opened {
        journal: store.clone(),
        queue: store,
        postgres: None,
        location: path.display().to_string(),
    })
}

/// Opens a journal that is there already, for the commands that only read
/// it (`tasks`, `resume`): a file that is not there is an error naming the
/// path, never a new empty journal (a mistyped path would otherwise read
/// as "no unfinished tasks"); a database that cannot be reached is an
/// error, with its cause, after 5 s.
pub async fn open_existing(journal: Option<&str>) -> Result<Opened, Failure> {
    if !journal.is_some_and(is_postgres_url) {
        let path = path(journal);
        if !path.is_file() {
            return Err(Failure::Usage(format!(
                "no journal at {}: no create has been journaled there (give --journal \
                 or KIE_JOURNAL if it is elsewhere)",
                path.display()
            )));
        }
    }
    open(journal, false).await
}

/// The journal's file: `--journal`, `KIE_JOURNAL`, else
/// `$XDG_DATA_HOME/kie-suno/journal.sqlite3` (`~/.local/share/...`;
/// `%APPDATA%\kie-suno\...` on Windows).
pub fn path(journal: Option<&str>) -> PathBuf {
    if let Some(path) = journal {
        return PathBuf::from(path);
    }
    let var = |name: &str| {
        std::env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    let data = var("XDG_DATA_HOME")
        .or_else(|| var("HOME").map(|home| home.join(".local").join("share")))
        .or_else(|| var("APPDATA"))
        .unwrap_or_else(|| PathBuf::from("."));
    data.join("kie-suno").join("journal.sqlite3")
}
