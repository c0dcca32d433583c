//! What the SQLite and PostgreSQL stores' SQL shares: the states a worker
//! can claim and the states that are finished, written out from
//! [`EntryState`] (so that a new state cannot be missed by one store's
//! literals), as a list for `state IN (...)`.
//!
//! The statements themselves stay with each store: the two dialects
//! differ in whose clock stamps a row (the database's, for a fleet on
//! PostgreSQL; the process's in a file) and in their upserts.

use super::EntryState;

const ALL: [EntryState; 6] = [
    EntryState::Sending,
    EntryState::Created,
    EntryState::Refused,
    EntryState::Unknown,
    EntryState::Completed,
    EntryState::Failed,
];

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
}
