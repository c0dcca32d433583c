//! The account's create limit kept across processes: a table of recent
//! creates, read and written under an advisory lock on a connection of
//! its own, so that every process creating on the account stays, with
//! the others, under the limit.

use std::sync::Arc;
use std::time::Duration;

use tokio_postgres::Client;

use super::PostgresJournal;
use crate::journal::{JournalFuture, SharedCreateLimit};
use crate::limit::CreateLimit;

impl SharedCreateLimit for PostgresJournal {
    fn take_turn(&self, limit: CreateLimit) -> JournalFuture<'_, ()> {
        Box::pin(async move {
            loop {
                let wait = {
                    let _one_at_a_time = self.shared.turn.lock().await;
                    self.run_on(&self.shared.turns, |client| try_turn(client, limit))
                        .await?
                };
                match wait {
                    None => return Ok(()),
                    Some(wait) => tokio::time::sleep(wait).await,
                }
            }
        })
    }
}

/// Takes a turn if fewer than the limit's creates took one in its last
/// window; otherwise how long until the oldest of them leaves it. Under
/// an advisory lock, so that every process counts the same turns; the
/// database's clock.
async fn try_turn(
    client: Arc<Client>,
    limit: CreateLimit,
) -> Result<Option<Duration>, tokio_postgres::Error> {
    let window = limit.per().as_secs_f64();
    client
        .batch_execute("BEGIN; SELECT pg_advisory_xact_lock(7164402712)")
        .await?;
    let taken = async {
        client
            .execute(
                "DELETE FROM kie_suno_create_turns
                 WHERE at < clock_timestamp() - make_interval(secs => $1::float8 * 2)",
                &[&window],
            )
            .await?;
        let row = client
            .query_one(
                "SELECT count(*),
                        EXTRACT(EPOCH FROM (min(at) + make_interval(secs => $1) - clock_timestamp()))::float8
                 FROM kie_suno_create_turns
                 WHERE at > clock_timestamp() - make_interval(secs => $1)",
                &[&window],
            )
            .await?;
        let recent: i64 = row.get(0);
        if recent < i64::from(limit.requests()) {
            client
                .execute(
                    "INSERT INTO kie_suno_create_turns (at) VALUES (clock_timestamp())",
                    &[],
                )
                .await?;
            return Ok(None);
        }
        let until_free: Option<f64> = row.get(1);
        let wait = until_free.unwrap_or(0.0).clamp(0.01, window.max(0.01));
        Ok(Some(Duration::from_secs_f64(wait)))
    }
    .await;
    match &taken {
        Ok(_) => client.batch_execute("COMMIT").await?,
        Err(_) => {
            let _ = client.batch_execute("ROLLBACK").await;
        }
    }
    taken
}
