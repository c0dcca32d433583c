//! A handle on one task of a known family: what a create call returns, and
//! what `client.<family>().task(id)` gives for a task made earlier. Its id
//! is the only way to find the task again (the API cannot list tasks).

use crate::client::Client;
use crate::error::Error;
use crate::wait::{Family, Wait, Watch};

/// One task of family `F`.
///
/// ```no_run
/// # async fn run(client: kie_suno::Client) -> Result<(), Box<dyn std::error::Error>> {
/// use kie_suno::lyrics::Lyrics;
/// let task = client.lyrics().task("11dc8b0f");
/// let record = task.wait().await?;
/// for text in record.result().into_iter().flatten() {
///     println!("{}\n{}", text.title, text.text);
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct TaskHandle<F: Family> {
    client: Client,
    task_id: String,
    /// Made by a create call in this process (not looked up by id).
    just_created: bool,
    family: std::marker::PhantomData<F>,
}

impl<F: Family> TaskHandle<F> {
    pub(crate) fn new(client: &Client, task_id: impl Into<String>) -> Self {
        TaskHandle {
            client: client.clone(),
            task_id: task_id.into(),
            just_created: false,
            family: std::marker::PhantomData,
        }
    }

    /// The handle a create call returns for the task it made.
    pub(crate) fn created(client: &Client, task_id: impl Into<String>) -> Self {
        TaskHandle {
            just_created: true,
            ..TaskHandle::new(client, task_id)
        }
    }

    /// The task's id. Keep it: it is the only way to find the task again.
    pub fn id(&self) -> &str {
        &self.task_id
    }

    /// Its record now, from its family's details endpoint.
    pub async fn record(&self) -> Result<F::Record, Error> {
        F::fetch(&self.client, &self.task_id)
            .await
            .map(|(record, _)| record)
    }

    /// Waits for it to end (or reach the stage given to [`Wait::until`]).
    /// For a task this handle's create call made, the wait knows it is new
    /// ([`Wait::just_created`]).
    pub fn wait(&self) -> Wait<F> {
        let wait = Wait::new(&self.client, self.task_id.clone());
        if self.just_created {
            wait.just_created()
        } else {
            wait
        }
    }

    /// Its changes as they happen.
    pub fn watch(&self) -> Watch<F> {
        self.wait().watch()
    }
}
