//! Callbacks fanned out to every process on the journal: a verified
//! callback is recorded and NOTIFYed in one statement; each listener
//! LISTENs, wakes its waits, and on reconnecting replays what was
//! recorded while it was away. Records are kept a day.

use std::time::Duration;

use futures_util::StreamExt;
use tokio_postgres::AsyncMessage;

use super::PostgresJournal;
use super::connect::Database;
use crate::journal::JournalError;
use crate::kind::TaskKind;
use crate::wait::{Claim, Wakeups};

/// The channel verified callbacks are published on.
pub const CALLBACK_CHANNEL: &str = "kie_suno_callbacks";

impl PostgresJournal {
    /// Records a verified callback and publishes it on
    /// [`CALLBACK_CHANNEL`]: the waits of every process that
    /// [listens](PostgresJournal::wake_on_callbacks) wake on it. Recorded
    /// callbacks are kept a day (for listeners that reconnect, see
    /// [`PostgresJournal::wake_on_callbacks`]).
    pub async fn publish_callback(
        &self,
        kind: TaskKind,
        task_id: &str,
        claim: Claim,
    ) -> Result<(), JournalError> {
        // One statement: recorded and notified together (the notification
        // goes out when it commits), with the record's id for listeners.
        let id: i64 = self
            .run(|client| async move {
                let row = client
                    .query_one(
                        "WITH recorded AS (
                             INSERT INTO kie_suno_callbacks (kind, task_id, claim)
                             VALUES ($1, $2, $3) RETURNING id)
                         SELECT id, pg_notify($4, json_build_object(
                             'id', id, 'kind', $1::text, 'task_id', $2::text, 'claim', $3::text
                         )::text)::text FROM recorded",
                        &[&kind.as_str(), &task_id, &claim.as_str(), &CALLBACK_CHANNEL],
                    )
                    .await?;
                Ok(row.get(0))
            })
            .await?;
        if id % PRUNE_EVERY == 0 {
            self.run(|client| async move {
                client
                    .execute(
                        "DELETE FROM kie_suno_callbacks WHERE received_at < now() - interval '1 day'",
                        &[],
                    )
                    .await
            })
            .await?;
        }
        Ok(())
    }

    /// Listens on [`CALLBACK_CHANNEL`] on a connection of its own and
    /// wakes `wakeups` on every callback any process publishes, until the
    /// returned task is aborted. A lost connection is made again (with
    /// backoff), and the callbacks recorded while it was away are replayed
    /// from the table, so a reconnect loses none (but one whose record was
    /// committed after a later one's was read: that costs a wait latency,
    /// its safety-net poll, never correctness).
    pub fn wake_on_callbacks(&self, wakeups: &Wakeups) -> tokio::task::JoinHandle<()> {
        let (database, wakeups) = (self.shared.database.clone(), wakeups.clone());
        tokio::spawn(async move {
            let mut backoff = Duration::from_millis(100);
            let mut seen = None;
            loop {
                match listen(&database, &wakeups, &mut seen).await {
                    Ok(()) => backoff = Duration::from_millis(100),
                    Err(e) => tracing::warn!(error = %e, "callback fan-out: cannot listen"),
                }
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(5));
            }
        })
    }
}

/// Every this many callbacks published, records older than a day go.
const PRUNE_EVERY: i64 = 1000;

/// One listening connection: returns when it ends. `seen` is the id of
/// the newest callback woken on, by this connection or the ones before;
/// callbacks recorded after it are replayed once the connection listens.
async fn listen(
    database: &Database,
    wakeups: &Wakeups,
    seen: &mut Option<i64>,
) -> Result<(), tokio_postgres::Error> {
    let (client, mut connection) = database.connect().await?;
    let (sender, mut notifications) = tokio::sync::mpsc::unbounded_channel();
    let driver = tokio::spawn(async move {
        let mut messages = futures_util::stream::poll_fn(move |cx| connection.poll_message(cx));
        while let Some(Ok(message)) = messages.next().await {
            if let AsyncMessage::Notification(n) = message
                && sender.send(n.payload().to_owned()).is_err()
            {
                break;
            }
        }
    });
    let listening = async {
        client
            .batch_execute(&format!("LISTEN {CALLBACK_CHANNEL}"))
            .await?;
        // Listening now: whatever is recorded from here on is notified
        // too, so the table fills the gap up to this moment. The first
        // connection starts from the newest record.
        let Some(last) = *seen else {
            let newest = client
                .query_one("SELECT coalesce(max(id), 0) FROM kie_suno_callbacks", &[])
                .await?;
            *seen = Some(newest.get(0));
            return Ok(());
        };
        let missed = client
            .query(
                "SELECT id, task_id, claim FROM kie_suno_callbacks WHERE id > $1 ORDER BY id",
                &[&last],
            )
            .await?;
        for row in &missed {
            wakeups.notify(row.get(1), Claim::parse(row.get(2)));
            *seen = Some(row.get(0));
        }
        Ok::<_, tokio_postgres::Error>(())
    }
    .await;
    if listening.is_ok() {
        while let Some(payload) = notifications.recv().await {
            let Ok(callback) = serde_json::from_str::<Published>(&payload) else {
                continue;
            };
            // A notification can repeat a callback just replayed; waking
            // twice costs at most a poll, so it is not filtered out.
            *seen = Some(seen.map_or(callback.id, |s| s.max(callback.id)));
            if !callback.task_id.is_empty() {
                wakeups.notify(&callback.task_id, Claim::parse(&callback.claim));
            }
        }
    }
    driver.abort();
    listening
}

/// A callback as [`PostgresJournal::publish_callback`] notifies it.
#[derive(serde::Deserialize)]
struct Published {
    id: i64,
    task_id: String,
    #[serde(default)]
    claim: String,
}

impl crate::fanout::Fanout for PostgresJournal {
    fn publish(
        &self,
        kind: TaskKind,
        task_id: &str,
        claim: Claim,
    ) -> crate::fanout::FanoutFuture<'_> {
        let task_id = task_id.to_owned();
        Box::pin(async move { self.publish_callback(kind, &task_id, claim).await })
    }

    fn subscribe(&self, wakeups: &Wakeups) -> tokio::task::JoinHandle<()> {
        self.wake_on_callbacks(wakeups)
    }
}
