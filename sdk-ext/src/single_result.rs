//! What the families other than music share: a task that is pending, then
//! ends with all its results at once (lyrics texts, a WAV file, stems,
//! MIDI, a video, cover images) or fails. Each family's details endpoint
//! spells its status its own way (`status` words, `successFlag` words or
//! numbers); [`JobStatus`] reads them all, and [`JobRecord`] is the record
//! with the family's typed results.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::client::Client;
use crate::envelope;
use crate::error::Error;
use crate::generated::{self, ResponseValue, types};
use crate::kind::TaskKind;
use crate::open_enum::string_enum;
use crate::record::TaskError;
use crate::time;

string_enum! {
    /// The status of a lyrics, WAV, separation, MIDI, video or cover task.
    ///
    /// Word flags are read as written; MIDI's and cover's numeric
    /// `successFlag` read as `PENDING` (0), `SUCCESS` (1), and, for MIDI,
    /// `CREATE_TASK_FAILED` (2) and `GENERATE_MIDI_FAILED` (3); for cover,
    /// `GENERATING` (2) and `GENERATE_COVER_FAILED` (3).
    ///
    /// ```
    /// use kie_suno::JobStatus;
    /// assert!(JobStatus::GenerateWavFailed.is_failure());
    /// assert!(!JobStatus::from("TRANSCODING").is_terminal()); // unknown: keep polling
    /// ```
    pub enum JobStatus {
        /// Waiting to run.
        Pending = "PENDING",
        /// Running (cover images).
        Generating = "GENERATING",
        /// Done: the results are in the record.
        Success = "SUCCESS",
        /// The task could not be created.
        CreateTaskFailed = "CREATE_TASK_FAILED",
        /// Writing the lyrics failed.
        GenerateLyricsFailed = "GENERATE_LYRICS_FAILED",
        /// The WAV conversion failed.
        GenerateWavFailed = "GENERATE_WAV_FAILED",
        /// Processing the audio failed (vocal separation).
        GenerateAudioFailed = "GENERATE_AUDIO_FAILED",
        /// Making the video failed.
        GenerateMp4Failed = "GENERATE_MP4_FAILED",
        /// Making the MIDI failed.
        GenerateMidiFailed = "GENERATE_MIDI_FAILED",
        /// Making the cover images failed.
        GenerateCoverFailed = "GENERATE_COVER_FAILED",
        /// The provider could not deliver its callback; the results may
        /// still be in the record.
        CallbackException = "CALLBACK_EXCEPTION",
        /// The input was refused for sensitive words.
        SensitiveWordError = "SENSITIVE_WORD_ERROR",
    }
}

impl JobStatus {
    /// A numeric `successFlag` (MIDI, cover) as a status.
    pub fn from_flag(kind: TaskKind, flag: i64) -> JobStatus {
        match (kind, flag) {
            (_, 0) => JobStatus::Pending,
            (_, 1) => JobStatus::Success,
            (TaskKind::Midi, 2) => JobStatus::CreateTaskFailed,
            (TaskKind::Midi, 3) => JobStatus::GenerateMidiFailed,
            (TaskKind::Cover, 2) => JobStatus::Generating,
            (TaskKind::Cover, 3) => JobStatus::GenerateCoverFailed,
            (_, other) => JobStatus::Unknown(other.to_string()),
        }
    }

    /// No later status will follow. Unknown values are not terminal.
    pub fn is_terminal(&self) -> bool {
        matches!(self, JobStatus::Success | JobStatus::CallbackException) || self.is_failure()
    }

    /// The task ended without results.
    pub fn is_failure(&self) -> bool {
        matches!(
            self,
            JobStatus::CreateTaskFailed
                | JobStatus::GenerateLyricsFailed
                | JobStatus::GenerateWavFailed
                | JobStatus::GenerateAudioFailed
                | JobStatus::GenerateMp4Failed
                | JobStatus::GenerateMidiFailed
                | JobStatus::GenerateCoverFailed
                | JobStatus::SensitiveWordError
        )
    }
}

/// A task of a family other than music, with the family's results `R`
/// once it is done.
///
/// Serializes (for the CLI's `--json`) as an object with the fields
/// `task_id`, `status`, `created_at`, `completed_at` (RFC 3339 or null),
/// `error` (`{code, message}` or null) and `result` (the family's, or null).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JobRecord<R> {
    task_id: String,
    status: JobStatus,
    created_at: Option<DateTime<Utc>>,
    completed_at: Option<DateTime<Utc>>,
    error: Option<TaskError>,
    result: Option<R>,
}

impl<R> JobRecord<R> {
    /// The task id.
    pub fn task_id(&self) -> &str {
        &self.task_id
    }

    /// Where the task is.
    pub fn status(&self) -> &JobStatus {
        &self.status
    }

    /// When it was created.
    pub fn created_at(&self) -> Option<DateTime<Utc>> {
        self.created_at
    }

    /// When it ended.
    pub fn completed_at(&self) -> Option<DateTime<Utc>> {
        self.completed_at
    }

    /// Why it failed, when the record says.
    pub fn error(&self) -> Option<&TaskError> {
        self.error.as_ref()
    }

    /// Its results, once it is done.
    pub fn result(&self) -> Option<&R> {
        self.result.as_ref()
    }

    /// The task failed: a failure status; a callback exception or a
    /// success without results; or, whatever the status says, an error
    /// code or message on a record without results (live, a task can stay
    /// `PENDING` after it failed). The rule is the crate's, stated in
    /// [`crate::wait`].
    pub fn is_failed(&self) -> bool {
        match self.status {
            JobStatus::CallbackException => self.result.is_none(),
            JobStatus::Success => self.error.is_some() && self.result.is_none(),
            ref status if status.is_failure() => true,
            _ => self.error.is_some(),
        }
    }

    /// No later record will differ: its status is terminal, or it
    /// [failed](Self::is_failed) whatever its status says.
    pub fn is_terminal(&self) -> bool {
        self.status.is_terminal() || self.is_failed()
    }
}

/// The parts of a family's raw record, read by its module.
pub(crate) struct Parts<R> {
    pub(crate) task_id: Option<String>,
    pub(crate) status: Option<JobStatus>,
    pub(crate) created_at: Option<DateTime<Utc>>,
    pub(crate) completed_at: Option<DateTime<Utc>>,
    pub(crate) error_code: Option<i64>,
    pub(crate) error_message: Option<String>,
    pub(crate) result: Option<R>,
}

impl<R> Parts<R> {
    /// The record; `asked` names the task when the record does not.
    pub(crate) fn into_record(self, asked: &str) -> JobRecord<R> {
        // Cover records say `errorCode: 200, errorMessage: ""` on success.
        let error = TaskError::from_parts(self.error_code, self.error_message.as_deref());
        JobRecord {
            task_id: self
                .task_id
                .filter(|id| !id.is_empty())
                .unwrap_or_else(|| asked.to_owned()),
            status: self
                .status
                .unwrap_or_else(|| JobStatus::Unknown(String::new())),
            created_at: self.created_at,
            completed_at: self.completed_at,
            error,
            result: self.result,
        }
    }
}

/// A time field of any family (epoch milliseconds, or a date string), as
/// the generated code holds it.
pub(crate) fn time_of<T: Serialize>(value: &Option<T>) -> Option<DateTime<Utc>> {
    match serde_json::to_value(value.as_ref()?).ok()? {
        serde_json::Value::Number(n) => time::from_epoch_millis(n.as_f64()?).ok(),
        serde_json::Value::String(s) => time::parse_time(&s).ok(),
        _ => None,
    }
}

/// An error code written as a number of any type, or as a string.
pub(crate) fn code_of(value: impl Into<Option<f64>>) -> Option<i64> {
    let value = value.into()?;
    (value.fract() == 0.0 && value.is_finite()).then_some(value as i64)
}

/// The answer of a details endpoint: `{code, msg, data}`.
pub(crate) trait DetailsAnswer {
    type Data;
    fn into_parts(self) -> (Option<i64>, String, Option<Self::Data>);
}

macro_rules! details_answers {
    ($($answer:ident => $data:ident),+ $(,)?) => {$(
        impl DetailsAnswer for types::$answer {
            type Data = types::$data;
            fn into_parts(self) -> (Option<i64>, String, Option<types::$data>) {
                (self.code.map(i64::from), self.msg.unwrap_or_default(), self.data)
            }
        }
    )+};
}

details_answers!(
    LyricsRecordResponse => LyricsRecord,
    WavRecordResponse => WavRecord,
    SeparationRecordResponse => SeparationRecord,
    MidiRecordResponse => MidiRecord,
    VideoRecordResponse => VideoRecord,
    CoverRecordResponse => CoverRecord,
);

/// Fetches a record through a family's details operation (`send`, not
/// yet started), and reads it with `read`.
pub(crate) async fn fetch<A, R, Fut>(
    client: &Client,
    task_id: &str,
    send: Fut,
    read: fn(A::Data) -> Parts<R>,
) -> Result<(JobRecord<R>, Option<Duration>), Error>
where
    A: DetailsAnswer,
    Fut: Future<Output = Result<ResponseValue<A>, generated::Error<()>>>,
{
    if task_id.is_empty() {
        return Err(Error::InvalidTaskId {
            reason: "it is empty",
        });
    }
    let (answer, hint) = client.answer(send).await?;
    let (code, msg, data) = answer.into_parts();
    let data = envelope::open_details(task_id, code, msg, data, hint)?;
    Ok((read(data).into_record(task_id), hint))
}

/// Implements [`Family`](crate::wait::Family) for a family whose record is
/// a [`JobRecord`]: `$details` is its generated details operation, `$read`
/// reads its raw record.
macro_rules! single_result_family {
    ($family:ty, $kind:expr, $result:ty, $details:ident, $read:path) => {
        impl $crate::wait::family::sealed::Sealed for $family {}

        impl $crate::wait::Family for $family {
            const KIND: $crate::TaskKind = $kind;
            type Record = $crate::single_result::JobRecord<$result>;
            type Status = $crate::single_result::JobStatus;
            type Stage = $crate::wait::Done;
            type Event = $crate::wait::StatusEvent<Self::Record, $crate::single_result::JobStatus>;
            type Seen = $crate::wait::SeenStatus<$crate::single_result::JobStatus>;

            async fn fetch(
                client: &$crate::Client,
                task_id: &str,
            ) -> Result<(Self::Record, Option<std::time::Duration>), $crate::Error> {
                $crate::single_result::fetch(
                    client,
                    task_id,
                    client.generated().$details().task_id(task_id).send(),
                    $read,
                )
                .await
            }

            fn status(record: &Self::Record) -> $crate::single_result::JobStatus {
                record.status().clone()
            }

            fn created_at(record: &Self::Record) -> Option<chrono::DateTime<chrono::Utc>> {
                record.created_at()
            }

            fn is_terminal(record: &Self::Record) -> bool {
                record.is_terminal()
            }

            fn is_failed(record: &Self::Record) -> bool {
                record.is_failed()
            }

            fn error_message(record: &Self::Record) -> Option<String> {
                record.error().and_then(|e| e.summary())
            }

            fn reached(_: $crate::wait::Done, record: &Self::Record) -> bool {
                record.is_terminal()
            }

            fn changes(seen: &mut Self::Seen, record: &Self::Record) -> Vec<Self::Event> {
                $crate::wait::status_changes::<Self>(seen, record)
            }

            fn window(
                _: &$crate::wait::Lifecycle,
                _: Option<$crate::wait::Done>,
                _: Option<&$crate::single_result::JobStatus>,
            ) -> Option<std::ops::Range<std::time::Duration>> {
                // Results come all at once, at no well-known time: backoff.
                None
            }
        }
    };
}
pub(crate) use single_result_family;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codes::TaskErrorCode;

    #[test]
    fn numeric_flags_read_per_kind() {
        assert_eq!(JobStatus::from_flag(TaskKind::Midi, 0), JobStatus::Pending);
        assert_eq!(JobStatus::from_flag(TaskKind::Cover, 1), JobStatus::Success);
        assert_eq!(
            JobStatus::from_flag(TaskKind::Midi, 3),
            JobStatus::GenerateMidiFailed
        );
        // Cover's 2 is "generating", MIDI's 2 a failure.
        assert!(!JobStatus::from_flag(TaskKind::Cover, 2).is_terminal());
        assert!(JobStatus::from_flag(TaskKind::Midi, 2).is_failure());
        let unknown = JobStatus::from_flag(TaskKind::Midi, 9);
        assert_eq!(unknown.as_str(), "9");
        assert!(!unknown.is_terminal());
    }

    fn parts(status: JobStatus, code: Option<i64>, message: &str, result: Option<u8>) -> Parts<u8> {
        Parts {
            task_id: None,
            status: Some(status),
            created_at: None,
            completed_at: None,
            error_code: code,
            error_message: Some(message.to_owned()),
            result,
        }
    }

    #[test]
    fn success_codes_and_empty_messages_are_not_errors() {
        let record = parts(JobStatus::Success, Some(200), "", Some(1)).into_record("t");
        assert_eq!(record.error(), None);
        assert_eq!(
            record.task_id(),
            "t",
            "the id asked for when the record has none"
        );
        let failed = parts(JobStatus::GenerateWavFailed, Some(500), "boom", None).into_record("t");
        assert_eq!(
            failed.error().and_then(|e| e.code),
            Some(TaskErrorCode::from(500))
        );
        assert!(failed.is_failed());
    }

    #[test]
    fn a_callback_exception_fails_only_without_results() {
        let with = parts(JobStatus::CallbackException, None, "", Some(1)).into_record("t");
        let without = parts(JobStatus::CallbackException, None, "", None).into_record("t");
        assert!(!with.is_failed());
        assert!(without.is_failed());
    }

    #[test]
    fn an_error_on_a_pending_record_ends_it_as_failed() {
        let pending = parts(
            JobStatus::Pending,
            Some(413),
            "matches an existing work",
            None,
        )
        .into_record("t");
        assert!(pending.is_failed() && pending.is_terminal());
        let plain = parts(JobStatus::Pending, None, "", None).into_record("t");
        assert!(!plain.is_failed() && !plain.is_terminal());
        // A success with its results keeps them, whatever the message.
        let noted = parts(JobStatus::Success, None, "note", Some(1)).into_record("t");
        assert!(!noted.is_failed());
        let empty = parts(JobStatus::Success, Some(501), "failed", None).into_record("t");
        assert!(empty.is_failed());
    }
}
