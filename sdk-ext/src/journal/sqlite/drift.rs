//! The SQLite journal's drift table (schema 4): one row per finding and
//! one per operation's count of compared answers, each report added with
//! an upsert (counts summed, first and last times widened), in one
//! transaction.

use rusqlite::{Connection, params};

use crate::drift::{DriftEntry, DriftKind, DriftReport};

/// What schema 4 adds.
pub(super) const TABLES: &str = "
CREATE TABLE IF NOT EXISTS drift (
    operation TEXT NOT NULL,
    path TEXT NOT NULL,
    kind TEXT NOT NULL,
    declared TEXT NOT NULL,
    seen TEXT NOT NULL,
    schema_at TEXT NOT NULL,
    times INTEGER NOT NULL,
    first_at TEXT NOT NULL,
    last_at TEXT NOT NULL,
    PRIMARY KEY (operation, path, kind, declared, seen, schema_at)
);
CREATE TABLE IF NOT EXISTS drift_compared (
    operation TEXT PRIMARY KEY,
    times INTEGER NOT NULL
);";

/// Times as stored: RFC 3339 in UTC to the microsecond, so that text
/// order is time order.
fn stored_time(time: &chrono::DateTime<chrono::Utc>) -> String {
    time.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

fn time(text: &str) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&chrono::Utc))
        .unwrap_or_default()
}

fn count(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// Adds `report` to the table.
pub(super) fn record(connection: &mut Connection, report: &DriftReport) -> rusqlite::Result<()> {
    let transaction = connection.transaction()?;
    for entry in &report.entries {
        let (kind, declared) = entry.kind.stored();
        transaction.execute(
            "INSERT INTO drift (operation, path, kind, declared, seen, schema_at, times, first_at, last_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
             ON CONFLICT (operation, path, kind, declared, seen, schema_at) DO UPDATE SET
                 times = times + excluded.times,
                 first_at = min(first_at, excluded.first_at),
                 last_at = max(last_at, excluded.last_at)",
            params![
                entry.operation,
                entry.path,
                kind,
                declared,
                entry.seen,
                entry.schema,
                count(entry.count),
                stored_time(&entry.first),
                stored_time(&entry.last)
            ],
        )?;
    }
    for (operation, n) in &report.compared {
        transaction.execute(
            "INSERT INTO drift_compared (operation, times) VALUES (?1, ?2)
             ON CONFLICT (operation) DO UPDATE SET times = times + excluded.times",
            params![operation, count(*n)],
        )?;
    }
    transaction.commit()
}

/// The whole table, as one report.
pub(super) fn read(connection: &mut Connection) -> rusqlite::Result<DriftReport> {
    let mut report = DriftReport::default();
    let mut rows = connection.prepare(
        "SELECT operation, path, kind, declared, seen, schema_at, times, first_at, last_at
         FROM drift ORDER BY operation, path, kind, declared, seen",
    )?;
    let entries = rows.query_map([], |row| {
        let kind: String = row.get(2)?;
        let declared: String = row.get(3)?;
        let times: i64 = row.get(6)?;
        let first: String = row.get(7)?;
        let last: String = row.get(8)?;
        Ok(
            DriftKind::from_stored(&kind, &declared).map(|kind| DriftEntry {
                operation: row.get(0).unwrap_or_default(),
                path: row.get(1).unwrap_or_default(),
                kind,
                seen: row.get(4).unwrap_or_default(),
                schema: row.get(5).unwrap_or_default(),
                count: u64::try_from(times).unwrap_or_default(),
                first: time(&first),
                last: time(&last),
            }),
        )
    })?;
    for entry in entries {
        // A kind this version does not know (a newer one wrote it) is left out.
        if let Some(entry) = entry? {
            report.entries.push(entry);
        }
    }
    let mut rows = connection.prepare("SELECT operation, times FROM drift_compared")?;
    let compared = rows.query_map([], |row| {
        Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)?))
    })?;
    for pair in compared {
        let (operation, times) = pair?;
        report
            .compared
            .insert(operation, u64::try_from(times).unwrap_or_default());
    }
    Ok(report)
}
