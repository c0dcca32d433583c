//! What the SQLite and PostgreSQL stores' SQL shares: the statement each
//! [`JournalEvent`] runs, and the states a worker can claim and the states
//! that are finished, written out from [`EntryState`] (so that a new state
//! cannot be missed by one store's literals).
//!
//! A statement is written once, in PostgreSQL's spelling (`$1`, `now()`,
//! `{creates}` for the table), and a [`Dialect`] renders it for its store.
//! The two differ in their tables' names, their placeholders and whose
//! clock stamps a row: the database's for a fleet on PostgreSQL, the
//! machine's (SQLite's `'now'`, UTC text) in a file. The lease queue's
//! statements stay with each store: PostgreSQL claims in one statement
//! (`FOR UPDATE SKIP LOCKED`), SQLite under its single writer.

use super::{EntryState, JournalEvent};

const ALL: [EntryState; 6] = [
    EntryState::Sending,
    EntryState::Created,
    EntryState::Refused,
    EntryState::Unknown,
    EntryState::Completed,
    EntryState::Failed,
];

/// How one store spells what the statements share.
#[derive(Debug)]
pub(super) struct Dialect {
    /// The creates table.
    creates: &'static str,
    /// The saved files table.
    files: &'static str,
    /// The SQL expression of the time now, as the store keeps times.
    now: &'static str,
    /// What stands for `$` in a numbered placeholder.
    placeholder: &'static str,
}

/// PostgreSQL: prefixed tables, `timestamptz` from the server's clock.
#[cfg(feature = "postgres")]
pub(super) const POSTGRES: Dialect = Dialect {
    creates: "kie_suno_creates",
    files: "kie_suno_files",
    now: "now()",
    placeholder: "$",
};

/// SQLite: the file's own tables, RFC 3339 text from the machine's clock.
#[cfg(feature = "journal")]
pub(super) const SQLITE: Dialect = Dialect {
    creates: "creates",
    files: "files",
    now: "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')",
    placeholder: "?",
};

impl Dialect {
    /// `template` in this dialect.
    fn render(&self, template: &str) -> String {
        template
            .replace("{creates}", self.creates)
            .replace("{files}", self.files)
            .replace("now()", self.now)
            .replace('$', self.placeholder)
    }
}

/// A value bound to a statement's placeholder.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Value<'a> {
    /// Text, or NULL.
    Text(Option<&'a str>),
    /// A 64-bit integer.
    Int(i64),
}

/// A statement and its values, `values[0]` bound to `$1`.
#[derive(Debug)]
pub(super) struct Statement<'a> {
    /// The SQL, in the store's dialect.
    pub(super) sql: String,
    /// The values of its placeholders, in order.
    pub(super) values: Vec<Value<'a>>,
}

fn text(value: &str) -> Value<'_> {
    Value::Text(Some(value))
}

/// The statement that writes `event`. Each is idempotent (written twice,
/// an event changes nothing more), and none takes back what a later event
/// said: a refusal or a lost answer never replaces a found task id.
pub(super) fn write<'a>(dialect: &Dialect, event: &'a JournalEvent) -> Statement<'a> {
    let (template, values) = match event {
        JournalEvent::CreateStarted {
            intent,
            kind,
            operation,
            fingerprint,
        } => (
            "INSERT INTO {creates}
             (intent, kind, operation, fingerprint, created_at, state, updated_at)
             VALUES ($1, $2, $3, $4, now(), $5, now())
             ON CONFLICT (intent) DO NOTHING",
            vec![
                text(intent),
                text(kind.as_str()),
                text(operation),
                text(fingerprint),
                text(EntryState::Sending.as_str()),
            ],
        ),
        JournalEvent::CreateFinished { intent, outcome } => {
            let (state, task_id, detail) = outcome.entry();
            (
                "UPDATE {creates} SET state = $2, task_id = $3, detail = $4, updated_at = now()
                 WHERE intent = $1 AND (CAST($3 AS TEXT) IS NOT NULL OR task_id IS NULL)",
                vec![
                    text(intent),
                    text(state.as_str()),
                    Value::Text(task_id),
                    Value::Text(detail),
                ],
            )
        }
        JournalEvent::CreateFound { intent, task_id } => (
            "UPDATE {creates} SET state = $3, task_id = $2, updated_at = now()
             WHERE intent = $1 AND task_id IS NULL AND state IN ($4, $5)",
            vec![
                text(intent),
                text(task_id),
                text(EntryState::Created.as_str()),
                text(EntryState::Sending.as_str()),
                text(EntryState::Unknown.as_str()),
            ],
        ),
        JournalEvent::CreateUnanswered { intent, reason } => (
            "UPDATE {creates} SET state = $2, detail = $3, updated_at = now()
             WHERE intent = $1 AND state = $4",
            vec![
                text(intent),
                text(EntryState::Unknown.as_str()),
                text(reason),
                text(EntryState::Sending.as_str()),
            ],
        ),
        JournalEvent::StatusChanged {
            kind,
            task_id,
            status,
        } => (
            "UPDATE {creates} SET status = $3, updated_at = now()
             WHERE kind = $1 AND task_id = $2",
            vec![text(kind.as_str()), text(task_id), text(status)],
        ),
        JournalEvent::Ended {
            kind,
            task_id,
            failed,
        } => (
            "UPDATE {creates} SET state = $3, updated_at = now()
             WHERE kind = $1 AND task_id = $2",
            vec![
                text(kind.as_str()),
                text(task_id),
                text(EntryState::ended(*failed).as_str()),
            ],
        ),
        JournalEvent::FileSaved {
            task_id,
            path,
            bytes,
        } => (
            "INSERT INTO {files} (task_id, path, bytes, saved_at) VALUES ($1, $2, $3, now())
             ON CONFLICT (task_id, path) DO UPDATE SET bytes = $3, saved_at = now()",
            vec![
                text(task_id),
                text(path),
                Value::Int(i64::try_from(*bytes).unwrap_or(i64::MAX)),
            ],
        ),
    };
    Statement {
        sql: dialect.render(template),
        values,
    }
}

/// The columns an entry is read from, in the order both stores map them.
pub(super) const ENTRY_COLUMNS: &str = "intent, kind, operation, fingerprint, created_at, state, \
     task_id, status, detail, updated_at, holder, lease_until, reported_at, reported_by";

/// Whether a worker can take a create in this state (with its task id
/// known and not yet reported): the task was made, whether or not a wait
/// saw it end (a worker still reports it, and saves its files).
pub(super) fn is_claimable(state: EntryState) -> bool {
    matches!(
        state,
        EntryState::Created | EntryState::Completed | EntryState::Failed
    )
}

/// The states for which `keep` holds, quoted and comma-separated:
/// `'created', 'completed', 'failed'`.
pub(super) fn states(keep: fn(EntryState) -> bool) -> String {
    ALL.into_iter()
        .filter(|s| keep(*s))
        .map(|s| format!("'{}'", s.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::CreateOutcome;
    use crate::kind::TaskKind;

    #[test]
    fn the_lists_are_the_states_each_store_names() {
        assert_eq!(states(is_claimable), "'created', 'completed', 'failed'");
        assert_eq!(
            states(EntryState::is_finished),
            "'refused', 'completed', 'failed'"
        );
        for state in ALL {
            assert_eq!(EntryState::parse(state.as_str()), Some(state), "{state}");
        }
    }

    #[test]
    fn a_statement_is_rendered_in_each_stores_spelling() {
        let event = JournalEvent::CreateFinished {
            intent: "i-1".into(),
            outcome: CreateOutcome::Refused {
                reason: "no credits".into(),
            },
        };
        let dialect = Dialect {
            creates: "t",
            files: "f",
            now: "NOW",
            placeholder: "?",
        };
        let statement = write(&dialect, &event);
        assert_eq!(
            statement
                .sql
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" "),
            "UPDATE t SET state = ?2, task_id = ?3, detail = ?4, updated_at = NOW \
             WHERE intent = ?1 AND (CAST(?3 AS TEXT) IS NOT NULL OR task_id IS NULL)"
        );
        assert_eq!(
            statement.values,
            [
                Value::Text(Some("i-1")),
                Value::Text(Some("refused")),
                Value::Text(None),
                Value::Text(Some("no credits")),
            ]
        );
    }

    #[test]
    fn every_placeholder_of_every_statement_has_its_value() {
        let kind = TaskKind::Music;
        let events = [
            JournalEvent::CreateStarted {
                intent: "i".into(),
                kind,
                operation: "generate-music".into(),
                fingerprint: "f".into(),
            },
            JournalEvent::CreateFinished {
                intent: "i".into(),
                outcome: CreateOutcome::Created {
                    task_id: "t".into(),
                },
            },
            JournalEvent::CreateFound {
                intent: "i".into(),
                task_id: "t".into(),
            },
            JournalEvent::CreateUnanswered {
                intent: "i".into(),
                reason: "r".into(),
            },
            JournalEvent::StatusChanged {
                kind,
                task_id: "t".into(),
                status: "SUCCESS".into(),
            },
            JournalEvent::Ended {
                kind,
                task_id: "t".into(),
                failed: false,
            },
            JournalEvent::FileSaved {
                task_id: "t".into(),
                path: "a.mp3".into(),
                bytes: 3,
            },
        ];
        for event in &events {
            let statement = write(&POSTGRES_LIKE, event);
            let highest = (1..=9)
                .rev()
                .find(|n| statement.sql.contains(&format!("${n}")))
                .unwrap_or(0);
            assert_eq!(statement.values.len(), highest, "{}", statement.sql);
            assert!(!statement.sql.contains('{'), "{}", statement.sql);
        }
    }

    const POSTGRES_LIKE: Dialect = Dialect {
        creates: "c",
        files: "f",
        now: "now()",
        placeholder: "$",
    };
}
