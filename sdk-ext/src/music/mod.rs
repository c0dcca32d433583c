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

mod events;
mod extend;
mod family;
mod generate;

pub use events::{Seen, TaskEvent};
pub use extend::ExtendMusic;
pub use family::{Music, Stage};
pub use generate::{DEFAULT_MODEL, GenerateMusic, VocalGender};

use crate::client::Client;
use crate::create;
use crate::error::Error;
use crate::handle::TaskHandle;
use crate::wait::{Wait, WaitAll, Watch};

/// The music operations of a client; see [`Client::music`].
#[derive(Debug, Clone, Copy)]
pub struct MusicApi<'a> {
    client: &'a Client,
}

impl Client {
    /// Music: generate, extend, and follow music tasks.
    pub fn music(&self) -> MusicApi<'_> {
        MusicApi { client: self }
    }

    /// Waits for a music task to reach a stage ([`Stage::Complete`] unless
    /// told otherwise). Configure the returned [`Wait`], then `.await` it.
    pub fn wait(&self, task_id: impl Into<String>) -> Wait<Music> {
        Wait::new(self, task_id)
    }

    /// Every change of a music task as it happens, until it ends: a stream
    /// of [`TaskEvent`]s, each yielded as soon as the poll that saw it
    /// returns. Shorthand for `client.wait(id).watch()`.
    pub fn watch(&self, task_id: impl Into<String>) -> Watch<Music> {
        self.wait(task_id).watch()
    }

    /// Waits for many music tasks at once; see [`WaitAll`].
    pub fn wait_all<I, S>(&self, task_ids: I) -> WaitAll<Music>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        WaitAll::new(self, task_ids)
    }
}

impl MusicApi<'_> {
    /// Creates a music task (`POST /api/v1/generate`). Costs credits.
    ///
    /// The request is checked before anything is sent
    /// ([`Error::InvalidRequest`]); it waits its turn under the client's
    /// create limit; it is sent again only when the API surely made no
    /// task (rate limit, maintenance, no connection). If the answer is lost
    /// after sending, the error is [`Error::CreateOutcomeUnknown`].
    pub async fn generate(self, request: GenerateMusic) -> Result<TaskHandle<Music>, Error> {
        let operation = "generate-music";
        let callback = create::callback_url(self.client, operation, request.own_callback_url())?;
        let body = request.into_body(&callback)?;
        let inner = self.client.generated();
        let task_id = create::send(self.client, operation, callback.as_str(), || {
            inner.generate_music().body(body.clone()).send()
        })
        .await?;
        Ok(self.task(task_id))
    }

    /// Creates a task extending a track (`POST /api/v1/generate/extend`).
    /// Costs credits; sent under the same rules as [`Music::generate`].
    pub async fn extend(self, request: ExtendMusic) -> Result<TaskHandle<Music>, Error> {
        let operation = "extend-music";
        let callback = create::callback_url(self.client, operation, request.own_callback_url())?;
        let body = request.into_body(&callback)?;
        let inner = self.client.generated();
        let task_id = create::send(self.client, operation, callback.as_str(), || {
            inner.extend_music().body(body.clone()).send()
        })
        .await?;
        Ok(self.task(task_id))
    }

    /// A handle on a music task made earlier, by id.
    pub fn task(self, task_id: impl Into<String>) -> TaskHandle<Music> {
        TaskHandle::new(self.client, task_id)
    }
}
