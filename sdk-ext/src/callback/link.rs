//! Finding a create whose answer was lost, through its callback. A
//! journaled create sends a callback URL that carries its reference
//! ([`crate::journal::reference`]); when a delivery to that URL names a
//! task, the create it references is `sending` or `unknown` (the answer
//! never came back) and the task is confirmed, the journal takes the task
//! id ([`JournalEvent::CreateFound`]): `suno tasks` shows it created and
//! workers follow it.
//!
//! Confirmed means: a music task's record echoes its request in `param`,
//! and that request's callback URL carries the same reference (one poll,
//! repeated while the new task is not queryable yet). The other families'
//! records echo nothing, so their deliveries link only when signed (the
//! provider's signature covers the task id). A delivery authenticated by
//! its URL alone ([`super::Verifier::url_token`]) links a music task only.

use std::time::Duration;

use super::Delivery;
use crate::client::Client;
use crate::error::Error;
use crate::journal::{EntryState, JournalEvent, reference};
use crate::kind::TaskKind;

/// How long a task a callback names may stay unknown to the API before
/// it is given up (live, new tasks have been unknown for up to 90 s).
const NOT_FOUND_FOR: Duration = Duration::from_secs(180);
/// Between looks at a task the API does not know yet.
const LOOK_EVERY: Duration = Duration::from_secs(10);

/// What [`link`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Linked {
    /// The create's outcome had been lost; the journal now holds its task.
    Found {
        /// The create.
        intent: String,
        /// Its task.
        task_id: String,
    },
    /// Nothing to do: the delivery names no create, or the journal knows
    /// the create's task already (or the create is over).
    Known,
    /// Not linked, and why.
    NotLinked {
        /// Why.
        reason: String,
    },
}

/// Links the create `delivery`'s reference names to its task, when the
/// journal lost that create's outcome (`sending` or `unknown`) and the
/// task is confirmed: a music task's record (one poll, repeated while the
/// API does not know the task yet) echoes the same reference in `param`;
/// a task of another family, whose record echoes nothing, by a signed
/// delivery. Fails only when the journal or the API cannot be read.
pub async fn link(client: &Client, delivery: &Delivery) -> Result<Linked, Error> {
    let (Some(journal), Some(intent)) = (client.journal(), delivery.reference.as_deref()) else {
        return Ok(Linked::Known);
    };
    let task_id = delivery.callback.task_id.as_str();
    let entries = journal.entries(false).await.map_err(Error::Journal)?;
    let Some(entry) = entries.into_iter().find(|e| e.intent == intent) else {
        return Ok(Linked::Known);
    };
    let not_linked = |reason: String| Ok(Linked::NotLinked { reason });
    match entry.task_id.as_deref() {
        Some(known) if known == task_id => return Ok(Linked::Known),
        Some(known) => {
            return not_linked(format!(
                "the journal holds task {known} for this create, not {task_id}"
            ));
        }
        None => {}
    }
    if !matches!(entry.state, EntryState::Sending | EntryState::Unknown) {
        return Ok(Linked::Known);
    }
    let kind = delivery.callback.kind();
    if entry.task_kind() != Some(kind) {
        return not_linked(format!(
            "the create made a {} task; the callback is of a {kind} task",
            entry.kind
        ));
    }
    let confirmed = match kind {
        TaskKind::Music => echoes(client, task_id, intent).await?,
        _ => delivery.signed,
    };
    if !confirmed {
        return not_linked(match kind {
            TaskKind::Music => {
                format!("task {task_id}'s record does not echo this create's reference")
            }
            _ => format!(
                "the callback is not signed, and a {kind} record does not echo its request to confirm it"
            ),
        });
    }
    let found = JournalEvent::CreateFound {
        intent: intent.to_owned(),
        task_id: task_id.to_owned(),
    };
    journal.record(found).await.map_err(Error::Journal)?;
    tracing::info!(
        task = task_id,
        "a create whose answer was lost was found through its callback"
    );
    Ok(Linked::Found {
        intent: intent.to_owned(),
        task_id: task_id.to_owned(),
    })
}

/// Whether music task `task_id`'s record echoes a callback URL whose
/// reference names `intent`; looked at again while the API does not know
/// the task yet.
async fn echoes(client: &Client, task_id: &str, intent: &str) -> Result<bool, Error> {
    let Some(journal) = client.journal() else {
        return Ok(false);
    };
    let started = tokio::time::Instant::now();
    let record = loop {
        match client.music().task(task_id).record().await {
            Ok(record) => break record,
            Err(Error::TaskNotFound { .. }) if started.elapsed() < NOT_FOUND_FOR => {
                tokio::time::sleep(LOOK_EVERY).await;
            }
            Err(e) => return Err(e),
        }
    };
    let named = record
        .echoed_callback_url()
        .and_then(|url| reference::in_url(&url))
        .and_then(|token| reference::verify(journal.as_ref(), &token));
    Ok(named.as_deref() == Some(intent))
}
