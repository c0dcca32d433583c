//! What SQLite makes of the journal's two queries that grow with it: a
//! claim, and the list of unfinished tasks, each read through its partial
//! index (migration 5), never by scanning every create the journal holds.

use rusqlite::Connection;

use super::{UNFINISHED, lease, select_where};
use crate::journal::EntryState;
use crate::journal::sql;

fn plan(connection: &Connection, query: &str) -> String {
    let mut statement = connection
        .prepare(&format!("EXPLAIN QUERY PLAN {query}"))
        .unwrap();
    let rows = statement
        .query_map([], |row| row.get::<_, String>(3))
        .unwrap();
    rows.map(Result::unwrap).collect::<Vec<_>>().join("; ")
}

fn journal() -> (std::path::PathBuf, Connection) {
    let dir = std::env::temp_dir().join(format!("kie-suno-plans-{:016x}", fastrand::u64(..)));
    let path = dir.join("journal.sqlite3");
    drop(super::SqliteJournal::open(&path).unwrap());
    let connection = Connection::open(&path).unwrap();
    (dir, connection)
}

#[test]
fn a_claim_reads_the_claimable_index_in_order() {
    let (dir, connection) = journal();
    let plan = plan(
        &connection,
        &lease::claimable().replace("?1", "0").replace("?2", "8"),
    );
    assert!(plan.contains("USING INDEX creates_to_claim"), "{plan}");
    assert!(
        !plan.contains("TEMP B-TREE"),
        "the claim sorts what it read: {plan}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn the_unfinished_list_reads_its_index_in_order() {
    let (dir, connection) = journal();
    let plan = plan(&connection, &select_where(UNFINISHED));
    assert!(plan.contains("USING INDEX creates_unfinished"), "{plan}");
    assert!(
        !plan.contains("TEMP B-TREE"),
        "the list sorts what it read: {plan}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn the_unfinished_condition_names_every_state_not_finished() {
    let states = sql::states(|s: EntryState| !s.is_finished());
    assert_eq!(UNFINISHED, format!("state IN ({states})"));
}
