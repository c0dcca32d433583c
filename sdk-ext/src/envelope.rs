//! The API's `{code, msg, data}` envelope: decoding a record-info body
//! into the generated type, and opening it into a [`MusicRecord`] or the
//! typed [`Error`] its `code` means (HTTP 200 says little). A leaf: it
//! knows nothing of the client or the transport.

use std::time::Duration;

use crate::codes::ApiCode;
use crate::error::{Error, snippet};
use crate::generated::types;
use crate::record::MusicRecord;

/// Decodes a record-info body into the generated envelope.
pub(crate) fn decode(body: &[u8]) -> Result<types::MusicRecordResponse, Error> {
    // One UTF-8 check of the whole body, then `from_str`, which trusts it:
    // `from_slice` checks every string again (17 % of decoding, measured
    // with callgrind). Invalid UTF-8 goes through `from_slice` for the
    // error with its position.
    let decoded = match std::str::from_utf8(body) {
        Ok(text) => serde_json::from_str(text),
        Err(_) => serde_json::from_slice(body),
    };
    decoded.map_err(|source| Error::Decode {
        source,
        body_snippet: snippet(body),
    })
}

/// Reading a whole record-info body; here rather than in `record`, which
/// knows nothing of envelopes.
impl MusicRecord {
    /// Reads a record-info response body (`{code, msg, data}`), as
    /// [`crate::Client::task`] does with what it receives: any body gives a
    /// record or a typed [`Error`](crate::Error), never a panic. `task_id`
    /// names the task in [`Error::TaskNotFound`](crate::Error::TaskNotFound).
    ///
    /// ```
    /// let body = br#"{"code":200,"msg":"success","data":{"taskId":"t1","status":"PENDING","response":null}}"#;
    /// let record = kie_suno::MusicRecord::from_body("t1", body).unwrap();
    /// assert_eq!(record.status(), kie_suno::TaskStatus::Pending);
    /// assert!(kie_suno::MusicRecord::from_body("t1", b"<html>").is_err());
    /// ```
    pub fn from_body(task_id: &str, body: &[u8]) -> Result<Self, crate::Error> {
        let envelope = decode(body)?;
        open(task_id, envelope, None)
    }
}

/// The envelope's `code` is the real outcome; HTTP 200 says little.
pub(crate) fn open(
    task_id: &str,
    envelope: types::MusicRecordResponse,
    retry_after: Option<Duration>,
) -> Result<MusicRecord, Error> {
    let data = open_details(
        task_id,
        Some(envelope.code),
        envelope.msg,
        envelope.data,
        retry_after,
    )?;
    Ok(MusicRecord::from(data))
}

/// A details endpoint's envelope, whatever the family: the record, or
/// [`Error::TaskNotFound`] (`data` null on success, or code 422 with
/// "recordInfo is null"), or the refusal.
pub(crate) fn open_details<D>(
    task_id: &str,
    code: Option<i64>,
    msg: String,
    data: Option<D>,
    retry_after: Option<Duration>,
) -> Result<D, Error> {
    let not_found = || Error::TaskNotFound {
        task_id: task_id.to_owned(),
        looked_for: None,
    };
    match (code.map(ApiCode::from), data) {
        (Some(ApiCode::Success), Some(data)) => Ok(data),
        (Some(ApiCode::Success), None) => Err(not_found()),
        (Some(ApiCode::ValidationFailed), _) if msg.contains("is null") => Err(not_found()),
        // Live, a task just created has also been answered 404 "Task not
        // found" (a details endpoint has no other resource to miss).
        (Some(ApiCode::NotFound), _) => Err(not_found()),
        (code, _) => Err(Error::Api {
            code: code.unwrap_or(ApiCode::Unknown(0)),
            msg,
            retry_after,
        }),
    }
}

/// The answer of a create call: `{code, msg, data: {taskId}}`, whatever
/// the operation (each has its own generated type).
pub(crate) trait CreateAnswer {
    /// The code, the message and the new task's id.
    fn into_parts(self) -> (Option<i64>, String, Option<String>);
}

macro_rules! create_answers {
    ($($answer:ident),+ $(,)?) => {$(
        impl CreateAnswer for types::$answer {
            fn into_parts(self) -> (Option<i64>, String, Option<String>) {
                (
                    self.code.map(i64::from),
                    self.msg.unwrap_or_default(),
                    self.data.and_then(|d| d.task_id),
                )
            }
        }
    )+};
}

create_answers!(
    GenerateMusicResponse,
    ExtendMusicResponse,
    UploadAndCoverAudioResponse,
    UploadAndExtendAudioResponse,
    AddInstrumentalResponse,
    AddVocalsResponse,
    ReplaceSectionResponse,
    GenerateMashupResponse,
    GenerateLyricsResponse,
    ConvertToWavResponse,
    SeparateVocalsResponse,
    GenerateMidiResponse,
    CreateMusicVideoResponse,
    GenerateCoverResponse,
);

impl CreateAnswer for types::ApiResponse {
    fn into_parts(self) -> (Option<i64>, String, Option<String>) {
        (
            self.code,
            self.msg.unwrap_or_default(),
            self.data.and_then(|d| d.task_id),
        )
    }
}

/// What any envelope says: its `data` when `code` is success (or
/// absent: not an answer this API gives, taken at its word), else the
/// refusal as [`Error::Api`].
pub(crate) fn check<D>(
    code: Option<i64>,
    msg: Option<String>,
    data: Option<D>,
    retry_after: Option<Duration>,
) -> Result<Option<D>, Error> {
    match code.map(ApiCode::from) {
        Some(ApiCode::Success) | None => Ok(data),
        Some(code) => Err(Error::Api {
            code,
            msg: msg.unwrap_or_default(),
            retry_after,
        }),
    }
}

/// What a create's envelope says: the new task's id, or the refusal.
/// A success without an id is `Ok(None)`: the task may exist.
pub(crate) fn open_created<A: CreateAnswer>(
    answer: A,
    retry_after: Option<Duration>,
) -> Result<Option<String>, Error> {
    let (code, msg, task_id) = answer.into_parts();
    let task_id = check(code, Some(msg), task_id, retry_after)?;
    Ok(task_id.filter(|id| !id.trim().is_empty()))
}
