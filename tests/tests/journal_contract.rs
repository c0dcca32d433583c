//! The SQLite and PostgreSQL journals pass the same contract
//! (`kie_suno_tests::journal_contract`): writes, leases, takeover,
//! reporting once, concurrent writers.

use std::sync::Arc;

use kie_suno::journal::{Journal, PostgresJournal, SqliteJournal};
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
                    contract::$name(Arc::new(journal) as Arc<dyn Journal>).await;
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
                    contract::$name(Arc::new(journal) as Arc<dyn Journal>).await;
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
);
