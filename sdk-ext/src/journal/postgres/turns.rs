//! The account's create limit kept across processes: a table of turns,
//! read and written under an advisory lock on a connection of its own, so
//! that every process creating on the account stays, with the others,
//! under the limit. As a client's own turns do, a turn counts while its
//! create is in flight and for a window after its answer.

use std::sync::Arc;
use std::time::Duration;

use tokio_postgres::Client;

use super::PostgresJournal;
use crate::journal::{JournalFuture, SharedCreateLimit};
use crate::limit::CreateLimit;

/// How long a turn in flight counts at most: past it, its process is
/// taken to have died before it could say its create was answered (a
/// create's request times out long before).
const IN_FLIGHT_AT_MOST_S: f64 = 120.0;

impl SharedCreateLimit for PostgresJournal {
    fn take_turn(&self, limit: CreateLimit) -> JournalFuture<'_, ()> {
        Box::pin(async move {
            loop {
                let wait = {
                    let _one_at_a_time = self.shared.turn.lock().await;
                    let holder = self.shared.turn_holder.as_str();
                    self.run_on(&self.shared.turns, |client| try_turn(client, limit, holder))
                        .await?
                };
                match wait {
                    None => return Ok(()),
                    Some(wait) => tokio::time::sleep(wait).await,
                }
            }
        })
    }

    fn end_turn(&self, _limit: CreateLimit) -> JournalFuture<'_, ()> {
        Box::pin(async move {
            let _one_at_a_time = self.shared.turn.lock().await;
            let holder = self.shared.turn_holder.as_str();
            self.run_on(&self.shared.turns, |client| end_turn(client, holder))
                .await
        })
    }
}

/// Takes a turn if fewer than the limit's are in flight or were answered
/// in its last window; otherwise how long until the oldest answered one
/// leaves it (a window, when every one is in flight: an answer now would
/// hold its turn that long). Under an advisory lock, so that every
/// process counts the same turns; the database's clock.
async fn try_turn(
    client: Arc<Client>,
    limit: CreateLimit,
    holder: &str,
) -> Result<Option<Duration>, tokio_postgres::Error> {
    let window = limit.per().as_secs_f64();
    client
        .batch_execute("BEGIN; SELECT pg_advisory_xact_lock(7164402712)")
        .await?;
    let taken = async {
        client
            .execute(
                "DELETE FROM kie_suno_create_turns
                 WHERE at < clock_timestamp() - make_interval(secs => greatest($1::float8 * 2, $2))",
                &[&window, &IN_FLIGHT_AT_MOST_S],
            )
            .await?;
        let row = client
            .query_one(
                "SELECT count(*) FILTER (WHERE NOT answered
                                           OR at > clock_timestamp() - make_interval(secs => $1)),
                        EXTRACT(EPOCH FROM (min(at) FILTER (WHERE answered
                                           AND at > clock_timestamp() - make_interval(secs => $1))
                                            + make_interval(secs => $1) - clock_timestamp()))::float8
                 FROM kie_suno_create_turns",
                &[&window],
            )
            .await?;
        let counted: i64 = row.get(0);
        if counted < i64::from(limit.requests()) {
            client
                .execute(
                    "INSERT INTO kie_suno_create_turns (at, holder, answered)
                     VALUES (clock_timestamp(), $1, false)",
                    &[&holder],
                )
                .await?;
            return Ok(None);
        }
        let until_free: Option<f64> = row.get(1);
        let wait = until_free.unwrap_or(window).clamp(0.01, window.max(0.01));
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

/// Marks one of `holder`'s turns in flight answered now. Which one does
/// not matter: the count of turns in flight and the times of the answered
/// ones come out the same.
async fn end_turn(client: Arc<Client>, holder: &str) -> Result<(), tokio_postgres::Error> {
    client
        .execute(
            "UPDATE kie_suno_create_turns SET at = clock_timestamp(), answered = true
             WHERE ctid = (SELECT ctid FROM kie_suno_create_turns
                           WHERE holder = $1 AND NOT answered
                           ORDER BY at LIMIT 1)",
            &[&holder],
        )
        .await?;
    Ok(())
}
