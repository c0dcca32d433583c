//! Drift: what live answers hold that the description (`openapi.json`,
//! the provider's pages after this workspace's fix-ups) does not say. The
//! SDK tolerates it (unknown enum values are `Unknown`, unknown fields are
//! ignored, the fix-ups widen types), and counts it here, so that the
//! description can catch up: [`Client::drift`](crate::Client::drift)
//! hands out the report, `suno drift` prints it, and `cargo xtask drift
//! REPORT.json` turns it into proposed fix-ups for `spec/fixes.yaml`.
//!
//! Each successful answer of an operation is compared with its schema
//! until 16 were, then one in 64 (the rest cost nothing): counts are of
//! the answers compared, which the report gives per operation. A report
//! holds at most 1,000 distinct findings; later new ones are counted as
//! dropped. With a journal, findings are also written down
//! ([`crate::journal::Journal::record_drift`]): each when this process first sees it, the
//! counts at most once a minute after (the write happens on the answer
//! that brings it, before the caller gets the answer).

mod compare;
mod description;

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use compare::Finding;

/// Answers of an operation compared before sampling starts.
const ALWAYS_FIRST: u64 = 16;
/// After that, one answer in this many is compared.
const THEN_ONE_IN: u64 = 64;
/// Distinct findings kept.
const MAX_ENTRIES: usize = 1000;

/// What kind of thing the description did not say.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum DriftKind {
    /// A field the schema does not have (`seen`: its JSON type).
    UnknownField,
    /// A string the schema's `enum` does not list (`seen`: the value).
    UnknownEnumValue,
    /// A value of another JSON type than declared (`seen`: its type).
    OtherType {
        /// The type the schema declares.
        declared: String,
    },
    /// A null where the schema is not nullable.
    NullNotNullable,
}

/// One finding and how often it was seen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DriftEntry {
    /// The operation (its operationId).
    pub operation: String,
    /// Where in the answer, e.g. `$.data.response.sunoData[*].sourceAudioUrl`.
    pub path: String,
    /// What was not described.
    pub kind: DriftKind,
    /// What was seen: the value's JSON type, or the enum value (without
    /// URL secrets, at most 64 characters).
    pub seen: String,
    /// The schema to change, as a JSON pointer into `openapi.json`.
    pub schema: String,
    /// How many compared answers showed it.
    pub count: u64,
    /// When it was first seen.
    pub first: DateTime<Utc>,
    /// When it was last seen.
    pub last: DateTime<Utc>,
}

/// What the client's answers showed that the description does not say.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DriftReport {
    /// Each finding, by operation and path.
    pub entries: Vec<DriftEntry>,
    /// Answers compared, by operation.
    pub compared: BTreeMap<String, u64>,
    /// New findings not kept (over the cap).
    #[serde(default)]
    pub dropped: u64,
}

impl DriftReport {
    /// Whether the answers showed nothing undescribed.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Adds `other` (another process's report, say): counts summed,
    /// first and last times widened.
    pub fn merge(&mut self, other: DriftReport) {
        for entry in other.entries {
            match self.entries.iter_mut().find(|e| same_finding(e, &entry)) {
                Some(mine) => {
                    mine.count = mine.count.saturating_add(entry.count);
                    mine.first = mine.first.min(entry.first);
                    mine.last = mine.last.max(entry.last);
                }
                None => self.entries.push(entry),
            }
        }
        for (operation, n) in other.compared {
            let mine = self.compared.entry(operation).or_default();
            *mine = mine.saturating_add(n);
        }
        self.dropped = self.dropped.saturating_add(other.dropped);
        self.entries.sort_by(|a, b| {
            (&a.operation, &a.path, &a.kind, &a.seen).cmp(&(
                &b.operation,
                &b.path,
                &b.kind,
                &b.seen,
            ))
        });
    }
}

impl DriftKind {
    /// The kind as a journal stores it: its name, and the declared type
    /// (empty but for [`DriftKind::OtherType`]).
    pub fn stored(&self) -> (&'static str, &str) {
        match self {
            DriftKind::UnknownField => ("unknown_field", ""),
            DriftKind::UnknownEnumValue => ("unknown_enum_value", ""),
            DriftKind::OtherType { declared } => ("other_type", declared),
            DriftKind::NullNotNullable => ("null_not_nullable", ""),
        }
    }

    /// The kind a journal stored as `name` and `declared`.
    pub fn from_stored(name: &str, declared: &str) -> Option<DriftKind> {
        Some(match name {
            "unknown_field" => DriftKind::UnknownField,
            "unknown_enum_value" => DriftKind::UnknownEnumValue,
            "other_type" => DriftKind::OtherType {
                declared: declared.to_owned(),
            },
            "null_not_nullable" => DriftKind::NullNotNullable,
            _ => return None,
        })
    }
}

fn same_finding(a: &DriftEntry, b: &DriftEntry) -> bool {
    (&a.operation, &a.path, &a.kind, &a.seen, &a.schema)
        == (&b.operation, &b.path, &b.kind, &b.seen, &b.schema)
}

/// A finding's identity.
type Key = (&'static str, String, Finding, String);

#[derive(Debug, Default)]
struct State {
    /// Answers offered, by operation (for the sampling).
    offered: BTreeMap<&'static str, u64>,
    compared: BTreeMap<&'static str, u64>,
    entries: BTreeMap<Key, DriftEntry>,
    dropped: u64,
    /// What the journal has not been given yet.
    unwritten: DriftReport,
    /// The findings the journal was given at least once.
    written: BTreeSet<Key>,
    /// When the journal was last given the counts.
    last_write: Option<std::time::Instant>,
}

/// Where a counter writes its findings down (the client's journal): a
/// failure says why, and the findings are kept for the next write.
pub(crate) type Writer = Arc<
    dyn Fn(DriftReport) -> Pin<Box<dyn Future<Output = Result<(), String>> + Send>> + Send + Sync,
>;

/// The client's drift counter: the generated client shows it a sample of
/// the answers ([`crate::generated::AnswerObserver`]). With a writer (the
/// client's journal), it writes each finding down when it first sees it,
/// and the counts at most once a minute after that.
#[derive(Default)]
pub(crate) struct Drift {
    state: Mutex<State>,
    writer: Option<Writer>,
}

impl std::fmt::Debug for Drift {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Drift")
            .field("writes", &self.writer.is_some())
            .finish_non_exhaustive()
    }
}

/// The longest the journal's counts lag behind, once a finding is in it.
const WRITE_EVERY: Duration = Duration::from_secs(60);

impl Drift {
    /// A counter that writes its findings with `writer`, if there is one.
    pub(crate) fn new(writer: Option<Writer>) -> Self {
        Drift {
            state: Mutex::default(),
            writer,
        }
    }

    /// The report so far.
    pub(crate) fn report(&self) -> DriftReport {
        let state = crate::sync::lock(&self.state);
        DriftReport {
            entries: state.entries.values().cloned().collect(),
            compared: state
                .compared
                .iter()
                .map(|(op, n)| ((*op).to_owned(), *n))
                .collect(),
            dropped: state.dropped,
        }
    }

    /// Notes what `value`, an answer of `operation`, shows undescribed;
    /// returns what is due to the journal, if anything is.
    fn note(&self, operation: &'static str, value: &serde_json::Value) -> Option<DriftReport> {
        let description = description::get()?;
        let pointer = description.answer_schema(operation)?;
        let notes = compare::compare(description.doc(), pointer, value);
        let now = Utc::now();
        let mut guard = crate::sync::lock(&self.state);
        let state = &mut *guard;
        let journaled = self.writer.is_some();
        *state.compared.entry(operation).or_default() += 1;
        if journaled {
            *state
                .unwritten
                .compared
                .entry(operation.to_owned())
                .or_default() += 1;
        }
        let mut news = false;
        for note in notes {
            let (kind, seen) = match &note.finding {
                Finding::UnknownField { seen } => (DriftKind::UnknownField, (*seen).to_owned()),
                Finding::UnknownEnumValue { seen } => (DriftKind::UnknownEnumValue, seen.clone()),
                Finding::OtherType { declared, seen } => (
                    DriftKind::OtherType {
                        declared: declared.clone(),
                    },
                    (*seen).to_owned(),
                ),
                Finding::NullNotNullable => (DriftKind::NullNotNullable, "null".to_owned()),
            };
            let key = (
                operation,
                note.path.clone(),
                note.finding,
                note.schema.clone(),
            );
            let full = state.entries.len() >= MAX_ENTRIES;
            let seen_now = match state.entries.get_mut(&key) {
                Some(entry) => {
                    entry.count += 1;
                    entry.last = now;
                    DriftEntry {
                        count: 1,
                        first: now,
                        ..entry.clone()
                    }
                }
                None if full => {
                    state.dropped += 1;
                    continue;
                }
                None => {
                    let entry = DriftEntry {
                        operation: operation.to_owned(),
                        path: note.path,
                        kind,
                        seen,
                        schema: note.schema,
                        count: 1,
                        first: now,
                        last: now,
                    };
                    tracing::debug!(operation, path = %entry.path, seen = %entry.seen, "an answer holds what the description does not say");
                    state.entries.insert(key.clone(), entry.clone());
                    entry
                }
            };
            if !journaled {
                continue;
            }
            news |= !state.written.contains(&key);
            state.unwritten.merge(DriftReport {
                entries: vec![seen_now],
                ..DriftReport::default()
            });
            state.written.insert(key);
        }
        if !journaled {
            return None;
        }
        let stale = state
            .last_write
            .is_none_or(|at| at.elapsed() >= WRITE_EVERY);
        if !(news || stale && !state.unwritten.is_empty()) {
            return None;
        }
        state.last_write = Some(std::time::Instant::now());
        Some(std::mem::take(&mut state.unwritten))
    }

    /// Writes `due` down; kept for the next write when that fails.
    async fn write(&self, due: DriftReport) {
        let Some(writer) = &self.writer else {
            return;
        };
        if let Err(e) = writer(due.clone()).await {
            tracing::warn!(error = %e, "could not write drift to the journal; kept for the next write");
            crate::sync::lock(&self.state).unwritten.merge(due);
        }
    }
}

impl crate::generated::AnswerObserver for Drift {
    fn wants(&self, operation: &'static str) -> bool {
        let mut state = crate::sync::lock(&self.state);
        let offered = state.offered.entry(operation).or_default();
        let n = *offered;
        *offered = n.saturating_add(1);
        n < ALWAYS_FIRST || n.is_multiple_of(THEN_ONE_IN)
    }

    fn observe<'a>(
        &'a self,
        operation: &'static str,
        body: &'a [u8],
    ) -> Pin<Box<dyn Future<Output = ()> + Send + 'a>> {
        // A body that is not JSON fails its decoding, which says so.
        let due = serde_json::from_slice::<serde_json::Value>(body)
            .ok()
            .and_then(|value| self.note(operation, &value));
        Box::pin(async move {
            if let Some(due) = due {
                self.write(due).await;
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generated::AnswerObserver;

    #[test]
    fn a_live_record_shows_the_fields_the_description_lacks() {
        let drift = Drift::default();
        let body = br#"{"code":200,"msg":"success","data":{"taskId":"t1","status":"SUCCESS",
            "response":{"taskId":"t1","sunoData":[{"id":"a","audioUrl":"https://x/a.mp3",
            "sourceAudioUrl":"https://y/a.mp3","duration":180.5}]},"brandNewField":{"x":1}}}"#;
        assert!(drift.wants("get_music_task_details"));
        let value: serde_json::Value = serde_json::from_slice(body).unwrap();
        drift.note("get_music_task_details", &value);
        drift.note("get_music_task_details", &value);
        let report = drift.report();
        let paths: Vec<(&str, &DriftKind, u64)> = report
            .entries
            .iter()
            .map(|e| (e.path.as_str(), &e.kind, e.count))
            .collect();
        assert!(
            paths.contains(&("$.data.brandNewField", &DriftKind::UnknownField, 2)),
            "{paths:?}"
        );
        assert_eq!(report.compared["get_music_task_details"], 2);
        assert!(
            report
                .entries
                .iter()
                .all(|e| e.schema.starts_with("/paths/")),
            "{report:?}"
        );
    }

    #[test]
    fn answers_are_compared_in_full_then_sampled() {
        let drift = Drift::default();
        let wanted = (0..ALWAYS_FIRST + 10 * THEN_ONE_IN)
            .filter(|_| drift.wants("get-wav-details"))
            .count() as u64;
        assert_eq!(wanted, ALWAYS_FIRST + 10);
        assert!(drift.wants("get-lyrics-details"), "per operation");
    }

    #[test]
    fn reports_merge_by_finding() {
        let at = |s: i64| DateTime::<Utc>::from_timestamp(s, 0).unwrap_or_default();
        let entry = |count, first, last| DriftEntry {
            operation: "op".into(),
            path: "$.x".into(),
            kind: DriftKind::UnknownField,
            seen: "string".into(),
            schema: "/paths/x".into(),
            count,
            first: at(first),
            last: at(last),
        };
        let mut a = DriftReport {
            entries: vec![entry(2, 10, 20)],
            compared: [("op".to_owned(), 5)].into(),
            dropped: 0,
        };
        a.merge(DriftReport {
            entries: vec![entry(3, 5, 15)],
            compared: [("op".to_owned(), 7)].into(),
            dropped: 1,
        });
        assert_eq!(a.entries, [entry(5, 5, 20)]);
        assert_eq!(a.compared["op"], 12);
        assert_eq!(a.dropped, 1);
    }
}
