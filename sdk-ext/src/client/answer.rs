//! A failed call of the generated client as this crate's [`Error`]: its
//! transport, size-limit, decoding and HTTP failures told apart, a few
//! bytes of an unexpected body kept to say what it was, and the server's
//! `Retry-After` read.

use std::time::Duration;

use reqwest::header::HeaderMap;

use crate::error::{Error, snippet};
use crate::generated;

pub(crate) async fn from_generated(error: generated::Error<()>, max_body_bytes: usize) -> Error {
    use generated::Error as G;
    match error {
        G::ResponseBodyError(source) if over_limit(&source) => Error::BodyTooLarge {
            limit: max_body_bytes,
        },
        // The body passed through the size limit, which drops reqwest's
        // record of the URL; say nothing rather than a placeholder URL.
        G::ResponseBodyError(source) => Error::Transport {
            source: source.without_url(),
        },
        G::CommunicationError(source) => Error::Transport { source },
        G::InvalidResponsePayload(body, source) => Error::Decode {
            source,
            body_snippet: snippet(&body),
        },
        G::ErrorResponse(response) => Error::Http {
            status: response.status().as_u16(),
            body_snippet: String::new(),
            retry_after: retry_after(response.headers()),
        },
        G::UnexpectedResponse(mut response) => {
            let status = response.status().as_u16();
            let retry_after = retry_after(response.headers());
            // Enough of the body to say what it was, never all of it.
            let mut head = Vec::new();
            while head.len() < crate::error::SNIPPET_BYTES {
                match response.chunk().await {
                    Ok(Some(chunk)) => head.extend_from_slice(&chunk),
                    Ok(None) | Err(_) => break,
                }
            }
            Error::Http {
                status,
                body_snippet: snippet(&head),
                retry_after,
            }
        }
        G::InvalidRequest(message) | G::Custom(message) => Error::Internal { message },
        G::InvalidUpgrade(source) => Error::Internal {
            message: source.to_string(),
        },
    }
}

/// Whether a body error is the size limit's.
fn over_limit(error: &reqwest::Error) -> bool {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(c) = cause {
        if c.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        cause = c.source();
    }
    false
}

/// `Retry-After` in seconds (the HTTP-date form is not used by this API).
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?;
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}
