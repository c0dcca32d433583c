//! The PostgreSQL journal's drift table (migration 4): one row per
//! finding and one per operation's count of compared answers. A report is
//! added in one statement (counts summed, first and last times widened),
//! so that a retried write never applies half of it.

use tokio_postgres::Client;

use super::PostgresJournal;
use crate::drift::{DriftEntry, DriftKind, DriftReport};
use crate::journal::JournalError;

/// What migration 4 adds.
pub(super) const TABLES: &str = "
CREATE TABLE kie_suno_drift (
    operation text NOT NULL,
    path text NOT NULL,
    kind text NOT NULL,
    declared text NOT NULL,
    seen text NOT NULL,
    schema_at text NOT NULL,
    times bigint NOT NULL,
    first_at timestamptz NOT NULL,
    last_at timestamptz NOT NULL,
    PRIMARY KEY (operation, path, kind, declared, seen, schema_at)
);
CREATE TABLE kie_suno_drift_compared (
    operation text PRIMARY KEY,
    times bigint NOT NULL
);";

const ADD: &str = "
WITH findings AS (
    INSERT INTO kie_suno_drift
        (operation, path, kind, declared, seen, schema_at, times, first_at, last_at)
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[],
                         $6::text[], $7::bigint[], $8::timestamptz[], $9::timestamptz[])
    ON CONFLICT (operation, path, kind, declared, seen, schema_at) DO UPDATE SET
        times = kie_suno_drift.times + excluded.times,
        first_at = LEAST(kie_suno_drift.first_at, excluded.first_at),
        last_at = GREATEST(kie_suno_drift.last_at, excluded.last_at)
)
INSERT INTO kie_suno_drift_compared (operation, times)
SELECT * FROM unnest($10::text[], $11::bigint[])
ON CONFLICT (operation) DO UPDATE SET times = kie_suno_drift_compared.times + excluded.times";

fn count(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// The columns of `entries`, as `ADD` takes them.
struct Columns {
    text: [Vec<String>; 6],
    times: Vec<i64>,
    first: Vec<chrono::DateTime<chrono::Utc>>,
    last: Vec<chrono::DateTime<chrono::Utc>>,
}

fn columns(entries: &[DriftEntry]) -> Columns {
    let mut c = Columns {
        text: Default::default(),
        times: Vec::new(),
        first: Vec::new(),
        last: Vec::new(),
    };
    for entry in entries {
        let (kind, declared) = entry.kind.stored();
        let values = [
            &entry.operation,
            &entry.path,
            kind,
            declared,
            &entry.seen,
            &entry.schema,
        ];
        for (column, value) in c.text.iter_mut().zip(values) {
            column.push(value.to_owned());
        }
        c.times.push(count(entry.count));
        c.first.push(entry.first);
        c.last.push(entry.last);
    }
    c
}

async fn add(client: &Client, report: &DriftReport) -> Result<(), tokio_postgres::Error> {
    let c = columns(&report.entries);
    let operations: Vec<&String> = report.compared.keys().collect();
    let compared: Vec<i64> = report.compared.values().map(|n| count(*n)).collect();
    let [operation, path, kind, declared, seen, schema] = &c.text;
    client
        .execute(
            ADD,
            &[
                operation,
                path,
                kind,
                declared,
                seen,
                schema,
                &c.times,
                &c.first,
                &c.last,
                &operations,
                &compared,
            ],
        )
        .await
        .map(|_| ())
}

async fn read(client: &Client) -> Result<DriftReport, tokio_postgres::Error> {
    let mut report = DriftReport::default();
    let rows = client
        .query(
            "SELECT operation, path, kind, declared, seen, schema_at, times, first_at, last_at
             FROM kie_suno_drift ORDER BY operation, path, kind, declared, seen",
            &[],
        )
        .await?;
    for row in rows {
        let (kind, declared): (String, String) = (row.get(2), row.get(3));
        // A kind this version does not know (a newer one wrote it) is left out.
        let Some(kind) = DriftKind::from_stored(&kind, &declared) else {
            continue;
        };
        report.entries.push(DriftEntry {
            operation: row.get(0),
            path: row.get(1),
            kind,
            seen: row.get(4),
            schema: row.get(5),
            count: u64::try_from(row.get::<_, i64>(6)).unwrap_or_default(),
            first: row.get(7),
            last: row.get(8),
        });
    }
    for row in client
        .query("SELECT operation, times FROM kie_suno_drift_compared", &[])
        .await?
    {
        let times: i64 = row.get(1);
        report
            .compared
            .insert(row.get(0), u64::try_from(times).unwrap_or_default());
    }
    Ok(report)
}

impl PostgresJournal {
    /// Adds `report` to the drift table.
    pub(super) async fn add_drift(&self, report: &DriftReport) -> Result<(), JournalError> {
        self.run(|client| async move { add(&client, report).await })
            .await
    }

    /// The drift table.
    pub(super) async fn read_drift(&self) -> Result<DriftReport, JournalError> {
        self.run(|client| async move { read(&client).await }).await
    }
}
