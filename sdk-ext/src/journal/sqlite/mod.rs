//! The journal in an SQLite file: one table of creates, one of saved
//! files; write-ahead logging and a busy timeout so that several processes
//! can write at once; the schema versioned with `user_version` and created
//! or migrated on open. Leases ([`Journal::claim`]) are taken in an
//! immediate transaction (SQLite lets one writer in at a time) and timed
//! by this machine's clock: the file is for processes of one machine.
//! The drift table is in [`drift`].

mod drift;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, TransactionBehavior, params};

use super::{
    EntryState, Journal, JournalEntry, JournalError, JournalEvent, JournalFuture, LeaseQueue,
};

/// The schema version this code writes.
const SCHEMA_VERSION: i64 = 4;

/// What each version adds to the one before (version 1 is [`SCHEMA`]).
const MIGRATIONS: &[(i64, &str)] = &[
    (
        2,
        "ALTER TABLE creates ADD COLUMN holder TEXT;
         ALTER TABLE creates ADD COLUMN lease_until INTEGER;
         ALTER TABLE creates ADD COLUMN reported_at TEXT;
         ALTER TABLE creates ADD COLUMN reported_by TEXT;",
    ),
    (
        3,
        "CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value BLOB NOT NULL);",
    ),
    (4, drift::TABLES),
];

/// The name of the fingerprint key in the `meta` table.
const FINGERPRINT_KEY: &str = "fingerprint_key";

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS creates (
    intent      TEXT PRIMARY KEY,
    kind        TEXT NOT NULL,
    operation   TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    state       TEXT NOT NULL,
    task_id     TEXT,
    status      TEXT,
    detail      TEXT,
    updated_at  TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS creates_by_task ON creates (kind, task_id);
CREATE TABLE IF NOT EXISTS files (
    task_id  TEXT NOT NULL,
    path     TEXT NOT NULL,
    bytes    INTEGER NOT NULL,
    saved_at TEXT NOT NULL,
    PRIMARY KEY (task_id, path)
);
";

/// A journal in an SQLite file.
///
/// ```no_run
/// # fn run() -> Result<(), Box<dyn std::error::Error>> {
/// use std::sync::Arc;
/// let journal = kie_suno::journal::SqliteJournal::open("tasks.sqlite3")?;
/// let client = kie_suno::Client::builder()
///     .api_key(kie_suno::ApiKey::new("...")?)
///     .journal(Arc::new(journal))
///     .build()?;
/// # let _ = client; Ok(()) }
/// ```
#[derive(Clone)]
pub struct SqliteJournal {
    path: PathBuf,
    connection: Arc<Mutex<Connection>>,
    key: super::FingerprintKey,
}

impl std::fmt::Debug for SqliteJournal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteJournal")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl SqliteJournal {
    /// Opens (creating if needed, with its directory) the journal at
    /// `path`, and brings its schema up to date.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, JournalError> {
        let path = path.as_ref().to_path_buf();
        let fail = |e: &dyn std::fmt::Display| store_error(&path, e);
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| fail(&e))?;
        }
        let connection = Connection::open(&path).map_err(|e| fail(&e))?;
        connection
            .busy_timeout(Duration::from_secs(10))
            .map_err(|e| fail(&e))?;
        // Switching to WAL and creating the schema take the write lock;
        // another process doing the same at that moment is waited for.
        let mut tries = 0;
        let version = loop {
            match prepare(&connection) {
                Ok(version) => break version,
                Err(e) if is_busy(&e) && tries < 50 => {
                    tries += 1;
                    std::thread::sleep(Duration::from_millis(20 * tries));
                }
                Err(e) => return Err(fail(&e)),
            }
        };
        if version > SCHEMA_VERSION {
            return Err(fail(&format!(
                "its schema is version {version}, newer than this kie-suno's {SCHEMA_VERSION}; upgrade kie-suno"
            )));
        }
        let key = fingerprint_key(&connection).map_err(|e| fail(&e))?;
        Ok(SqliteJournal {
            path,
            connection: Arc::new(Mutex::new(connection)),
            key,
        })
    }

    /// Where the journal is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `work` on the connection off the async threads.
    fn blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> JournalFuture<'_, T> {
        let connection = self.connection.clone();
        let path = self.path.clone();
        Box::pin(async move {
            let joined = tokio::task::spawn_blocking(move || {
                let mut connection = crate::sync::lock(&connection);
                work(&mut connection)
            })
            .await;
            match joined {
                Ok(result) => result.map_err(|e| store_error(&path, &e)),
                Err(e) => Err(store_error(&path, &e)),
            }
        })
    }
}

/// Sets the journal mode and brings the schema up to date (unless the
/// file is newer); returns the version found.
fn prepare(connection: &Connection) -> rusqlite::Result<i64> {
    connection.pragma_update(None, "journal_mode", "WAL")?;
    connection.pragma_update(None, "synchronous", "FULL")?;
    // The version is read under the write lock: two processes opening a
    // new or old file at once migrate it once.
    connection.execute_batch("BEGIN IMMEDIATE")?;
    match migrate(connection) {
        Ok(version) => {
            connection.execute_batch("COMMIT")?;
            Ok(version)
        }
        Err(e) => {
            let _ = connection.execute_batch("ROLLBACK");
            Err(e)
        }
    }
}

/// Creates the schema or brings it up to date, inside the caller's
/// transaction; returns the version found.
fn migrate(connection: &Connection) -> rusqlite::Result<i64> {
    let version: i64 = connection.pragma_query_value(None, "user_version", |row| row.get(0))?;
    if version < SCHEMA_VERSION {
        connection.execute_batch(SCHEMA)?;
        for (to, step) in MIGRATIONS {
            if version < *to {
                connection.execute_batch(step)?;
            }
        }
        connection.pragma_update(None, "user_version", SCHEMA_VERSION)?;
    }
    Ok(version)
}

/// The journal's fingerprint key: made by the first process to open it,
/// read by every other.
fn fingerprint_key(connection: &Connection) -> rusqlite::Result<super::FingerprintKey> {
    connection.execute(
        "INSERT OR IGNORE INTO meta (name, value) VALUES (?1, ?2)",
        params![
            FINGERPRINT_KEY,
            &super::FingerprintKey::random().as_bytes()[..]
        ],
    )?;
    let bytes: Vec<u8> = connection.query_row(
        "SELECT value FROM meta WHERE name = ?1",
        [FINGERPRINT_KEY],
        |row| row.get(0),
    )?;
    super::FingerprintKey::from_bytes(&bytes).ok_or_else(|| {
        rusqlite::Error::InvalidColumnType(
            0,
            "a 32-byte fingerprint key".into(),
            rusqlite::types::Type::Blob,
        )
    })
}

fn is_busy(error: &rusqlite::Error) -> bool {
    matches!(
        error.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
    )
}

fn store_error(path: &Path, error: &dyn std::fmt::Display) -> JournalError {
    JournalError::Store {
        location: path.display().to_string(),
        message: error.to_string(),
    }
}

fn now() -> String {
    DateTime::<Utc>::from(std::time::SystemTime::now()).to_rfc3339()
}

fn write(connection: &mut Connection, event: &JournalEvent) -> rusqlite::Result<()> {
    match event {
        JournalEvent::CreateStarted {
            intent,
            kind,
            operation,
            fingerprint,
        } => {
            let at = now();
            connection.execute(
                "INSERT OR IGNORE INTO creates
                 (intent, kind, operation, fingerprint, created_at, state, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?5)",
                params![
                    intent,
                    kind.as_str(),
                    operation,
                    fingerprint,
                    at,
                    EntryState::Sending.as_str()
                ],
            )?;
        }
        JournalEvent::CreateFinished { intent, outcome } => {
            let (state, task_id, detail) = outcome.entry();
            // A refusal or a lost answer never replaces a found task id.
            connection.execute(
                "UPDATE creates SET state = ?2, task_id = ?3, detail = ?4, updated_at = ?5
                 WHERE intent = ?1 AND (?3 IS NOT NULL OR task_id IS NULL)",
                params![intent, state.as_str(), task_id, detail, now()],
            )?;
        }
        JournalEvent::CreateFound { intent, task_id } => {
            connection.execute(
                "UPDATE creates SET state = ?3, task_id = ?2, updated_at = ?4
                 WHERE intent = ?1 AND task_id IS NULL AND state IN (?5, ?6)",
                params![
                    intent,
                    task_id,
                    EntryState::Created.as_str(),
                    now(),
                    EntryState::Sending.as_str(),
                    EntryState::Unknown.as_str()
                ],
            )?;
        }
        JournalEvent::CreateUnanswered { intent, reason } => {
            connection.execute(
                "UPDATE creates SET state = ?2, detail = ?3, updated_at = ?4
                 WHERE intent = ?1 AND state = ?5",
                params![
                    intent,
                    EntryState::Unknown.as_str(),
                    reason,
                    now(),
                    EntryState::Sending.as_str()
                ],
            )?;
        }
        JournalEvent::StatusChanged {
            kind,
            task_id,
            status,
        } => {
            connection.execute(
                "UPDATE creates SET status = ?3, updated_at = ?4
                 WHERE kind = ?1 AND task_id = ?2",
                params![kind.as_str(), task_id, status, now()],
            )?;
        }
        JournalEvent::Ended {
            kind,
            task_id,
            failed,
        } => {
            let state = EntryState::ended(*failed);
            connection.execute(
                "UPDATE creates SET state = ?3, updated_at = ?4
                 WHERE kind = ?1 AND task_id = ?2",
                params![kind.as_str(), task_id, state.as_str(), now()],
            )?;
        }
        JournalEvent::FileSaved {
            task_id,
            path,
            bytes,
        } => {
            connection.execute(
                "INSERT OR REPLACE INTO files (task_id, path, bytes, saved_at)
                 VALUES (?1, ?2, ?3, ?4)",
                params![
                    task_id,
                    path,
                    i64::try_from(*bytes).unwrap_or(i64::MAX),
                    now()
                ],
            )?;
        }
    }
    Ok(())
}

fn time(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_default()
}

/// Milliseconds since the Unix epoch, on this machine's clock: how leases
/// are timed.
fn now_ms() -> i64 {
    DateTime::<Utc>::from(std::time::SystemTime::now()).timestamp_millis()
}

fn lease_ms(lease: Duration) -> i64 {
    i64::try_from(lease.as_millis()).unwrap_or(i64::MAX / 2)
}

/// The creates that need a worker, not under a live lease, oldest first.
fn claimable() -> String {
    format!(
        "SELECT intent FROM creates
         WHERE task_id IS NOT NULL AND reported_at IS NULL
           AND state IN ({})
           AND (lease_until IS NULL OR lease_until < ?1)
         ORDER BY created_at, intent LIMIT ?2",
        super::sql::states(super::sql::is_claimable)
    )
}

fn claim(
    connection: &mut Connection,
    holder: &str,
    lease: Duration,
    max: usize,
) -> rusqlite::Result<Vec<JournalEntry>> {
    let tx = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let now = now_ms();
    let intents: Vec<String> = tx
        .prepare_cached(&claimable())?
        .query_map(
            params![now, i64::try_from(max).unwrap_or(i64::MAX)],
            |row| row.get(0),
        )?
        .collect::<rusqlite::Result<_>>()?;
    for intent in &intents {
        tx.execute(
            "UPDATE creates SET holder = ?2, lease_until = ?3 WHERE intent = ?1",
            params![intent, holder, now.saturating_add(lease_ms(lease))],
        )?;
    }
    tx.commit()?;
    let mut entries = Vec::new();
    for intent in &intents {
        entries.extend(read_where(connection, "intent = ?1", [intent])?);
    }
    Ok(entries)
}

fn renew(
    connection: &mut Connection,
    holder: &str,
    intents: &[String],
    lease: Duration,
) -> rusqlite::Result<Vec<String>> {
    let until = now_ms().saturating_add(lease_ms(lease));
    let mut held = Vec::new();
    for intent in intents {
        let changed = connection.execute(
            "UPDATE creates SET lease_until = ?3
             WHERE intent = ?1 AND holder = ?2 AND reported_at IS NULL",
            params![intent, holder, until],
        )?;
        if changed == 1 {
            held.push(intent.clone());
        }
    }
    Ok(held)
}

/// Reported now, or by this holder before (a retry after a lost answer).
fn report(connection: &mut Connection, holder: &str, intent: &str) -> rusqlite::Result<bool> {
    let changed = connection.execute(
        "UPDATE creates SET reported_at = ?3, reported_by = ?2, holder = NULL, lease_until = NULL
         WHERE intent = ?1 AND holder = ?2 AND reported_at IS NULL",
        params![intent, holder, now()],
    )?;
    if changed == 1 {
        return Ok(true);
    }
    connection.query_row(
        "SELECT EXISTS (SELECT 1 FROM creates
                        WHERE intent = ?1 AND reported_by = ?2 AND reported_at IS NOT NULL)",
        params![intent, holder],
        |row| row.get(0),
    )
}

fn release(connection: &mut Connection, holder: &str, intents: &[String]) -> rusqlite::Result<()> {
    for intent in intents {
        connection.execute(
            "UPDATE creates SET holder = NULL, lease_until = NULL WHERE intent = ?1 AND holder = ?2",
            params![intent, holder],
        )?;
    }
    Ok(())
}

fn read(connection: &mut Connection, all: bool) -> rusqlite::Result<Vec<JournalEntry>> {
    let entries = read_where(connection, "1 = 1", params![])?;
    Ok(entries
        .into_iter()
        .filter(|e| all || !e.state.is_finished())
        .collect())
}

/// The entries matching `condition` (with `params`), newest first, with
/// their files.
fn read_where<P: rusqlite::Params>(
    connection: &mut Connection,
    condition: &str,
    params: P,
) -> rusqlite::Result<Vec<JournalEntry>> {
    let mut statement = connection.prepare(&format!(
        "SELECT intent, kind, operation, fingerprint, created_at, state, task_id, status, detail,
                updated_at, holder, lease_until, reported_at, reported_by
         FROM creates WHERE {condition} ORDER BY created_at DESC, intent"
    ))?;
    let rows = statement.query_map(params, |row| {
        let state: String = row.get(5)?;
        let reported_at: Option<String> = row.get(12)?;
        let reported_by: Option<String> = row.get(13)?;
        Ok(JournalEntry {
            intent: row.get(0)?,
            kind: row.get(1)?,
            operation: row.get(2)?,
            fingerprint: row.get(3)?,
            created_at: time(&row.get::<_, String>(4)?),
            state: EntryState::parse(&state).unwrap_or(EntryState::Unknown),
            task_id: row.get(6)?,
            status: row.get(7)?,
            detail: row.get(8)?,
            updated_at: time(&row.get::<_, String>(9)?),
            files: Vec::new(),
            holder: row.get(10)?,
            lease_until: row
                .get::<_, Option<i64>>(11)?
                .and_then(DateTime::from_timestamp_millis),
            reported: reported_at.map(|at| (time(&at), reported_by.unwrap_or_default())),
        })
    })?;
    let rows: Vec<JournalEntry> = rows.collect::<rusqlite::Result<_>>()?;
    drop(statement);
    let mut entries = Vec::new();
    for mut entry in rows {
        if let Some(task_id) = &entry.task_id {
            let mut files = connection
                .prepare_cached("SELECT path, bytes FROM files WHERE task_id = ?1 ORDER BY path")?;
            entry.files = files
                .query_map([task_id], |row| {
                    Ok((
                        row.get::<_, String>(0)?,
                        row.get::<_, i64>(1)?.max(0) as u64,
                    ))
                })?
                .collect::<rusqlite::Result<_>>()?;
        }
        entries.push(entry);
    }
    Ok(entries)
}

impl Journal for SqliteJournal {
    fn record(&self, event: JournalEvent) -> JournalFuture<'_, ()> {
        self.blocking(move |connection| write(connection, &event))
    }

    fn fingerprint(&self, body: &[u8]) -> String {
        self.key.fingerprint(body)
    }

    fn entries(&self, all: bool) -> JournalFuture<'_, Vec<JournalEntry>> {
        self.blocking(move |connection| read(connection, all))
    }

    fn record_drift(&self, report: &crate::drift::DriftReport) -> JournalFuture<'_, ()> {
        let report = report.clone();
        self.blocking(move |connection| drift::record(connection, &report))
    }

    fn drift(&self) -> JournalFuture<'_, crate::drift::DriftReport> {
        self.blocking(drift::read)
    }
}

impl LeaseQueue for SqliteJournal {
    fn claim(
        &self,
        holder: &str,
        lease: Duration,
        max: usize,
    ) -> JournalFuture<'_, Vec<JournalEntry>> {
        let holder = holder.to_owned();
        self.blocking(move |connection| claim(connection, &holder, lease, max))
    }

    fn renew(
        &self,
        holder: &str,
        intents: &[String],
        lease: Duration,
    ) -> JournalFuture<'_, Vec<String>> {
        let (holder, intents) = (holder.to_owned(), intents.to_vec());
        self.blocking(move |connection| renew(connection, &holder, &intents, lease))
    }

    fn report(&self, holder: &str, intent: &str) -> JournalFuture<'_, bool> {
        let (holder, intent) = (holder.to_owned(), intent.to_owned());
        self.blocking(move |connection| report(connection, &holder, &intent))
    }

    fn release(&self, holder: &str, intents: &[String]) -> JournalFuture<'_, ()> {
        let (holder, intents) = (holder.to_owned(), intents.to_vec());
        self.blocking(move |connection| release(connection, &holder, &intents))
    }
}
