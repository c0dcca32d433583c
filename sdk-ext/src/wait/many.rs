//! Waiting for many tasks at once.

use futures_util::StreamExt;
use futures_util::stream::BoxStream;

use super::poller::Config;
use super::{Family, Wait, WaitError};
use crate::client::Client;

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
pub struct WaitAll<F: Family> {
    client: Client,
    task_ids: Vec<String>,
    config: Config<F>,
    concurrency: usize,
}

/// One wait of a [`WaitAll`] that ended: the task id and how it ended.
pub type Finished<F> = (String, Result<<F as Family>::Record, WaitError<F>>);

impl<F: Family> WaitAll<F> {
    /// A wait for every task of `task_ids`, with the default settings.
    pub fn new<I, S>(client: &Client, task_ids: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        WaitAll {
            client: client.clone(),
            task_ids: task_ids.into_iter().map(Into::into).collect(),
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
    pub fn stream(self) -> BoxStream<'static, Finished<F>> {
        let WaitAll {
            client,
            task_ids,
            config,
            concurrency,
        } = self;
        futures_util::stream::iter(task_ids)
            .map(move |task_id| {
                let mut wait = Wait::<F>::new(&client, task_id.clone());
                wait.config = config.clone();
                async move { (task_id, wait.await) }
            })
            .buffer_unordered(concurrency)
            .boxed()
    }
}
