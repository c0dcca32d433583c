//! A journal of the tasks a program created: every create is written
//! down before it is sent (its operation and a fingerprint of its request,
//! never the key or the request itself), then its task id or why there is
//! none (refused, or unknown: the task may exist), every status change its
//! waits see, how it ended, and the files saved. The API cannot list a
//! user's tasks; with a journal, a program that crashed between creating a
//! task and using it can find the task again ([`Journal::entries`]) and
//! resume it.
//!
//! Workers ([`crate::worker`]) share a journal: each claims unfinished
//! tasks under a lease ([`Journal::claim`]), renews it while it waits,
//! and reports each task once ([`Journal::report`]); a task whose worker
//! died goes to another when the lease runs out.
//!
//! [`Journal`] is a trait so that a shared database can back it for a
//! fleet; [`SqliteJournal`] (feature `journal`) keeps it in a file, safe
//! for several processes of one machine at once; [`PostgresJournal`]
//! (feature `postgres`) in a PostgreSQL database, for processes on many
//! machines.

pub(crate) mod backlog;
#[cfg(feature = "postgres")]
mod postgres;
pub mod reference;
#[cfg(feature = "journal")]
mod sqlite;

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::drift::DriftReport;
pub use crate::error::JournalError;
use crate::kind::TaskKind;
use crate::limit::CreateLimit;

#[cfg(feature = "postgres")]
pub use postgres::{CALLBACK_CHANNEL, PostgresJournal};
#[cfg(feature = "journal")]
pub use sqlite::SqliteJournal;

/// A boxed future, as the journal's methods return (the trait is used as
/// `dyn Journal`).
pub type JournalFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, JournalError>> + Send + 'a>>;

/// Where tasks are written down; see the [module](self).
pub trait Journal: std::fmt::Debug + Send + Sync + 'static {
    /// Writes one event down; returns once it is durable.
    fn record(&self, event: JournalEvent) -> JournalFuture<'_, ()>;

    /// The fingerprint of a request body (its JSON) as this journal
    /// writes it down: keyed by a secret of the journal
    /// ([`FingerprintKey`]). The SQLite and PostgreSQL journals keep
    /// their key in the store; by default, a key of this process.
    fn fingerprint(&self, body: &[u8]) -> String {
        process_key().fingerprint(body)
    }

    /// Every create written down, newest first (`all: false`: only those
    /// not ended: sending, created and not ended, unknown).
    fn entries(&self, all: bool) -> JournalFuture<'_, Vec<JournalEntry>>;

    /// Leases to `holder`, for `lease`, up to `max` tasks that need a
    /// worker: made (their id is known), not yet reported, and under no
    /// live lease; oldest first. While a lease lasts no other holder gets
    /// the task. The lease is measured on the journal's clock.
    fn claim(
        &self,
        holder: &str,
        lease: Duration,
        max: usize,
    ) -> JournalFuture<'_, Vec<JournalEntry>>;

    /// Extends `holder`'s leases on the creates `intents` by `lease` from
    /// now; returns the intents it still holds (a lease that ran out may
    /// have gone to another worker: stop working on those).
    fn renew(
        &self,
        holder: &str,
        intents: &[String],
        lease: Duration,
    ) -> JournalFuture<'_, Vec<String>>;

    /// Marks the task of the create `intent` reported by `holder`, which
    /// must hold it: `true` when `holder`'s report is recorded (now, or
    /// by an earlier call of `holder` whose answer was lost: a retry
    /// recognises its own report), `false` when another holder reported
    /// it or `holder` lost its lease. A task is reported once: once
    /// reported, no holder can claim it again.
    fn report(&self, holder: &str, intent: &str) -> JournalFuture<'_, bool>;

    /// Gives up `holder`'s leases on `intents`: the tasks go back to the
    /// pool at once.
    fn release(&self, holder: &str, intents: &[String]) -> JournalFuture<'_, ()>;

    /// Adds what answers held that the description does not say
    /// ([`crate::drift`]) to the journal's drift table: counts summed,
    /// first and last times widened, per finding and per operation. A
    /// client with a journal writes its findings here. By default, a
    /// journal keeps no drift.
    fn record_drift(&self, report: &DriftReport) -> JournalFuture<'_, ()> {
        let _ = report;
        Box::pin(async { Ok(()) })
    }

    /// The drift table: every report written to this journal, merged.
    fn drift(&self) -> JournalFuture<'_, DriftReport> {
        Box::pin(async { Ok(DriftReport::default()) })
    }
}

/// The account's create limit kept across processes: a client given one
/// ([`ClientBuilder::shared_create_limit`](crate::ClientBuilder::shared_create_limit))
/// takes a turn from it before each create, so that every process
/// creating on the account stays, together, under its limit.
/// [`PostgresJournal`] is one (feature `postgres`).
pub trait SharedCreateLimit: std::fmt::Debug + Send + Sync + 'static {
    /// Waits for a turn: returns once fewer than `limit.requests()` creates
    /// took one in the last `limit.per()`, counting this one. Fails only
    /// when the store cannot be reached; the create is then not sent.
    fn take_turn(&self, limit: CreateLimit) -> JournalFuture<'_, ()>;
}

/// Something that happened to a create or its task.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum JournalEvent {
    /// A create is about to be sent.
    CreateStarted {
        /// This create's own id (the task has none yet).
        intent: String,
        /// The kind of task it makes.
        kind: TaskKind,
        /// The operation, as the provider's page names it.
        operation: String,
        /// A fingerprint of the request body ([`Journal::fingerprint`]).
        fingerprint: String,
    },
    /// The create's outcome.
    CreateFinished {
        /// The create.
        intent: String,
        /// What came of it.
        outcome: CreateOutcome,
    },
    /// A create written down as sending long ago, with no outcome since:
    /// the program that sent it stopped (or lost the outcome). It becomes
    /// unknown (the task may exist), unless an outcome arrived meanwhile;
    /// a later outcome still replaces it. See [`reconcile`].
    CreateUnanswered {
        /// The create.
        intent: String,
        /// What is known of it.
        reason: String,
    },
    /// A create whose outcome was lost (`sending` or `unknown`) was found
    /// again: a callback carrying its reference ([`reference`](mod@reference)) named its
    /// task, and the task's record echoes that reference. Only such an
    /// entry takes it; an entry whose task id is known keeps it.
    CreateFound {
        /// The create.
        intent: String,
        /// Its task.
        task_id: String,
    },
    /// A wait saw a task's status change.
    StatusChanged {
        /// The task's kind.
        kind: TaskKind,
        /// The task.
        task_id: String,
        /// The status, as the API writes it.
        status: String,
    },
    /// A wait saw a task end.
    Ended {
        /// The task's kind.
        kind: TaskKind,
        /// The task.
        task_id: String,
        /// Whether it made its results.
        failed: bool,
    },
    /// A file of a task was saved.
    FileSaved {
        /// The task (or, for files named by track, the track's task).
        task_id: String,
        /// Where the file is.
        path: String,
        /// Its size.
        bytes: u64,
    },
}

/// What came of a create. A refusal or an unknown outcome never replaces
/// a task id the journal holds (the create's task was found through its
/// callback before its lost answer was written down).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CreateOutcome {
    /// The task was made.
    Created {
        /// Its id.
        task_id: String,
    },
    /// The API refused; no task was made.
    Refused {
        /// Why.
        reason: String,
    },
    /// The answer was lost; the task may exist.
    Unknown {
        /// What went wrong.
        reason: String,
    },
}

impl CreateOutcome {
    /// Where a create with this outcome stands, its task id and the
    /// reason (for refusals and unknown outcomes), as a journal stores them.
    pub fn entry(&self) -> (EntryState, Option<&str>, Option<&str>) {
        match self {
            CreateOutcome::Created { task_id } => (EntryState::Created, Some(task_id), None),
            CreateOutcome::Refused { reason } => (EntryState::Refused, None, Some(reason)),
            CreateOutcome::Unknown { reason } => (EntryState::Unknown, None, Some(reason)),
        }
    }
}

/// Where a journaled create stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryState {
    /// Written down, outcome not yet known (the program stopped while
    /// sending: the task may exist).
    Sending,
    /// Made; not seen ending.
    Created,
    /// Refused by the API; no task.
    Refused,
    /// The answer was lost; the task may exist.
    Unknown,
    /// Ended with its results.
    Completed,
    /// Ended without results.
    Failed,
}

impl EntryState {
    /// The API's name, as the journal stores it.
    pub fn as_str(self) -> &'static str {
        match self {
            EntryState::Sending => "sending",
            EntryState::Created => "created",
            EntryState::Refused => "refused",
            EntryState::Unknown => "unknown",
            EntryState::Completed => "completed",
            EntryState::Failed => "failed",
        }
    }

    /// The state stored as `text`.
    pub fn parse(text: &str) -> Option<EntryState> {
        [
            EntryState::Sending,
            EntryState::Created,
            EntryState::Refused,
            EntryState::Unknown,
            EntryState::Completed,
            EntryState::Failed,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }

    /// The state of a task a wait saw end.
    pub fn ended(failed: bool) -> EntryState {
        if failed {
            EntryState::Failed
        } else {
            EntryState::Completed
        }
    }

    /// Whether the task is over (or never was): nothing more to wait for.
    pub fn is_finished(self) -> bool {
        matches!(
            self,
            EntryState::Refused | EntryState::Completed | EntryState::Failed
        )
    }
}

/// One journaled create and what became of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct JournalEntry {
    /// The create's own id.
    pub intent: String,
    /// The kind of task.
    pub kind: String,
    /// The operation.
    pub operation: String,
    /// The request's fingerprint.
    pub fingerprint: String,
    /// When it was written down.
    pub created_at: DateTime<Utc>,
    /// Where it stands.
    pub state: EntryState,
    /// The task's id, once known.
    pub task_id: Option<String>,
    /// The last status a wait saw.
    pub status: Option<String>,
    /// Why it was refused, or why its outcome is unknown.
    pub detail: Option<String>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    /// The files saved for it: path and bytes.
    pub files: Vec<(String, u64)>,
    /// The worker holding its lease, if any (it may have run out: see
    /// `lease_until`).
    pub holder: Option<String>,
    /// When that lease runs out.
    pub lease_until: Option<DateTime<Utc>>,
    /// When a worker reported it, and which.
    pub reported: Option<(DateTime<Utc>, String)>,
}

impl JournalEntry {
    /// The kind of task, when this SDK knows it.
    pub fn task_kind(&self) -> Option<TaskKind> {
        self.kind.parse().ok()
    }
}

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

/// The key of a journal's request fingerprints: 32 random bytes made
/// when the journal is created and kept in it, so that fingerprints of
/// one journal compare across processes, while a leaked journal does not
/// confirm a guessed prompt without its key. Never shown.
#[derive(Clone, PartialEq, Eq)]
pub struct FingerprintKey([u8; 32]);

impl FingerprintKey {
    /// A new random key.
    pub fn random() -> Self {
        let mut key = [0; 32];
        key.iter_mut().for_each(|b| *b = fastrand::u8(..));
        FingerprintKey(key)
    }

    /// A key as a journal stores it (`None` unless 32 bytes).
    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        bytes.try_into().ok().map(FingerprintKey)
    }

    /// The bytes to store.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// The fingerprint of a request body: HMAC-SHA256 of its JSON under
    /// this key, its first 8 bytes in hex. Enough to tell two requests
    /// apart in a journal; it holds no part of the request.
    pub fn fingerprint(&self, body: &[u8]) -> String {
        use hmac::{KeyInit, Mac};
        let mut mac = <hmac::Hmac<sha2::Sha256> as KeyInit>::new_from_slice(&self.0)
            .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
        mac.update(body);
        let tag = mac.finalize().into_bytes();
        crate::hex::hex(&tag[..8])
    }
}

impl std::fmt::Debug for FingerprintKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FingerprintKey(<redacted>)")
    }
}

/// The key of journals that keep none of their own: random, once per
/// process.
fn process_key() -> &'static FingerprintKey {
    static KEY: std::sync::OnceLock<FingerprintKey> = std::sync::OnceLock::new();
    KEY.get_or_init(FingerprintKey::random)
}

/// The JSON of a request body, as fingerprints are taken of it.
pub(crate) fn request_json(body: &impl Serialize) -> Vec<u8> {
    serde_json::to_vec(body).unwrap_or_default()
}

/// A fresh id for a create: 128 random bits in hex.
pub(crate) fn new_intent() -> String {
    format!("{:016x}{:016x}", fastrand::u64(..), fastrand::u64(..))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_are_keyed_tell_requests_apart_and_repeat() {
        let key = FingerprintKey::from_bytes(&[7; 32]).expect("32 bytes");
        let a = br#"{"prompt":"calm piano"}"#;
        let b = br#"{"prompt":"calm piano!"}"#;
        assert_eq!(key.fingerprint(a), key.fingerprint(a));
        assert_ne!(key.fingerprint(a), key.fingerprint(b));
        assert_ne!(
            key.fingerprint(a),
            FingerprintKey::random().fingerprint(a),
            "keyed"
        );
        // HMAC-SHA256 under 32 bytes of 7, computed with
        // `printf '{"prompt":"calm piano"}' | openssl dgst -sha256 -mac HMAC -macopt hexkey:0707...07`
        // (32 bytes of 07), its first 8 bytes.
        assert_eq!(key.fingerprint(a), "29e15a586d54d64a");
        assert!(!format!("{key:?}").contains('7'));
    }

    #[test]
    fn states_read_back_from_their_names() {
        for state in [EntryState::Sending, EntryState::Unknown, EntryState::Failed] {
            assert_eq!(EntryState::parse(state.as_str()), Some(state));
        }
        assert!(EntryState::Completed.is_finished());
        assert!(!EntryState::Unknown.is_finished());
    }
}
