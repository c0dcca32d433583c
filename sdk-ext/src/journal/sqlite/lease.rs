//! The SQLite journal as a [`LeaseQueue`]: leases taken in an immediate
//! transaction (SQLite lets one writer in at a time), renewed, reported
//! and released, timed in milliseconds by this machine's clock (the file
//! is for processes of one machine).

use std::time::Duration;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, TransactionBehavior, params};

use super::{SqliteJournal, read_where};
use crate::journal::sql;
use crate::journal::{JournalEntry, JournalFuture, LeaseQueue};

fn now() -> String {
    DateTime::<Utc>::from(std::time::SystemTime::now()).to_rfc3339()
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
pub(super) fn claimable() -> String {
    format!(
        "SELECT intent FROM creates
         WHERE task_id IS NOT NULL AND reported_at IS NULL
           AND state IN ({})
           AND (lease_until IS NULL OR lease_until < ?1)
         ORDER BY created_at, intent LIMIT ?2",
        sql::states(sql::is_claimable)
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
