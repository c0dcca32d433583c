//! Music as a family of the poll engine: its record, its stages (lyrics,
//! streamable, complete), its track events and its lifecycle windows.

use std::ops::Range;
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::events::{self, Seen, TaskEvent};
use crate::client::Client;
use crate::error::Error;
use crate::kind::TaskKind;
use crate::record::MusicRecord;
use crate::status::TaskStatus;
use crate::wait::{Claim, Family, Lifecycle};

/// The music family: generate, extend, covers, vocals, instrumentals,
/// section replacement, mashups and sounds, all followed through
/// `GET /api/v1/generate/record-info`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Music;

/// How far a music task must get for a wait to end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Stage {
    /// A track can be played (`FIRST_SUCCESS`, or any stream URL).
    Streamable,
    /// Every track is done (`SUCCESS`).
    #[default]
    Complete,
}

impl Stage {
    /// Whether `record` has got this far.
    pub fn reached(self, record: &MusicRecord) -> bool {
        match self {
            Stage::Streamable => {
                record.status() >= TaskStatus::FirstSuccess
                    || record
                        .tracks()
                        .iter()
                        .any(|t| t.stream_audio_url().is_some())
            }
            Stage::Complete => record.status().is_success(),
        }
    }
}

impl crate::wait::family::sealed::Sealed for Music {}

impl Family for Music {
    const KIND: TaskKind = TaskKind::Music;
    type Record = MusicRecord;
    type Status = TaskStatus;
    type Stage = Stage;
    type Event = TaskEvent;
    type Seen = Seen;

    async fn fetch(
        client: &Client,
        task_id: &str,
    ) -> Result<(MusicRecord, Option<Duration>), Error> {
        client.fetch(task_id).await
    }

    fn status(record: &MusicRecord) -> TaskStatus {
        record.status()
    }

    fn created_at(record: &MusicRecord) -> Option<DateTime<Utc>> {
        record.created_at()
    }

    fn is_terminal(record: &MusicRecord) -> bool {
        events::is_terminal(record)
    }

    fn is_failed(record: &MusicRecord) -> bool {
        events::is_failed(record)
    }

    fn error_message(record: &MusicRecord) -> Option<String> {
        record.error().and_then(|e| e.summary())
    }

    fn reached(stage: Stage, record: &MusicRecord) -> bool {
        stage.reached(record)
    }

    fn claim_reaches(claim: Claim, stage: Stage) -> bool {
        match stage {
            Stage::Streamable => matches!(claim, Claim::First | Claim::Complete),
            Stage::Complete => claim == Claim::Complete,
        }
    }

    fn changes(seen: &mut Seen, record: &MusicRecord) -> Vec<TaskEvent> {
        seen.diff(record)
    }

    fn window(
        lifecycle: &Lifecycle,
        until: Option<Stage>,
        status: Option<&TaskStatus>,
    ) -> Option<Range<Duration>> {
        let window = match until {
            Some(Stage::Streamable) => &lifecycle.streamable,
            Some(Stage::Complete) => &lifecycle.complete,
            None => match status.unwrap_or(&TaskStatus::Pending) {
                TaskStatus::TextSuccess => &lifecycle.streamable,
                TaskStatus::FirstSuccess => &lifecycle.complete,
                s if s.partial_cmp(&TaskStatus::TextSuccess).is_some() => &lifecycle.lyrics,
                _ => &lifecycle.complete,
            },
        };
        Some(window.clone())
    }
}
