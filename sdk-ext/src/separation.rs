//! Vocal separation: splitting a generated track into vocals and
//! instrumental, or into up to twelve stems
//! (`POST /api/v1/vocal-removal/generate`), and following the task
//! (`GET /api/v1/vocal-removal/record-info`), which ends with a URL per
//! stem. Each call is charged again, even for the same track.

use std::collections::BTreeMap;

use url::Url;

use crate::client::Client;
use crate::create;
use crate::error::Error;
use crate::generated::types;
use crate::handle::TaskHandle;
use crate::kind::TaskKind;
use crate::single_result::{self, JobStatus, Parts};
use crate::validate;

const OPERATION: &str = "separate-vocals";

/// The vocal separation family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VocalSeparation;

/// The stems of a separation by name (`vocal`, `instrumental`, `drums`,
/// `bass`, ...), each a file URL.
pub type Stems = BTreeMap<String, Url>;

/// A separation task's record; its result is the stems.
pub type SeparationRecord = single_result::JobRecord<Stems>;

fn read(raw: types::SeparationRecord) -> Parts<Stems> {
    let stems: Stems = raw.response.map(stems).unwrap_or_default();
    Parts {
        task_id: raw.task_id,
        status: raw.success_flag.as_deref().map(JobStatus::from),
        created_at: single_result::time_of(&raw.create_time),
        completed_at: single_result::time_of(&raw.complete_time),
        error_code: raw.error_code.and_then(single_result::code_of),
        error_message: raw.error_message,
        result: (!stems.is_empty()).then_some(stems),
    }
}

fn stems(raw: types::Stems) -> Stems {
    [
        ("vocal", raw.vocal_url),
        ("instrumental", raw.instrumental_url),
        ("backing_vocals", raw.backing_vocals_url),
        ("drums", raw.drums_url),
        ("bass", raw.bass_url),
        ("guitar", raw.guitar_url),
        ("keyboard", raw.keyboard_url),
        ("piano", raw.piano_url),
        ("strings", raw.strings_url),
        ("brass", raw.brass_url),
        ("woodwinds", raw.woodwinds_url),
        ("percussion", raw.percussion_url),
        ("synth", raw.synth_url),
        ("fx", raw.fx_url),
        ("origin", raw.origin_url),
    ]
    .into_iter()
    .filter_map(|(name, url)| Some((name.to_owned(), Url::parse(&url?).ok()?)))
    .collect()
}

single_result::single_result_family!(
    VocalSeparation,
    TaskKind::VocalSeparation,
    Stems,
    get_vocal_separation_details,
    read
);

/// A request to separate one track of a music task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeparateVocals {
    task_id: String,
    audio_id: String,
    split_stems: bool,
    callback_url: Option<String>,
}

impl SeparateVocals {
    /// Vocals and instrumental of the track `audio_id` of the music task
    /// `task_id` (`separate_vocal`).
    pub fn new(task_id: impl Into<String>, audio_id: impl Into<String>) -> Self {
        SeparateVocals {
            task_id: task_id.into(),
            audio_id: audio_id.into(),
            split_stems: false,
            callback_url: None,
        }
    }

    /// Up to twelve stems instead (`split_stem`; costs more).
    pub fn split_stems(mut self) -> Self {
        self.split_stems = true;
        self
    }

    /// Where the API posts the task's results (default: the client's).
    pub fn callback_url(mut self, url: impl Into<String>) -> Self {
        self.callback_url = Some(url.into());
        self
    }
}

/// The vocal separation operations of a client; see
/// [`Client::vocal_separation`].
#[derive(Debug, Clone, Copy)]
pub struct VocalSeparationApi<'a> {
    client: &'a Client,
}

impl Client {
    /// Vocal separation: split tracks, and follow separation tasks.
    pub fn vocal_separation(&self) -> VocalSeparationApi<'_> {
        VocalSeparationApi { client: self }
    }
}

impl VocalSeparationApi<'_> {
    /// Creates a separation task. Costs credits (again for a track already
    /// separated); sent under the rules of
    /// [`MusicApi::generate`](crate::music::MusicApi::generate).
    pub async fn separate(
        self,
        request: SeparateVocals,
    ) -> Result<TaskHandle<VocalSeparation>, Error> {
        let own_callback_url = request.callback_url.clone();
        let inner = self.client.generated();
        let into_body = |callback: &url::Url| {
            validate::required(OPERATION, "taskId", &request.task_id)?;
            validate::required(OPERATION, "audioId", &request.audio_id)?;
            Ok(types::SeparateVocalsBody {
                audio_id: request.audio_id,
                call_back_url: callback.to_string(),
                task_id: request.task_id,
                type_: if request.split_stems {
                    types::SeparateVocalsBodyType::SplitStem
                } else {
                    types::SeparateVocalsBodyType::SeparateVocal
                },
            })
        };
        create::create_task(
            self.client,
            OPERATION,
            own_callback_url,
            into_body,
            |body| inner.separate_vocals().body(body).send(),
        )
        .await
    }

    /// A handle on a separation task made earlier, by id.
    pub fn task(self, task_id: impl Into<String>) -> TaskHandle<VocalSeparation> {
        TaskHandle::new(self.client, task_id)
    }
}
