//! Music: generating and extending tracks, and following the tasks that
//! make them. Reached through [`Client::music`].
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use kie_suno::music::GenerateMusic;
//! let client = kie_suno::Client::from_env()?; // KIE_API_KEY, KIE_CALLBACK_URL
//! let task = client
//!     .music()
//!     .generate(GenerateMusic::from_description("a calm piano piece"))
//!     .await?;
//! println!("created {}", task.id()); // keep it: there is no "list my tasks"
//! let record = task.wait().await?;
//! for track in record.tracks() {
//!     println!("{:?} {:?}", track.title(), track.audio_url());
//! }
//! # Ok(()) }
//! ```

mod extend;
mod generate;

pub use extend::ExtendMusic;
pub use generate::{DEFAULT_MODEL, GenerateMusic, VocalGender};

use crate::client::Client;
use crate::create;
use crate::error::Error;
use crate::record::TaskRecord;
use crate::wait::{Wait, Watch};

/// The music operations of a client; see [`Client::music`].
#[derive(Debug, Clone, Copy)]
pub struct Music<'a> {
    client: &'a Client,
}

impl Client {
    /// Music: generate, extend, and follow music tasks.
    pub fn music(&self) -> Music<'_> {
        Music { client: self }
    }
}

impl Music<'_> {
    /// Creates a music task (`POST /api/v1/generate`). Costs credits.
    ///
    /// The request is checked before anything is sent
    /// ([`Error::InvalidRequest`]); it waits its turn under the client's
    /// create limit; it is sent again only when the API surely made no
    /// task (rate limit, maintenance, no connection). If the answer is lost
    /// after sending, the error is [`Error::CreateOutcomeUnknown`].
    pub async fn generate(self, request: GenerateMusic) -> Result<MusicTask, Error> {
        let operation = "generate-music";
        let callback = create::callback_url(self.client, operation, request.own_callback_url())?;
        let body = request.into_body(&callback)?;
        let inner = self.client.generated();
        let task_id = create::send(self.client, operation, callback.as_str(), || {
            inner.generate_music().body(body.clone()).send()
        })
        .await?;
        Ok(self.task_handle(task_id))
    }

    /// Creates a task extending a track (`POST /api/v1/generate/extend`).
    /// Costs credits; sent under the same rules as [`Music::generate`].
    pub async fn extend(self, request: ExtendMusic) -> Result<MusicTask, Error> {
        let operation = "extend-music";
        let callback = create::callback_url(self.client, operation, request.own_callback_url())?;
        let body = request.into_body(&callback)?;
        let inner = self.client.generated();
        let task_id = create::send(self.client, operation, callback.as_str(), || {
            inner.extend_music().body(body.clone()).send()
        })
        .await?;
        Ok(self.task_handle(task_id))
    }

    /// A handle on a music task made earlier, by id.
    pub fn task_handle(self, task_id: impl Into<String>) -> MusicTask {
        MusicTask {
            client: self.client.clone(),
            task_id: task_id.into(),
        }
    }
}

/// A music task: its id, and the ways to follow it.
#[derive(Debug, Clone)]
pub struct MusicTask {
    client: Client,
    task_id: String,
}

impl MusicTask {
    /// The task's id. Keep it: it is the only way to find the task again.
    pub fn id(&self) -> &str {
        &self.task_id
    }

    /// Its record now (`GET /api/v1/generate/record-info`).
    pub async fn record(&self) -> Result<TaskRecord, Error> {
        self.client.task(&self.task_id).await
    }

    /// Waits for it; see [`Client::wait`].
    pub fn wait(&self) -> Wait {
        self.client.wait(self.task_id.clone())
    }

    /// Its changes as they happen; see [`Client::watch`].
    pub fn watch(&self) -> Watch {
        self.client.watch(self.task_id.clone())
    }
}
