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
    /// When a create call of this process made it (`None`: looked up by
    /// id).
    created: Option<tokio::time::Instant>,
    family: std::marker::PhantomData<F>,
}

impl<F: Family> TaskHandle<F> {
    pub(crate) fn new(client: &Client, task_id: impl Into<String>) -> Self {
        TaskHandle {
            client: client.clone(),
            task_id: task_id.into(),
            created: None,
            family: std::marker::PhantomData,
        }
    }

    /// The handle a create call returns for the task it made.
    pub(crate) fn created(client: &Client, task_id: impl Into<String>) -> Self {
        TaskHandle {
            created: Some(tokio::time::Instant::now()),
            ..TaskHandle::new(client, task_id)
        }
    }

    /// The task's id. Keep it: it is the only way to find the task again.
    pub fn id(&self) -> &str {
        &self.task_id
    }

    /// How long ago this process's create call made it (`None` for a task
    /// looked up by id).
    pub fn age(&self) -> Option<std::time::Duration> {
        self.created.map(|at| at.elapsed())
    }

    /// Its record now, from its family's details endpoint.
    pub async fn record(&self) -> Result<F::Record, Error> {
        F::fetch(&self.client, &self.task_id)
            .await
            .map(|(record, _)| record)
    }

    /// Waits for it to end (or reach the stage given to [`Wait::until`]).
    /// For a task this handle's create call made, the wait knows it is new
    /// ([`Wait::just_created`]) and how long ago it was made
    /// ([`Wait::created_ago`]), so a task the API does not list yet is
    /// looked for until 3 minutes after its create.
    pub fn wait(&self) -> Wait<F> {
        let wait = Wait::new(&self.client, self.task_id.clone());
        match self.created {
            Some(at) => wait.just_created().created_ago(at.elapsed()),
            None => wait,
        }
    }

    /// Its changes as they happen.
    pub fn watch(&self) -> Watch<F> {
        self.wait().watch()
    }
}
