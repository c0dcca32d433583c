//! The journal's records in PostgreSQL: creates and their files written,
//! read back as entries, and leased to workers (`FOR UPDATE SKIP LOCKED`,
//! timed by the database's clock).

use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio_postgres::types::ToSql;
use tokio_postgres::{Client, Row};

use super::PostgresJournal;
use crate::journal::sql;
use crate::journal::{EntryState, Journal, JournalEntry, JournalEvent, JournalFuture, LeaseQueue};

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

/// Which files [`with_files`] reads.
enum FilesOf<'a> {
    /// Those of the rows' tasks, named one by one (a few rows).
    Rows,
    /// Those of the creates matching this condition (`WHERE ...`, or
    /// nothing for all), the rows' own: a list of 100,000 entries does not
    /// send their 100,000 task ids back.
    Condition(&'a str),
}

/// `rows` as entries, with their files.
async fn with_files(
    client: &Client,
    rows: Vec<Row>,
    of: FilesOf<'_>,
) -> Result<Vec<JournalEntry>, tokio_postgres::Error> {
    let mut entries: Vec<JournalEntry> = rows.iter().map(entry).collect();
    let ids: Vec<String> = entries.iter().filter_map(|e| e.task_id.clone()).collect();
    if ids.is_empty() {
        return Ok(entries);
    }
    let files = match of {
        FilesOf::Rows => {
            client
                .query(
                    "SELECT task_id, path, bytes FROM kie_suno_files WHERE task_id = ANY($1)
                     ORDER BY path",
                    &[&ids],
                )
                .await?
        }
        FilesOf::Condition(condition) => {
            let query = format!(
                "SELECT task_id, path, bytes FROM kie_suno_files
                 WHERE task_id = ANY(ARRAY(SELECT task_id FROM kie_suno_creates {condition}))
                 ORDER BY path"
            );
            client.query(&query, &[]).await?
        }
    };
    let files = files.iter().map(|row| {
        let bytes: i64 = row.get(2);
        Ok::<_, std::convert::Infallible>((row.get(0), row.get(1), bytes.max(0) as u64))
    });
    let Ok(()) = super::super::event::attach_files(&mut entries, files);
    Ok(entries)
}

async fn write(client: &Client, event: &JournalEvent) -> Result<(), tokio_postgres::Error> {
    let statement = sql::write(&sql::POSTGRES, event);
    let values: Vec<&(dyn ToSql + Sync)> = statement
        .values
        .iter()
        .map(|value| match value {
            sql::Value::Text(text) => text as &(dyn ToSql + Sync),
            sql::Value::Int(int) => int as &(dyn ToSql + Sync),
        })
        .collect();
    client.execute(&statement.sql, &values).await?;
    Ok(())
}

impl Journal for PostgresJournal {
    fn record_drift(&self, report: &crate::drift::DriftReport) -> JournalFuture<'_, ()> {
        let report = report.clone();
        Box::pin(async move { self.add_drift(&report).await })
    }

    fn drift(&self) -> JournalFuture<'_, crate::drift::DriftReport> {
        Box::pin(self.read_drift())
    }

    fn fingerprint(&self, body: &[u8]) -> String {
        match self.shared.key.get() {
            Some(key) => key.fingerprint(body),
            None => crate::journal::fingerprint::process_key().fingerprint(body),
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
                    String::new()
                } else {
                    format!(
                        "WHERE state NOT IN ({})",
                        sql::states(EntryState::is_finished)
                    )
                };
                let rows = client
                    .query(
                        &format!(
                            "SELECT {} FROM kie_suno_creates {condition}
                             ORDER BY created_at DESC, intent",
                            sql::ENTRY_COLUMNS
                        ),
                        &[],
                    )
                    .await?;
                with_files(&client, rows, FilesOf::Condition(&condition)).await
            })
            .await
        })
    }
}

impl LeaseQueue for PostgresJournal {
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
                                       AND state IN ({claimable})
                                       AND (lease_until IS NULL OR lease_until < now())
                                     ORDER BY created_at, intent
                                     LIMIT $3
                                     FOR UPDATE SKIP LOCKED)
                                 RETURNING {columns}",
                                claimable = sql::states(sql::is_claimable),
                                columns = sql::ENTRY_COLUMNS
                            ),
                            &[&holder, &lease.as_secs_f64(), &max],
                        )
                        .await?;
                    let mut entries = with_files(&client, rows, FilesOf::Rows).await?;
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
