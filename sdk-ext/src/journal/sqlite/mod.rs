//! The journal in an SQLite file: one table of creates, one of saved
//! files; write-ahead logging and a busy timeout so that several processes
//! can write at once; the schema versioned with `user_version` and created
//! or migrated on open; the writes are [`super::sql`]'s statements. Leases
//! are in [`lease`], the drift table in [`drift`].

mod drift;
mod lease;
#[cfg(test)]
mod plans;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, params};

use super::sql;
use super::{EntryState, Journal, JournalEntry, JournalError, JournalEvent, JournalFuture};

/// The schema version this code writes.
const SCHEMA_VERSION: i64 = 5;

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
    (
        5,
        // Claims and the list of unfinished tasks read only the rows they
        // need, through partial indexes whose conditions the queries
        // repeat word for word (SQLite uses a partial index only then):
        // a journal of a million finished tasks claims and lists as fast
        // as an empty one.
        "CREATE INDEX IF NOT EXISTS creates_to_claim ON creates (created_at, intent)
             WHERE task_id IS NOT NULL AND reported_at IS NULL;
         CREATE INDEX IF NOT EXISTS creates_unfinished ON creates (created_at DESC, intent)
             WHERE state IN ('sending', 'created', 'unknown');",
    ),
];

/// The entries not finished, as `creates_unfinished` (migration 5)
/// states it: the unfinished list repeats it, so that it reads the index.
const UNFINISHED: &str = "state IN ('sending', 'created', 'unknown')";

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
            .busy_handler(Some(wait_for_the_lock))
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

/// Waits while another connection writes: a millisecond at a time, for
/// 10 s at most. SQLite's own timeout backs off to 100 ms sleeps, so
/// that of 8 workers claiming at once on one file, some waited 100 ms
/// and more for a lock held for a few.
fn wait_for_the_lock(attempt: i32) -> bool {
    std::thread::sleep(Duration::from_millis(1));
    attempt < 10_000
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

fn write(connection: &mut Connection, event: &JournalEvent) -> rusqlite::Result<()> {
    let statement = sql::write(&sql::SQLITE, event);
    connection
        .prepare_cached(&statement.sql)?
        .execute(rusqlite::params_from_iter(statement.values))?;
    Ok(())
}

impl rusqlite::ToSql for sql::Value<'_> {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        match self {
            sql::Value::Text(text) => text.to_sql(),
            sql::Value::Int(int) => int.to_sql(),
        }
    }
}

fn time(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_default()
}

fn read(connection: &mut Connection, all: bool) -> rusqlite::Result<Vec<JournalEntry>> {
    let condition = if all { "1 = 1" } else { UNFINISHED };
    read_where(connection, condition, params![])
}

/// The query of the entries matching `condition`, newest first.
fn select_where(condition: &str) -> String {
    format!(
        "SELECT {} FROM creates WHERE {condition} ORDER BY created_at DESC, intent",
        sql::ENTRY_COLUMNS
    )
}

/// The entries matching `condition` (with `params`), newest first, with
/// their files.
fn read_where<P: rusqlite::Params + Copy>(
    connection: &mut Connection,
    condition: &str,
    params: P,
) -> rusqlite::Result<Vec<JournalEntry>> {
    let mut statement = connection.prepare(&select_where(condition))?;
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
    let mut entries: Vec<JournalEntry> = rows.collect::<rusqlite::Result<_>>()?;
    drop(statement);
    // The files of those entries in one query (one statement per entry
    // took most of the time of a list of 100,000).
    if entries.iter().any(|e| e.task_id.is_some()) {
        let mut files = connection.prepare(&format!(
            "SELECT task_id, path, bytes FROM files
             WHERE task_id IN (SELECT task_id FROM creates WHERE {condition})
             ORDER BY task_id, path"
        ))?;
        let rows = files.query_map(params, |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, i64>(2)?.max(0) as u64,
            ))
        })?;
        super::event::attach_files(&mut entries, rows)?;
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
