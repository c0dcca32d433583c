//! The journal in a PostgreSQL database, shared by processes on many
//! machines: the same records as the SQLite file (tables prefixed
//! `kie_suno_`), a schema versioned in `kie_suno_schema` and migrated on
//! open under an advisory lock, leases claimed with `FOR UPDATE SKIP
//! LOCKED` and timed by the database's clock (so workers' clocks do not
//! matter), callbacks recorded and fanned out with `LISTEN`/`NOTIFY`
//! (replayed from their table to a listener that reconnects), and
//! the account's create limit kept across processes
//! ([`SharedCreateLimit`](crate::journal::SharedCreateLimit): a table of recent creates, read and written
//! under an advisory lock on a connection of its own).
//!
//! A database that is briefly away is waited for: every operation retries
//! connection failures with backoff (100 ms doubling to 5 s) for up to a
//! minute ([`PostgresJournal::open_with_retry`] sets another) before it fails; a create
//! therefore waits for its journal rather than going out unjournaled.
//! Connections use TLS as the URL's `sslmode` asks, with libpq's
//! meanings (see [`PostgresJournal::open`]).
//!
//! The files: this one holds the journal and its connection (retried
//! while the database is away); `connect.rs` reaches the database (URL,
//! TLS), `migrate.rs` the schema, `store.rs` the records and leases,
//! `fanout.rs` the callbacks, `turns.rs` the create limit.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Mutex;
use tokio_postgres::Client;
use tokio_postgres::error::SqlState;

use super::JournalError;

mod connect;
mod drift;
mod fanout;
mod migrate;
mod store;
mod turns;

use connect::Database;
pub use fanout::CALLBACK_CHANNEL;

/// A journal in a PostgreSQL database.
///
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// use std::sync::Arc;
/// let journal = kie_suno::journal::PostgresJournal::open("postgres://suno@db.internal/suno").await?;
/// let client = kie_suno::Client::builder()
///     .api_key(kie_suno::ApiKey::new("...")?)
///     .journal(Arc::new(journal))
///     .build()?;
/// # let _ = client; Ok(()) }
/// ```
#[derive(Clone)]
pub struct PostgresJournal {
    shared: Arc<Shared>,
}

struct Shared {
    database: Database,
    client: Mutex<Option<Arc<Client>>>,
    /// The connection create turns are taken on, in transactions: one at
    /// a time (`turn`).
    turns: Mutex<Option<Arc<Client>>>,
    turn: Mutex<()>,
    /// Whose turns in flight this journal's are, among every process's.
    turn_holder: String,
    retry_for: Duration,
    /// The journal's fingerprint key, read when it is opened.
    key: std::sync::OnceLock<super::FingerprintKey>,
}

impl std::fmt::Debug for PostgresJournal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresJournal")
            .field("location", &self.shared.database.location())
            .finish_non_exhaustive()
    }
}

impl PostgresJournal {
    /// Connects to the database at `url`
    /// (`postgres://user[:password]@host[:port]/db[?params]`) and brings
    /// the schema up to date.
    ///
    /// TLS (rustls) is as the URL's `sslmode` says, with libpq's meanings:
    ///
    /// | `sslmode` | TLS | the server's certificate |
    /// |---|---|---|
    /// | `disable` | never | - |
    /// | `prefer` (default) | when the server offers it | not checked |
    /// | `require` | always | not checked (checked as `verify-ca` when `sslrootcert` is given) |
    /// | `verify-ca` | always | signed by a trusted CA |
    /// | `verify-full` | always | signed by a trusted CA, for the URL's host |
    ///
    /// The trusted CAs are the system's, or only those in the PEM file
    /// `sslrootcert=PATH` names (`sslrootcert=system`: the system's);
    /// unlike libpq, `~/.postgresql/root.crt` is not read. `hostaddr=IP`
    /// connects to an address while checking the certificate for the
    /// host's name. Across a network you do not control, use
    /// `verify-full`. A certificate that fails its check fails at once
    /// (it is not retried) with what to set.
    pub async fn open(url: &str) -> Result<Self, JournalError> {
        PostgresJournal::open_with_retry(url, Duration::from_secs(60)).await
    }

    /// [`PostgresJournal::open`], retrying connection failures for
    /// `retry_for` (here and in every later operation).
    pub async fn open_with_retry(url: &str, retry_for: Duration) -> Result<Self, JournalError> {
        let database = Database::from_url(url).map_err(|message| JournalError::Store {
            location: "the PostgreSQL URL".to_owned(),
            message,
        })?;
        let journal = PostgresJournal {
            shared: Arc::new(Shared {
                database,
                client: Mutex::new(None),
                turns: Mutex::new(None),
                turn: Mutex::new(()),
                turn_holder: crate::journal::new_intent(),
                retry_for,
                key: std::sync::OnceLock::new(),
            }),
        };
        journal.migrate().await?;
        let key = journal.fingerprint_key().await?;
        let _ = journal.shared.key.set(key);
        Ok(journal)
    }

    /// Where the journal is: the URL without its password.
    pub fn location(&self) -> &str {
        self.shared.database.location()
    }

    fn error(&self, message: &dyn std::fmt::Display) -> JournalError {
        JournalError::Store {
            location: self.shared.database.location().to_owned(),
            message: message.to_string(),
        }
    }

    /// A connected client in `slot`, connecting if there is none or it
    /// closed.
    async fn client(
        &self,
        slot: &mut Option<Arc<Client>>,
    ) -> Result<Arc<Client>, tokio_postgres::Error> {
        if let Some(client) = slot.as_ref().filter(|c| !c.is_closed()) {
            return Ok(client.clone());
        }
        let (client, connection) = self.shared.database.connect().await?;
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::warn!(error = %e, "the journal's database connection ended");
            }
        });
        let client = Arc::new(client);
        *slot = Some(client.clone());
        Ok(client)
    }

    /// Runs `work` on a connection; retries it with backoff after
    /// connection failures (and serialization conflicts) for up to
    /// `retry_for`.
    async fn run<T, F, Fut>(&self, work: F) -> Result<T, JournalError>
    where
        F: Fn(Arc<Client>) -> Fut,
        Fut: Future<Output = Result<T, tokio_postgres::Error>>,
    {
        self.run_on(&self.shared.client, work).await
    }

    /// [`Self::run`] on the connection in `slot`.
    async fn run_on<T, F, Fut>(
        &self,
        slot: &Mutex<Option<Arc<Client>>>,
        work: F,
    ) -> Result<T, JournalError>
    where
        F: Fn(Arc<Client>) -> Fut,
        Fut: Future<Output = Result<T, tokio_postgres::Error>>,
    {
        let started = tokio::time::Instant::now();
        let mut backoff = Duration::from_millis(100);
        loop {
            let connected = self.client(&mut *slot.lock().await).await;
            let (client, result) = match connected {
                Ok(client) => (Some(client.clone()), work(client).await),
                Err(e) => (None, Err(e)),
            };
            match result {
                Ok(value) => return Ok(value),
                Err(e)
                    if is_transient(&e) && started.elapsed() + backoff < self.shared.retry_for =>
                {
                    tracing::warn!(error = %e, retry_in_ms = backoff.as_millis() as u64, "journal database unavailable; retrying");
                    // Drop the failed connection (not one made meanwhile).
                    let mut guard = slot.lock().await;
                    let failed = match (&*guard, &client) {
                        (Some(current), Some(used)) => Arc::ptr_eq(current, used),
                        _ => true,
                    };
                    if failed {
                        *guard = None;
                    }
                    drop(guard);
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(Duration::from_secs(5));
                }
                Err(e) => return Err(self.error(&describe(&e))),
            }
        }
    }
}

/// Whether waiting may help: the connection failed or closed, the server
/// is starting or shutting down, or a transaction lost a conflict.
fn is_transient(error: &tokio_postgres::Error) -> bool {
    if error.is_closed() {
        return true;
    }
    if connect::certificate_failure(error).is_some() {
        return false;
    }
    let io = std::error::Error::source(error).is_some_and(|s| s.is::<std::io::Error>());
    match error.code() {
        None => io,
        Some(code) => {
            code.code().starts_with("08")
                || [
                    SqlState::ADMIN_SHUTDOWN,
                    SqlState::CRASH_SHUTDOWN,
                    SqlState::CANNOT_CONNECT_NOW,
                    SqlState::TOO_MANY_CONNECTIONS,
                    SqlState::T_R_SERIALIZATION_FAILURE,
                    SqlState::T_R_DEADLOCK_DETECTED,
                ]
                .contains(code)
        }
    }
}

/// The error with the database's own message when there is one, else
/// with its causes ("error connecting to server: Connection refused").
fn describe(error: &tokio_postgres::Error) -> String {
    match error.as_db_error() {
        Some(db) => format!("{}: {}", db.code().code(), db.message()),
        None => match connect::certificate_failure(error) {
            Some(why) => format!("{error}: {why} ({})", connect::CERTIFICATE_HINT),
            None => with_causes(error),
        },
    }
}

/// `error` and each of its sources, joined with `: `, leaving out a
/// source whose text its parent already shows.
fn with_causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(c) = cause {
        let said = c.to_string();
        if !text.contains(&said) {
            text.push_str(": ");
            text.push_str(&said);
        }
        cause = c.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Connecting(std::io::Error);

    impl std::fmt::Display for Connecting {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("error connecting to server")
        }
    }

    impl std::error::Error for Connecting {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            Some(&self.0)
        }
    }

    #[test]
    fn a_connection_failure_says_its_cause() {
        let refused = Connecting(std::io::ErrorKind::ConnectionRefused.into());
        assert_eq!(
            with_causes(&refused),
            "error connecting to server: connection refused"
        );
    }
}
