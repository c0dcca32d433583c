//! Creates left `sending` by a program that stopped: found when a
//! follower of the journal starts, and marked unknown (the task may
//! exist).

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::{EntryState, Journal, JournalEntry, JournalError, JournalEvent};

/// How long a create may stay `sending` before [`reconcile`] takes it
/// for unanswered: longer than a create waits for its turn under the
/// account's limit in all but the largest bursts (a create that does
/// answer later still records its outcome).
pub const UNANSWERED_AFTER: Duration = Duration::from_secs(60);

/// Marks the creates `sending` for longer than `older_than` as unknown
/// (the task may exist; [`JournalEvent::CreateUnanswered`]) and returns
/// them as they were. A program that follows a journal's tasks (a worker,
/// `suno resume`) does this when it starts, so that no paid create stays
/// `sending` unseen.
pub async fn reconcile(
    journal: &dyn Journal,
    older_than: Duration,
) -> Result<Vec<JournalEntry>, JournalError> {
    let now = Utc::now();
    let stale: Vec<JournalEntry> = journal
        .entries(false)
        .await?
        .into_iter()
        .filter(|e| is_unanswered(e, now, older_than))
        .collect();
    for entry in &stale {
        let reason = format!(
            "no outcome was written down since it was sent at {}: the program that sent it \
             stopped; the task may exist, and its callback carries its id",
            entry.created_at.format("%Y-%m-%d %H:%M:%S UTC")
        );
        journal
            .record(JournalEvent::CreateUnanswered {
                intent: entry.intent.clone(),
                reason,
            })
            .await?;
    }
    Ok(stale)
}

/// Whether `entry` has been `sending` for longer than `older_than` at `now`.
pub fn is_unanswered(entry: &JournalEntry, now: DateTime<Utc>, older_than: Duration) -> bool {
    let age = now
        .signed_duration_since(entry.updated_at)
        .to_std()
        .unwrap_or_default();
    entry.state == EntryState::Sending && age > older_than
}
