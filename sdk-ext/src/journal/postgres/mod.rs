//! The journal in a PostgreSQL database, shared by processes on many
//! machines: the same records as the SQLite file (tables prefixed
//! `kie_suno_`), a schema versioned in `kie_suno_schema` and migrated on
//! open under an advisory lock, leases claimed with `FOR UPDATE SKIP
//! LOCKED` and timed by the database's clock (so workers' clocks do not
//! matter), callbacks recorded and fanned out with `LISTEN`/`NOTIFY`
//! (replayed from their table to a listener that reconnects), and
//! the account's create limit kept across processes
//! ([`SharedCreateLimit`]: a table of recent creates, read and written
//! under an advisory lock on a connection of its own).
//!
//! A database that is briefly away is waited for: every operation retries
//! connection failures with backoff (100 ms doubling to 5 s) for up to a
//! minute ([`PostgresJournal::open_with_retry`] sets another) before it fails; a create
//! therefore waits for its journal rather than going out unjournaled.
//! Connections use TLS as the URL's `sslmode` asks, with libpq's
//! meanings (see [`PostgresJournal::open`]).

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use tokio::sync::Mutex;
use tokio_postgres::error::SqlState;
use tokio_postgres::{AsyncMessage, Client, Row};

use super::{
    EntryState, Journal, JournalEntry, JournalError, JournalEvent, JournalFuture, SharedCreateLimit,
};
use crate::kind::TaskKind;
use crate::limit::CreateLimit;
use crate::wait::{Claim, Wakeups};

mod connect;
use connect::Database;

/// The schema version this code writes.
const SCHEMA_VERSION: i32 = 3;

/// Each version's step from the one before.
const MIGRATIONS: &[(i32, &str)] = &[
    (
        1,
        "CREATE TABLE kie_suno_creates (
        intent      text PRIMARY KEY,
        kind        text NOT NULL,
        operation   text NOT NULL,
        fingerprint text NOT NULL,
        created_at  timestamptz NOT NULL DEFAULT now(),
        state       text NOT NULL,
        task_id     text,
        status      text,
        detail      text,
        updated_at  timestamptz NOT NULL DEFAULT now(),
        holder      text,
        lease_until timestamptz,
        reported_at timestamptz,
        reported_by text
    );
    CREATE INDEX kie_suno_creates_by_task ON kie_suno_creates (kind, task_id);
    CREATE INDEX kie_suno_creates_to_claim ON kie_suno_creates (created_at)
        WHERE reported_at IS NULL AND task_id IS NOT NULL;
    CREATE TABLE kie_suno_files (
        task_id  text NOT NULL,
        path     text NOT NULL,
        bytes    bigint NOT NULL,
        saved_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (task_id, path)
    );
    CREATE TABLE kie_suno_callbacks (
        id          bigserial PRIMARY KEY,
        kind        text NOT NULL,
        task_id     text NOT NULL,
        claim       text NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now()
    );",
    ),
    (
        2,
        "CREATE TABLE kie_suno_create_turns (at timestamptz NOT NULL);
    CREATE INDEX kie_suno_create_turns_by_time ON kie_suno_create_turns (at);",
    ),
    (
        3,
        "CREATE TABLE kie_suno_meta (name text PRIMARY KEY, value bytea NOT NULL);",
    ),
];

/// The channel verified callbacks are published on.
pub const CALLBACK_CHANNEL: &str = "kie_suno_callbacks";

const COLUMNS: &str = "intent, kind, operation, fingerprint, created_at, state, task_id, status,
     detail, updated_at, holder, lease_until, reported_at, reported_by";

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

    /// Creates or migrates the schema, one process at a time.
    async fn migrate(&self) -> Result<(), JournalError> {
        let found = self
            .run(|client| async move {
                client
                    .batch_execute(
                        "SELECT pg_advisory_lock(7164402711);
                         CREATE TABLE IF NOT EXISTS kie_suno_schema (version integer NOT NULL)",
                    )
                    .await?;
                let result = migrate(&client).await;
                client
                    .batch_execute("SELECT pg_advisory_unlock(7164402711)")
                    .await?;
                result
            })
            .await?;
        if found > SCHEMA_VERSION {
            return Err(self.error(&format!(
                "its schema is version {found}, newer than this kie-suno's {SCHEMA_VERSION}; upgrade kie-suno"
            )));
        }
        Ok(())
    }

    /// The journal's fingerprint key: made by the first process to open
    /// it, read by every other.
    async fn fingerprint_key(&self) -> Result<super::FingerprintKey, JournalError> {
        let fresh = super::FingerprintKey::random();
        let bytes: Vec<u8> = self
            .run(|client| {
                let fresh = fresh.as_bytes().to_vec();
                async move {
                    client
                        .execute(
                            "INSERT INTO kie_suno_meta (name, value) VALUES ('fingerprint_key', $1)
                             ON CONFLICT (name) DO NOTHING",
                            &[&fresh],
                        )
                        .await?;
                    let row = client
                        .query_one(
                            "SELECT value FROM kie_suno_meta WHERE name = 'fingerprint_key'",
                            &[],
                        )
                        .await?;
                    Ok(row.get(0))
                }
            })
            .await?;
        super::FingerprintKey::from_bytes(&bytes)
            .ok_or_else(|| self.error(&"its fingerprint key is not 32 bytes"))
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

    /// Records a verified callback and publishes it on
    /// [`CALLBACK_CHANNEL`]: the waits of every process that
    /// [listens](PostgresJournal::wake_on_callbacks) wake on it. Recorded
    /// callbacks are kept a day (for listeners that reconnect, see
    /// [`PostgresJournal::wake_on_callbacks`]).
    pub async fn publish_callback(
        &self,
        kind: TaskKind,
        task_id: &str,
        claim: Claim,
    ) -> Result<(), JournalError> {
        // One statement: recorded and notified together (the notification
        // goes out when it commits), with the record's id for listeners.
        let id: i64 = self
            .run(|client| async move {
                let row = client
                    .query_one(
                        "WITH recorded AS (
                             INSERT INTO kie_suno_callbacks (kind, task_id, claim)
                             VALUES ($1, $2, $3) RETURNING id)
                         SELECT id, pg_notify($4, json_build_object(
                             'id', id, 'kind', $1::text, 'task_id', $2::text, 'claim', $3::text
                         )::text)::text FROM recorded",
                        &[&kind.as_str(), &task_id, &claim.as_str(), &CALLBACK_CHANNEL],
                    )
                    .await?;
                Ok(row.get(0))
            })
            .await?;
        if id % PRUNE_EVERY == 0 {
            self.run(|client| async move {
                client
                    .execute(
                        "DELETE FROM kie_suno_callbacks WHERE received_at < now() - interval '1 day'",
                        &[],
                    )
                    .await
            })
            .await?;
        }
        Ok(())
    }

    /// Listens on [`CALLBACK_CHANNEL`] on a connection of its own and
    /// wakes `wakeups` on every callback any process publishes, until the
    /// returned task is aborted. A lost connection is made again (with
    /// backoff), and the callbacks recorded while it was away are replayed
    /// from the table, so a reconnect loses none (but one whose record was
    /// committed after a later one's was read: that costs a wait latency,
    /// its safety-net poll, never correctness).
    pub fn wake_on_callbacks(&self, wakeups: &Wakeups) -> tokio::task::JoinHandle<()> {
        let (database, wakeups) = (self.shared.database.clone(), wakeups.clone());
        tokio::spawn(async move {
            let mut backoff = Duration::from_millis(100);
            let mut seen = None;
            loop {
                match listen(&database, &wakeups, &mut seen).await {
                    Ok(()) => backoff = Duration::from_millis(100),
                    Err(e) => tracing::warn!(error = %e, "callback fan-out: cannot listen"),
                }
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(5));
            }
        })
    }
}

/// Every this many callbacks published, records older than a day go.
const PRUNE_EVERY: i64 = 1000;

/// One listening connection: returns when it ends. `seen` is the id of
/// the newest callback woken on, by this connection or the ones before;
/// callbacks recorded after it are replayed once the connection listens.
async fn listen(
    database: &Database,
    wakeups: &Wakeups,
    seen: &mut Option<i64>,
) -> Result<(), tokio_postgres::Error> {
    let (client, mut connection) = database.connect().await?;
    let (sender, mut notifications) = tokio::sync::mpsc::unbounded_channel();
    let driver = tokio::spawn(async move {
        let mut messages = futures_util::stream::poll_fn(move |cx| connection.poll_message(cx));
        while let Some(Ok(message)) = messages.next().await {
            if let AsyncMessage::Notification(n) = message
                && sender.send(n.payload().to_owned()).is_err()
            {
                break;
            }
        }
    });
    let listening = async {
        client
            .batch_execute(&format!("LISTEN {CALLBACK_CHANNEL}"))
            .await?;
        // Listening now: whatever is recorded from here on is notified
        // too, so the table fills the gap up to this moment. The first
        // connection starts from the newest record.
        let Some(last) = *seen else {
            let newest = client
                .query_one("SELECT coalesce(max(id), 0) FROM kie_suno_callbacks", &[])
                .await?;
            *seen = Some(newest.get(0));
            return Ok(());
        };
        let missed = client
            .query(
                "SELECT id, task_id, claim FROM kie_suno_callbacks WHERE id > $1 ORDER BY id",
                &[&last],
            )
            .await?;
        for row in &missed {
            wakeups.notify(row.get(1), Claim::parse(row.get(2)));
            *seen = Some(row.get(0));
        }
        Ok::<_, tokio_postgres::Error>(())
    }
    .await;
    if listening.is_ok() {
        while let Some(payload) = notifications.recv().await {
            let Ok(callback) = serde_json::from_str::<Published>(&payload) else {
                continue;
            };
            // A notification can repeat a callback just replayed; waking
            // twice costs at most a poll, so it is not filtered out.
            *seen = Some(seen.map_or(callback.id, |s| s.max(callback.id)));
            if !callback.task_id.is_empty() {
                wakeups.notify(&callback.task_id, Claim::parse(&callback.claim));
            }
        }
    }
    driver.abort();
    listening
}

/// A callback as [`PostgresJournal::publish_callback`] notifies it.
#[derive(serde::Deserialize)]
struct Published {
    id: i64,
    task_id: String,
    #[serde(default)]
    claim: String,
}

/// Applies the migrations the database lacks; returns the version found.
async fn migrate(client: &Client) -> Result<i32, tokio_postgres::Error> {
    let found: i32 = client
        .query_opt("SELECT version FROM kie_suno_schema", &[])
        .await?
        .map_or(0, |row| row.get(0));
    if found >= SCHEMA_VERSION {
        return Ok(found);
    }
    let mut script = String::from("BEGIN;");
    for (to, step) in MIGRATIONS.iter().filter(|(to, _)| *to > found) {
        script.push_str(step);
        script.push_str(&format!(
            ";DELETE FROM kie_suno_schema; INSERT INTO kie_suno_schema VALUES ({to});"
        ));
    }
    script.push_str("COMMIT;");
    client.batch_execute(&script).await?;
    Ok(found)
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

/// The error with the database's own message when there is one.
fn describe(error: &tokio_postgres::Error) -> String {
    match error.as_db_error() {
        Some(db) => format!("{}: {}", db.code().code(), db.message()),
        None => match connect::certificate_failure(error) {
            Some(why) => format!("{error}: {why} ({})", connect::CERTIFICATE_HINT),
            None => error.to_string(),
        },
    }
}

fn entry(row: &Row) -> JournalEntry {
    let state: String = row.get(5);
    let reported_at: Option<DateTime<Utc>> = row.get(12);
    let reported_by: Option<String> = row.get(13);
    JournalEntry {
        intent: row.get(0),
        kind: row.get(1),
        operation: row.get(2),
        fingerprint: row.get(3),
        created_at: row.get(4),
        state: EntryState::parse(&state).unwrap_or(EntryState::Unknown),
        task_id: row.get(6),
        status: row.get(7),
        detail: row.get(8),
        updated_at: row.get(9),
        files: Vec::new(),
        holder: row.get(10),
        lease_until: row.get(11),
        reported: reported_at.map(|at| (at, reported_by.unwrap_or_default())),
    }
}

/// `rows` as entries, with their files.
async fn with_files(
    client: &Client,
    rows: Vec<Row>,
) -> Result<Vec<JournalEntry>, tokio_postgres::Error> {
    let mut entries: Vec<JournalEntry> = rows.iter().map(entry).collect();
    let ids: Vec<String> = entries.iter().filter_map(|e| e.task_id.clone()).collect();
    if ids.is_empty() {
        return Ok(entries);
    }
    let files = client
        .query(
            "SELECT task_id, path, bytes FROM kie_suno_files WHERE task_id = ANY($1) ORDER BY path",
            &[&ids],
        )
        .await?;
    for row in files {
        let task_id: String = row.get(0);
        let bytes: i64 = row.get(2);
        for entry in entries
            .iter_mut()
            .filter(|e| e.task_id.as_deref() == Some(&task_id))
        {
            entry.files.push((row.get(1), bytes.max(0) as u64));
        }
    }
    Ok(entries)
}

async fn write(client: &Client, event: &JournalEvent) -> Result<(), tokio_postgres::Error> {
    match event {
        JournalEvent::CreateStarted {
            intent,
            kind,
            operation,
            fingerprint,
        } => {
            client
                .execute(
                    "INSERT INTO kie_suno_creates (intent, kind, operation, fingerprint, state)
                     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (intent) DO NOTHING",
                    &[
                        intent,
                        &kind.as_str(),
                        operation,
                        fingerprint,
                        &EntryState::Sending.as_str(),
                    ],
                )
                .await?;
        }
        JournalEvent::CreateFinished { intent, outcome } => {
            let (state, task_id, detail) = outcome.entry();
            client
                .execute(
                    "UPDATE kie_suno_creates SET state = $2, task_id = $3, detail = $4, updated_at = now()
                     WHERE intent = $1",
                    &[intent, &state.as_str(), &task_id, &detail],
                )
                .await?;
        }
        JournalEvent::CreateUnanswered { intent, reason } => {
            client
                .execute(
                    "UPDATE kie_suno_creates SET state = $2, detail = $3, updated_at = now()
                     WHERE intent = $1 AND state = $4",
                    &[
                        intent,
                        &EntryState::Unknown.as_str(),
                        reason,
                        &EntryState::Sending.as_str(),
                    ],
                )
                .await?;
        }
        JournalEvent::StatusChanged {
            kind,
            task_id,
            status,
        } => {
            client
                .execute(
                    "UPDATE kie_suno_creates SET status = $3, updated_at = now()
                     WHERE kind = $1 AND task_id = $2",
                    &[&kind.as_str(), task_id, status],
                )
                .await?;
        }
        JournalEvent::Ended {
            kind,
            task_id,
            failed,
        } => {
            let state = EntryState::ended(*failed);
            client
                .execute(
                    "UPDATE kie_suno_creates SET state = $3, updated_at = now()
                     WHERE kind = $1 AND task_id = $2",
                    &[&kind.as_str(), task_id, &state.as_str()],
                )
                .await?;
        }
        JournalEvent::FileSaved {
            task_id,
            path,
            bytes,
        } => {
            client
                .execute(
                    "INSERT INTO kie_suno_files (task_id, path, bytes) VALUES ($1, $2, $3)
                     ON CONFLICT (task_id, path) DO UPDATE SET bytes = $3, saved_at = now()",
                    &[task_id, path, &i64::try_from(*bytes).unwrap_or(i64::MAX)],
                )
                .await?;
        }
    }
    Ok(())
}

impl SharedCreateLimit for PostgresJournal {
    fn take_turn(&self, limit: CreateLimit) -> JournalFuture<'_, ()> {
        Box::pin(async move {
            loop {
                let wait = {
                    let _one_at_a_time = self.shared.turn.lock().await;
                    self.run_on(&self.shared.turns, |client| try_turn(client, limit))
                        .await?
                };
                match wait {
                    None => return Ok(()),
                    Some(wait) => tokio::time::sleep(wait).await,
                }
            }
        })
    }
}

/// Takes a turn if fewer than the limit's creates took one in its last
/// window; otherwise how long until the oldest of them leaves it. Under
/// an advisory lock, so that every process counts the same turns; the
/// database's clock.
async fn try_turn(
    client: Arc<Client>,
    limit: CreateLimit,
) -> Result<Option<Duration>, tokio_postgres::Error> {
    let window = limit.per().as_secs_f64();
    client
        .batch_execute("BEGIN; SELECT pg_advisory_xact_lock(7164402712)")
        .await?;
    let taken = async {
        client
            .execute(
                "DELETE FROM kie_suno_create_turns
                 WHERE at < clock_timestamp() - make_interval(secs => $1::float8 * 2)",
                &[&window],
            )
            .await?;
        let row = client
            .query_one(
                "SELECT count(*),
                        EXTRACT(EPOCH FROM (min(at) + make_interval(secs => $1) - clock_timestamp()))::float8
                 FROM kie_suno_create_turns
                 WHERE at > clock_timestamp() - make_interval(secs => $1)",
                &[&window],
            )
            .await?;
        let recent: i64 = row.get(0);
        if recent < i64::from(limit.requests()) {
            client
                .execute(
                    "INSERT INTO kie_suno_create_turns (at) VALUES (clock_timestamp())",
                    &[],
                )
                .await?;
            return Ok(None);
        }
        let until_free: Option<f64> = row.get(1);
        let wait = until_free.unwrap_or(0.0).clamp(0.01, window.max(0.01));
        Ok(Some(Duration::from_secs_f64(wait)))
    }
    .await;
    match &taken {
        Ok(_) => client.batch_execute("COMMIT").await?,
        Err(_) => {
            let _ = client.batch_execute("ROLLBACK").await;
        }
    }
    taken
}

impl Journal for PostgresJournal {
    fn fingerprint(&self, body: &[u8]) -> String {
        match self.shared.key.get() {
            Some(key) => key.fingerprint(body),
            None => super::process_key().fingerprint(body),
        }
    }

    fn record(&self, event: JournalEvent) -> JournalFuture<'_, ()> {
        Box::pin(async move {
            self.run(|client| {
                let event = event.clone();
                async move { write(&client, &event).await }
            })
            .await
        })
    }

    fn entries(&self, all: bool) -> JournalFuture<'_, Vec<JournalEntry>> {
        Box::pin(async move {
            self.run(|client| async move {
                let condition = if all {
                    ""
                } else {
                    "WHERE state NOT IN ('refused', 'completed', 'failed')"
                };
                let rows = client
                    .query(
                        &format!(
                            "SELECT {COLUMNS} FROM kie_suno_creates {condition}
                             ORDER BY created_at DESC, intent"
                        ),
                        &[],
                    )
                    .await?;
                with_files(&client, rows).await
            })
            .await
        })
    }

    fn claim(
        &self,
        holder: &str,
        lease: Duration,
        max: usize,
    ) -> JournalFuture<'_, Vec<JournalEntry>> {
        let holder = holder.to_owned();
        let max = i64::try_from(max).unwrap_or(i64::MAX);
        Box::pin(async move {
            self.run(|client| {
                let holder = holder.clone();
                async move {
                    let rows = client
                        .query(
                            &format!(
                                "UPDATE kie_suno_creates
                                 SET holder = $1, lease_until = now() + make_interval(secs => $2)
                                 WHERE intent IN (
                                     SELECT intent FROM kie_suno_creates
                                     WHERE task_id IS NOT NULL AND reported_at IS NULL
                                       AND state IN ('created', 'completed', 'failed')
                                       AND (lease_until IS NULL OR lease_until < now())
                                     ORDER BY created_at, intent
                                     LIMIT $3
                                     FOR UPDATE SKIP LOCKED)
                                 RETURNING {COLUMNS}"
                            ),
                            &[&holder, &lease.as_secs_f64(), &max],
                        )
                        .await?;
                    let mut entries = with_files(&client, rows).await?;
                    entries
                        .sort_by(|a, b| (a.created_at, &a.intent).cmp(&(b.created_at, &b.intent)));
                    Ok(entries)
                }
            })
            .await
        })
    }

    fn renew(
        &self,
        holder: &str,
        intents: &[String],
        lease: Duration,
    ) -> JournalFuture<'_, Vec<String>> {
        let (holder, intents) = (holder.to_owned(), intents.to_vec());
        Box::pin(async move {
            self.run(|client| {
                let (holder, intents) = (holder.clone(), intents.clone());
                async move {
                    let rows = client
                        .query(
                            "UPDATE kie_suno_creates
                             SET lease_until = now() + make_interval(secs => $3)
                             WHERE intent = ANY($2) AND holder = $1 AND reported_at IS NULL
                             RETURNING intent",
                            &[&holder, &intents, &lease.as_secs_f64()],
                        )
                        .await?;
                    Ok(rows.iter().map(|row| row.get(0)).collect())
                }
            })
            .await
        })
    }

    fn report(&self, holder: &str, intent: &str) -> JournalFuture<'_, bool> {
        let (holder, intent) = (holder.to_owned(), intent.to_owned());
        Box::pin(async move {
            self.run(|client| {
                let (holder, intent) = (holder.clone(), intent.clone());
                async move {
                    // Reported now, or by this holder before: a retry
                    // whose first try committed but lost its answer
                    // finds its own report (the outer SELECT sees the
                    // row as it was before this statement).
                    let row = client
                        .query_one(
                            "WITH done AS (
                                 UPDATE kie_suno_creates
                                 SET reported_at = now(), reported_by = $2, holder = NULL, lease_until = NULL
                                 WHERE intent = $1 AND holder = $2 AND reported_at IS NULL
                                 RETURNING intent)
                             SELECT EXISTS (SELECT 1 FROM done)
                                 OR EXISTS (SELECT 1 FROM kie_suno_creates
                                            WHERE intent = $1 AND reported_by = $2
                                              AND reported_at IS NOT NULL)",
                            &[&intent, &holder],
                        )
                        .await?;
                    Ok(row.get(0))
                }
            })
            .await
        })
    }

    fn release(&self, holder: &str, intents: &[String]) -> JournalFuture<'_, ()> {
        let (holder, intents) = (holder.to_owned(), intents.to_vec());
        Box::pin(async move {
            self.run(|client| {
                let (holder, intents) = (holder.clone(), intents.clone());
                async move {
                    client
                        .execute(
                            "UPDATE kie_suno_creates SET holder = NULL, lease_until = NULL
                             WHERE intent = ANY($2) AND holder = $1",
                            &[&holder, &intents],
                        )
                        .await?;
                    Ok(())
                }
            })
            .await
        })
    }
}
