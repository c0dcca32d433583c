//! The API's `{code, msg, data}` envelope: decoding a record-info body
//! into the generated type, and opening it into a [`TaskRecord`] or the
//! typed [`Error`] its `code` means (HTTP 200 says little). A leaf: it
//! knows nothing of the client or the transport.

use std::time::Duration;

use crate::codes::ApiCode;
use crate::error::{Error, snippet};
use crate::generated::types;
use crate::record::TaskRecord;

/// Decodes a record-info body into the generated envelope.
pub(crate) fn decode(body: &[u8]) -> Result<types::RecordInfoResponse, Error> {
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

/// The envelope's `code` is the real outcome; HTTP 200 says little.
pub(crate) fn open(
    task_id: &str,
    envelope: types::RecordInfoResponse,
    retry_after: Option<Duration>,
) -> Result<TaskRecord, Error> {
    let msg = envelope.msg;
    match (ApiCode::from(envelope.code), envelope.data) {
        (ApiCode::Success, Some(data)) => Ok(TaskRecord::from(data)),
        (ApiCode::Success, None) => Err(Error::TaskNotFound {
            task_id: task_id.to_owned(),
        }),
        (ApiCode::ValidationFailed, _) if msg.contains("recordInfo is null") => {
            Err(Error::TaskNotFound {
                task_id: task_id.to_owned(),
            })
        }
        (code, _) => Err(Error::Api {
            code,
            msg,
            retry_after,
        }),
    }
}
