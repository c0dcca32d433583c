//! Lyrics: writing lyrics from a description (`POST /api/v1/lyrics`) and
//! following the task (`GET /api/v1/lyrics/record-info`), which ends with
//! a few variations, each a title and a text.
//!
//! ```no_run
//! # async fn run(client: kie_suno::Client) -> Result<(), Box<dyn std::error::Error>> {
//! use kie_suno::lyrics::GenerateLyrics;
//! let task = client.lyrics().generate(GenerateLyrics::new("a song about the sea")).await?;
//! let record = task.wait().await?;
//! for variation in record.result().into_iter().flatten() {
//!     println!("# {}\n{}", variation.title, variation.text);
//! }
//! # Ok(()) }
//! ```

use serde::Serialize;

use crate::client::Client;
use crate::create;
use crate::error::Error;
use crate::generated::types;
use crate::handle::TaskHandle;
use crate::kind::TaskKind;
use crate::single_result::{self, JobStatus, Parts};
use crate::validate;

const OPERATION: &str = "generate-lyrics";

/// The lyrics family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lyrics;

/// One variation of the lyrics.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LyricsText {
    /// Its title (empty when the record has none).
    pub title: String,
    /// The lyrics, with section markers (`[Verse]`, `[Chorus]`, ...).
    pub text: String,
}

/// A lyrics task's record; its result is the variations.
pub type LyricsRecord = single_result::JobRecord<Vec<LyricsText>>;

fn read(raw: types::LyricsRecord) -> Parts<Vec<LyricsText>> {
    let texts: Vec<LyricsText> = raw
        .response
        .map(|r| r.data)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|t| {
            Some(LyricsText {
                title: t.title.unwrap_or_default(),
                text: t.text.filter(|text| !text.is_empty())?,
            })
        })
        .collect();
    Parts {
        task_id: raw.task_id,
        status: raw.status.as_deref().map(JobStatus::from),
        created_at: None,
        completed_at: None,
        error_code: raw.error_code.and_then(single_result::code_of),
        error_message: raw.error_message,
        result: (!texts.is_empty()).then_some(texts),
    }
}

single_result::single_result_family!(
    Lyrics,
    TaskKind::Lyrics,
    Vec<LyricsText>,
    get_lyrics_details,
    read
);

/// A request to write lyrics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenerateLyrics {
    prompt: String,
    callback_url: Option<String>,
}

impl GenerateLyrics {
    /// Lyrics about `prompt` (its theme, style or subject; at most 200
    /// characters).
    pub fn new(prompt: impl Into<String>) -> Self {
        GenerateLyrics {
            prompt: prompt.into(),
            callback_url: None,
        }
    }

    /// Where the API posts the task's results (default: the client's).
    pub fn callback_url(mut self, url: impl Into<String>) -> Self {
        self.callback_url = Some(url.into());
        self
    }

    fn into_body(self, callback_url: &url::Url) -> Result<types::GenerateLyricsBody, Error> {
        validate::required(OPERATION, "prompt", &self.prompt)?;
        validate::max_chars(OPERATION, "prompt", &self.prompt, 200, "for lyrics")?;
        Ok(types::GenerateLyricsBody {
            call_back_url: callback_url.to_string(),
            prompt: self.prompt,
        })
    }
}

/// The lyrics operations of a client; see [`Client::lyrics`].
#[derive(Debug, Clone, Copy)]
pub struct LyricsApi<'a> {
    client: &'a Client,
}

impl Client {
    /// Lyrics: write them, and follow lyrics tasks.
    pub fn lyrics(&self) -> LyricsApi<'_> {
        LyricsApi { client: self }
    }
}

impl LyricsApi<'_> {
    /// Creates a lyrics task. Costs credits; sent under the rules of
    /// [`MusicApi::generate`](crate::music::MusicApi::generate).
    pub async fn generate(self, request: GenerateLyrics) -> Result<TaskHandle<Lyrics>, Error> {
        let own_callback_url = request.callback_url.clone();
        let inner = self.client.generated();
        let into_body = |callback: &url::Url| request.into_body(callback);
        create::create_task(
            self.client,
            OPERATION,
            own_callback_url,
            into_body,
            |body| inner.generate_lyrics().body(body).send(),
        )
        .await
    }

    /// A handle on a lyrics task made earlier, by id.
    pub fn task(self, task_id: impl Into<String>) -> TaskHandle<Lyrics> {
        TaskHandle::new(self.client, task_id)
    }
}
