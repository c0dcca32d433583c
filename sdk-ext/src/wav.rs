//! WAV: converting a generated track to WAV (`POST /api/v1/wav/generate`)
//! and following the task (`GET /api/v1/wav/record-info`), which ends with
//! the WAV file's URL.

use url::Url;

use crate::client::Client;
use crate::create;
use crate::error::Error;
use crate::generated::types;
use crate::handle::TaskHandle;
use crate::kind::TaskKind;
use crate::single_result::{self, JobStatus, Parts};
use crate::validate;

const OPERATION: &str = "convert-to-wav";

/// The WAV conversion family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wav;

/// A WAV task's record; its result is the file's URL.
pub type WavRecord = single_result::JobRecord<Url>;

fn read(raw: types::WavRecord) -> Parts<Url> {
    Parts {
        task_id: raw.task_id,
        status: raw.success_flag.as_deref().map(JobStatus::from),
        created_at: single_result::time_of(&raw.create_time),
        completed_at: single_result::time_of(&raw.complete_time),
        error_code: raw.error_code.and_then(single_result::code_of),
        error_message: raw.error_message,
        result: raw
            .response
            .and_then(|r| r.audio_wav_url)
            .and_then(|u| Url::parse(&u).ok()),
    }
}

single_result::single_result_family!(Wav, TaskKind::Wav, Url, get_wav_details, read);

/// A request to convert one track of a music task to WAV.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConvertToWav {
    task_id: String,
    audio_id: String,
    callback_url: Option<String>,
}

impl ConvertToWav {
    /// The track `audio_id` of the music task `task_id`.
    pub fn new(task_id: impl Into<String>, audio_id: impl Into<String>) -> Self {
        ConvertToWav {
            task_id: task_id.into(),
            audio_id: audio_id.into(),
            callback_url: None,
        }
    }

    /// Where the API posts the task's results (default: the client's).
    pub fn callback_url(mut self, url: impl Into<String>) -> Self {
        self.callback_url = Some(url.into());
        self
    }
}

/// The WAV operations of a client; see [`Client::wav`].
#[derive(Debug, Clone, Copy)]
pub struct WavApi<'a> {
    client: &'a Client,
}

impl Client {
    /// WAV: convert tracks, and follow conversion tasks.
    pub fn wav(&self) -> WavApi<'_> {
        WavApi { client: self }
    }
}

impl WavApi<'_> {
    /// Creates a WAV conversion task. Costs credits; sent under the rules
    /// of [`MusicApi::generate`](crate::music::MusicApi::generate).
    pub async fn convert(self, request: ConvertToWav) -> Result<TaskHandle<Wav>, Error> {
        let own_callback_url = request.callback_url.clone();
        let inner = self.client.generated();
        let into_body = |callback: &url::Url| {
            validate::required(OPERATION, "taskId", &request.task_id)?;
            validate::required(OPERATION, "audioId", &request.audio_id)?;
            Ok(types::ConvertToWavBody {
                audio_id: request.audio_id,
                call_back_url: callback.to_string(),
                task_id: request.task_id,
            })
        };
        create::create_task(
            self.client,
            OPERATION,
            own_callback_url,
            into_body,
            |body| inner.convert_to_wav().body(body).send(),
        )
        .await
    }

    /// A handle on a WAV task made earlier, by id.
    pub fn task(self, task_id: impl Into<String>) -> TaskHandle<Wav> {
        TaskHandle::new(self.client, task_id)
    }
}
