//! The SQLite and PostgreSQL journals pass the same contract
//! (`kie_suno_tests::journal_contract`): writes, leases, takeover,
//! reporting once, concurrent writers; and claimers that share nothing
//! but the store (a connection each; for SQLite, a process each).

use std::sync::Arc;

use kie_suno::journal::{Journal, LeaseQueue, PostgresJournal, SqliteJournal};
use kie_suno_tests::journal_contract as contract;
use kie_suno_tests::postgres::fresh_database;

/// Runs each contract function against a fresh journal of each kind.
macro_rules! contract {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            use super::*;
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let dir = tempfile::tempdir().unwrap();
                    let journal = SqliteJournal::open(dir.path().join("j.sqlite3")).unwrap();
                    contract::$name(Arc::new(journal) as Arc<dyn LeaseQueue>).await;
                }
            )*
        }
        mod postgres {
            use super::*;
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let Some(url) = fresh_database().await else { return };
                    let journal = PostgresJournal::open(&url).await.unwrap();
                    contract::$name(Arc::new(journal) as Arc<dyn LeaseQueue>).await;
                }
            )*
        }
    };
}

contract!(
    a_create_is_written_down_from_start_to_end,
    creates_without_a_task_are_never_claimed,
    holders_claiming_at_once_never_get_the_same_task,
    a_lease_that_runs_out_goes_to_another_holder,
    a_task_is_reported_once,
    a_released_task_goes_back_to_the_pool_at_once,
    writers_at_once_lose_nothing,
    a_create_left_sending_is_reconciled_as_unknown_unless_answered,
    a_lost_create_found_again_keeps_its_task,
    drift_reports_add_up_in_the_journal,
);

/// Claimers, tasks: as many as a small fleet claims.
const CLAIMERS: usize = 8;
const TASKS: usize = 1_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_claimers_on_their_own_connections_never_share_a_task() {
    let Some(url) = fresh_database().await else {
        return;
    };
    let seed = PostgresJournal::open(&url).await.unwrap();
    contract::seeded(&seed, TASKS).await;
    let mut claimers: Vec<Arc<dyn LeaseQueue>> = Vec::new();
    for _ in 0..CLAIMERS {
        claimers.push(Arc::new(PostgresJournal::open(&url).await.unwrap()));
    }
    contract::claimers_of_their_own_share_nothing(claimers, TASKS).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_claimers_in_their_own_processes_never_share_a_task() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j.sqlite3");
    let seed = SqliteJournal::open(&path).unwrap();
    contract::seeded(&seed, TASKS).await;
    let claimers: Vec<_> = (0..CLAIMERS)
        .map(|w| {
            tokio::process::Command::new(env!("CARGO_BIN_EXE_journal-claimer"))
                .arg(&path)
                .arg(format!("w{w}"))
                .output()
        })
        .collect();
    let mut each = Vec::new();
    for claimer in claimers {
        let output = claimer.await.unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        each.push(
            String::from_utf8_lossy(&output.stdout)
                .lines()
                .map(str::to_owned)
                .collect::<Vec<_>>(),
        );
    }
    contract::assert_claimed_once(&each, TASKS);
}

/// Two opens of one journal fingerprint alike; another journal does not.
fn assert_keyed(one: &dyn Journal, same: &dyn Journal, other: &dyn Journal) {
    let body = br#"{"prompt":"calm piano"}"#;
    assert_eq!(
        one.fingerprint(body),
        same.fingerprint(body),
        "kept in the journal"
    );
    assert_ne!(
        one.fingerprint(body),
        other.fingerprint(body),
        "a key per journal"
    );
    assert_ne!(
        one.fingerprint(body),
        one.fingerprint(br#"{"prompt":"calm piano!"}"#)
    );
}

#[tokio::test]
async fn sqlite_fingerprints_are_keyed_by_a_secret_of_the_journal() {
    let dir = tempfile::tempdir().unwrap();
    let one = SqliteJournal::open(dir.path().join("a.sqlite3")).unwrap();
    let same = SqliteJournal::open(dir.path().join("a.sqlite3")).unwrap();
    let other = SqliteJournal::open(dir.path().join("b.sqlite3")).unwrap();
    assert_keyed(&one, &same, &other);
}

#[tokio::test]
async fn postgres_fingerprints_are_keyed_by_a_secret_of_the_journal() {
    let (Some(a), Some(b)) = (fresh_database().await, fresh_database().await) else {
        return;
    };
    let one = PostgresJournal::open(&a).await.unwrap();
    let same = PostgresJournal::open(&a).await.unwrap();
    let other = PostgresJournal::open(&b).await.unwrap();
    assert_keyed(&one, &same, &other);
}
