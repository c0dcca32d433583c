//! Waiting for many tasks at once.

use futures_util::StreamExt;
use futures_util::stream::BoxStream;

use super::poller::Config;
use super::{ErrorPolicy, PollPolicy, Stage, Wait, WaitError};
use crate::client::Client;
use crate::record::TaskRecord;

/// Waits for many tasks: configure, then [`WaitAll::stream`] yields
/// `(task_id, result)` as each wait ends, in completion order.
///
/// At most `concurrency` waits run at once (default 100); the others start
/// as earlier ones end. Waits for the same id share its rate budget.
/// Dropping the stream stops every wait; so does cancelling the token
/// given to [`WaitAll::cancel_on`] (each running wait then yields
/// [`WaitError::Cancelled`]).
///
/// ```no_run
/// # async fn run(client: kie_suno::Client) {
/// use futures_util::StreamExt;
/// let mut results = client.wait_all(["t1", "t2", "t3"]).concurrency(2).stream();
/// while let Some((task_id, result)) = results.next().await {
///     println!("{task_id}: {}", result.map_or_else(|e| e.to_string(), |r| r.status().to_string()));
/// }
/// # }
/// ```
#[derive(Debug)]
#[must_use = "a wait does nothing until its stream is polled"]
pub struct WaitAll {
    client: Client,
    task_ids: Vec<String>,
    config: Config,
    concurrency: usize,
}

impl WaitAll {
    pub(crate) fn new(client: Client, task_ids: Vec<String>) -> Self {
        WaitAll {
            client,
            task_ids,
            config: Config::default(),
            concurrency: 100,
        }
    }

    super::wait_settings!();

    /// How many waits run at once (at least 1).
    pub fn concurrency(mut self, limit: usize) -> Self {
        self.concurrency = limit.max(1);
        self
    }

    /// The results, in completion order.
    pub fn stream(self) -> BoxStream<'static, (String, Result<TaskRecord, WaitError>)> {
        let WaitAll {
            client,
            task_ids,
            config,
            concurrency,
        } = self;
        futures_util::stream::iter(task_ids)
            .map(move |task_id| {
                let wait = Wait {
                    client: client.clone(),
                    task_id: task_id.clone(),
                    config: config.clone(),
                    on_event: None,
                    progress: Default::default(),
                };
                async move { (task_id, wait.await) }
            })
            .buffer_unordered(concurrency)
            .boxed()
    }
}
