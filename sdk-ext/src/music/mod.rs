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

mod calls;
mod edits;
mod events;
mod extend;
mod family;
mod generate;
mod shaping;
mod uploads;

pub use calls::{GeneratePersona, Persona, TimestampedLyrics};
pub use edits::{Mashup, ReplaceSection, Sounds};
pub use events::{Seen, TaskEvent};
pub use extend::ExtendMusic;
pub use family::{Music, Stage};
pub use generate::GenerateMusic;
pub use shaping::{DEFAULT_MODEL, VocalGender};
pub use uploads::{AddInstrumental, AddVocals, CoverUpload, ExtendUpload};

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
    /// after sending, the error is [`Error::CreateOutcomeUnknown`]. The
    /// other creates follow the same rules.
    pub async fn generate(self, request: GenerateMusic) -> Result<TaskHandle<Music>, Error> {
        let inner = self.client.generated();
        create::create_task(
            self.client,
            "generate-music",
            request.own_callback_url().map(str::to_owned),
            |url| request.into_body(url),
            |body| inner.generate_music().body(body).send(),
        )
        .await
    }

    /// Creates a task extending a track (`POST /api/v1/generate/extend`).
    pub async fn extend(self, request: ExtendMusic) -> Result<TaskHandle<Music>, Error> {
        let inner = self.client.generated();
        create::create_task(
            self.client,
            "extend-music",
            request.own_callback_url().map(str::to_owned),
            |url| request.into_body(url),
            |body| inner.extend_music().body(body).send(),
        )
        .await
    }

    /// Creates a cover of an uploaded track (`upload-cover`).
    pub async fn cover_upload(self, request: CoverUpload) -> Result<TaskHandle<Music>, Error> {
        let inner = self.client.generated();
        create::create_task(
            self.client,
            "upload-and-cover-audio",
            request.own_callback_url().map(str::to_owned),
            |url| request.into_body(url),
            |body| inner.upload_and_cover_audio().body(body).send(),
        )
        .await
    }

    /// Creates an extension of an uploaded track (`upload-extend`).
    pub async fn extend_upload(self, request: ExtendUpload) -> Result<TaskHandle<Music>, Error> {
        let inner = self.client.generated();
        create::create_task(
            self.client,
            "upload-and-extend-audio",
            request.own_callback_url().map(str::to_owned),
            |url| request.into_body(url),
            |body| inner.upload_and_extend_audio().body(body).send(),
        )
        .await
    }

    /// Creates an instrumental for uploaded vocals (`add-instrumental`).
    pub async fn add_instrumental(
        self,
        request: AddInstrumental,
    ) -> Result<TaskHandle<Music>, Error> {
        let inner = self.client.generated();
        create::create_task(
            self.client,
            "add-instrumental",
            request.own_callback_url().map(str::to_owned),
            |url| request.into_body(url),
            |body| inner.add_instrumental().body(body).send(),
        )
        .await
    }

    /// Creates vocals for an uploaded instrumental (`add-vocals`).
    pub async fn add_vocals(self, request: AddVocals) -> Result<TaskHandle<Music>, Error> {
        let inner = self.client.generated();
        create::create_task(
            self.client,
            "add-vocals",
            request.own_callback_url().map(str::to_owned),
            |url| request.into_body(url),
            |body| inner.add_vocals().body(body).send(),
        )
        .await
    }

    /// Creates a task replacing a section of a track (`replace-section`).
    pub async fn replace_section(
        self,
        request: ReplaceSection,
    ) -> Result<TaskHandle<Music>, Error> {
        let inner = self.client.generated();
        create::create_task(
            self.client,
            "replace-section",
            request.own_callback_url().map(str::to_owned),
            |url| request.into_body(url),
            |body| inner.replace_section().body(body).send(),
        )
        .await
    }

    /// Creates a mashup of two uploaded tracks (`mashup`).
    pub async fn mashup(self, request: Mashup) -> Result<TaskHandle<Music>, Error> {
        let inner = self.client.generated();
        create::create_task(
            self.client,
            "generate-mashup",
            request.own_callback_url().map(str::to_owned),
            |url| request.into_body(url),
            |body| inner.generate_mashup().body(body).send(),
        )
        .await
    }

    /// Creates sound effects or a loop (`sounds`).
    pub async fn sounds(self, request: Sounds) -> Result<TaskHandle<Music>, Error> {
        let inner = self.client.generated();
        create::create_task(
            self.client,
            "generate-sounds",
            request.own_callback_url().map(str::to_owned),
            |url| request.into_body(url),
            |body| inner.generate_sounds().body(body).send(),
        )
        .await
    }

    /// A handle on a music task made earlier, by id.
    pub fn task(self, task_id: impl Into<String>) -> TaskHandle<Music> {
        TaskHandle::new(self.client, task_id)
    }
}
