//! MIDI: transcribing a separated track into notes
//! (`POST /api/v1/midi/generate`) and following the task
//! (`GET /api/v1/midi/record-info`), which ends with instruments and their
//! notes.

use crate::client::Client;
use crate::create;
use crate::error::Error;
use crate::generated::types;
use crate::handle::TaskHandle;
use crate::kind::TaskKind;
use crate::single_result::{self, JobStatus, Parts};
use crate::validate;

const OPERATION: &str = "generate-midi";

/// The MIDI family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Midi;

/// The notes of a MIDI task, by instrument (the generated type: `name`,
/// and `notes` with `pitch`, `start`, `end`, `velocity`).
pub type MidiData = types::MidiData;

/// A MIDI task's record; its result is the instruments and their notes.
pub type MidiRecord = single_result::JobRecord<MidiData>;

fn read(raw: types::MidiRecord) -> Parts<MidiData> {
    Parts {
        task_id: raw.task_id,
        status: raw
            .success_flag
            .map(|flag| JobStatus::from_flag(TaskKind::Midi, flag)),
        created_at: single_result::time_of(&raw.create_time),
        completed_at: single_result::time_of(&raw.complete_time),
        error_code: raw.error_code.and_then(|c| c.trim().parse().ok()),
        error_message: raw.error_message,
        result: raw.midi_data.filter(|m| !m.instruments.is_empty()),
    }
}

single_result::single_result_family!(Midi, TaskKind::Midi, MidiData, get_midi_details, read);

/// A request to transcribe a separation's track into MIDI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenerateMidi {
    task_id: String,
    audio_id: Option<String>,
    callback_url: Option<String>,
}

impl GenerateMidi {
    /// From the vocal separation task `task_id`.
    pub fn new(task_id: impl Into<String>) -> Self {
        GenerateMidi {
            task_id: task_id.into(),
            audio_id: None,
            callback_url: None,
        }
    }

    /// Only this separated track.
    pub fn audio_id(mut self, audio_id: impl Into<String>) -> Self {
        self.audio_id = Some(audio_id.into());
        self
    }

    /// Where the API posts the task's results (default: the client's).
    pub fn callback_url(mut self, url: impl Into<String>) -> Self {
        self.callback_url = Some(url.into());
        self
    }
}

/// The MIDI operations of a client; see [`Client::midi`].
#[derive(Debug, Clone, Copy)]
pub struct MidiApi<'a> {
    client: &'a Client,
}

impl Client {
    /// MIDI: transcribe separated tracks, and follow MIDI tasks.
    pub fn midi(&self) -> MidiApi<'_> {
        MidiApi { client: self }
    }
}

impl MidiApi<'_> {
    /// Creates a MIDI task. Costs credits; sent under the rules of
    /// [`MusicApi::generate`](crate::music::MusicApi::generate).
    pub async fn generate(self, request: GenerateMidi) -> Result<TaskHandle<Midi>, Error> {
        let own_callback_url = request.callback_url.clone();
        let inner = self.client.generated();
        let into_body = |callback: &url::Url| {
            validate::required(OPERATION, "taskId", &request.task_id)?;
            Ok(types::GenerateMidiBody {
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
            |body| inner.generate_midi().body(body).send(),
        )
        .await
    }

    /// A handle on a MIDI task made earlier, by id.
    pub fn task(self, task_id: impl Into<String>) -> TaskHandle<Midi> {
        TaskHandle::new(self.client, task_id)
    }
}
