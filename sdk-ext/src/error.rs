//! The one error type of the client, and the two it carries: why a file
//! could not be saved ([`DownloadError`], shown as
//! `kie_suno::download::DownloadError`) and why the journal failed
//! ([`JournalError`], `kie_suno::journal::JournalError`). Each variant
//! keeps what a caller needs to act on it, and its message is one line
//! saying what happened and what to do. None of them ever contains the
//! API key, a URL's query or userinfo.

use std::path::PathBuf;
use std::time::Duration;

use crate::codes::ApiCode;

/// Bodies are quoted in errors up to this many bytes.
pub(crate) const SNIPPET_BYTES: usize = 512;

/// What can go wrong when calling the API.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The API answered with an envelope whose `code` is not 200.
    #[error("{} from the API: {}{}", code, code.hint(), server_says(msg))]
    Api {
        /// The envelope's `code`.
        code: ApiCode,
        /// The envelope's `msg`.
        msg: String,
        /// The server's `Retry-After`, when it sent one.
        retry_after: Option<Duration>,
    },

    /// The API knows no task with this id (`data: null`, code 422
    /// "recordInfo is null", or code 404). A task just created can take up
    /// to a few minutes to appear: a wait keeps looking for a grace period
    /// (see [`Wait::not_found_grace`](crate::wait::Wait::not_found_grace))
    /// and then says how long it looked.
    #[error("task {task_id:?} was not found{}; check the id (a task just created can take a few minutes to appear)",
        looked_for.map_or(String::new(), |d| format!(" after looking for {}", crate::error::seconds(d))))]
    TaskNotFound {
        /// The id that was asked for.
        task_id: String,
        /// How long a wait looked for it, when a wait gave up on it.
        looked_for: Option<Duration>,
    },

    /// The HTTP status was not 200: usually an HTML page from a proxy.
    #[error("HTTP {status} from the API{}{}", retry_hint(*status), body_says(body_snippet))]
    Http {
        /// The HTTP status code.
        status: u16,
        /// The start of the body (at most 512 bytes, one line). Empty when
        /// the generated client did not keep the body (HTTP 500, whose
        /// body the spec declares empty).
        body_snippet: String,
        /// The server's `Retry-After`, when it sent one.
        retry_after: Option<Duration>,
    },

    /// The body was not the JSON the API is specified to send.
    #[error("the API's answer is not the expected JSON ({source}); it starts: {body_snippet:?}")]
    Decode {
        /// What serde_json found wrong.
        #[source]
        source: serde_json::Error,
        /// The start of the body (at most 512 bytes, one line).
        body_snippet: String,
    },

    /// The request did not complete: connect, TLS, timeout or reset.
    #[error("could not reach the API: {}", chain(source))]
    Transport {
        /// The underlying failure.
        #[source]
        source: reqwest::Error,
    },

    /// The answer's body was longer than the client's limit
    /// ([`crate::ClientBuilder::max_body_bytes`]); reading stopped there.
    #[error(
        "the API's answer is longer than the {limit}-byte limit; refused without reading the rest"
    )]
    BodyTooLarge {
        /// The limit in bytes.
        limit: usize,
    },

    /// No API key was given (`KIE_API_KEY` is not set).
    #[error("no API key: set KIE_API_KEY to your kie.ai API key (https://kie.ai/api-key)")]
    MissingApiKey,

    /// The API key cannot be used.
    #[error("the API key is not valid: {reason}")]
    InvalidApiKey {
        /// What is wrong with it (never the key itself).
        reason: &'static str,
    },

    /// The base URL cannot be used.
    #[error("the base URL {url:?} cannot be used: {reason}")]
    InvalidBaseUrl {
        /// The URL as given.
        url: String,
        /// What is wrong with it.
        reason: String,
    },

    /// The task id cannot be sent.
    #[error("the task id is not valid: {reason}")]
    InvalidTaskId {
        /// What is wrong with it.
        reason: &'static str,
    },

    /// A create request breaks a rule its page states; nothing was sent
    /// and no credits were spent.
    #[error("{operation}: `{field}` {problem}; nothing was sent")]
    InvalidRequest {
        /// The operation, as the provider's page names it (`generate-music`).
        operation: &'static str,
        /// The field, as the API spells it (`callBackUrl`).
        field: &'static str,
        /// What is wrong, and the rule.
        problem: String,
    },

    /// A create (or another call that costs credits) may have reached the
    /// API, and its answer was lost (a timeout, a connection cut after
    /// sending, an unreadable answer). A task may exist and may have been
    /// charged for. It was not sent again: that could make and charge for
    /// a second one. The task's callback, if it was made, reaches
    /// `callback_url` with its id.
    #[error(
        "{operation}: the request may have been carried out, but its answer was lost ({source}); \
         it was not resent, to avoid paying twice{} (request sent at {})",
        callback_url.as_deref().map_or(String::new(), |url| format!(
            ". If it made a task, the task's callback to {} carries its id", crate::redact::url_str(url)
        )),
        sent_at.format("%Y-%m-%dT%H:%M:%SZ")
    )]
    CreateOutcomeUnknown {
        /// The operation, as the provider's page names it.
        operation: &'static str,
        /// Where the task's results go, if the call makes a task (without
        /// the URL's query or userinfo, which may carry tokens).
        callback_url: Option<String>,
        /// When the request was sent.
        sent_at: chrono::DateTime<chrono::Utc>,
        /// What went wrong.
        #[source]
        source: Box<Error>,
    },

    /// A file a task made could not be saved; nothing was left under its
    /// name.
    #[error("cannot download {file}: {source}")]
    Download {
        /// The file's URL, without its query.
        file: String,
        /// Why.
        #[source]
        source: DownloadError,
    },

    /// The task journal could not be written; a create is not sent
    /// unjournaled.
    #[error("{0}; nothing was sent")]
    Journal(#[source] JournalError),

    /// The answer was valid JSON but said something that cannot be right,
    /// such as success without the task id or number it exists to give.
    #[error("the API's answer to {operation} is incomplete: {problem}")]
    IncompleteAnswer {
        /// The operation, as the provider's page names it.
        operation: &'static str,
        /// What is missing.
        problem: &'static str,
    },

    /// The generated client failed in a way the API cannot cause. This is a
    /// bug in kie-suno.
    #[error(
        "internal error in the generated client ({message}); please report this as a kie-suno bug"
    )]
    Internal {
        /// What the generated client said.
        message: String,
    },

    /// The HTTP client could not be built (e.g. TLS initialisation).
    #[error("cannot build the HTTP client: {}", chain(source))]
    HttpClient {
        /// The underlying failure.
        #[source]
        source: reqwest::Error,
    },
}

/// Why a file could not be saved.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DownloadError {
    /// The host answered with this HTTP status.
    #[error("the file host answered HTTP {status}")]
    Status {
        /// The status.
        status: u16,
    },
    /// The connection failed or was cut (after the resumes allowed).
    #[error("the connection to the file host failed: {}", crate::redact::text(&source.to_string()))]
    Cut {
        /// What reqwest said (without the file's URL, whose query may be
        /// a signature).
        #[source]
        source: reqwest::Error,
    },
    /// No byte arrived for this long, after the resumes allowed.
    #[error("the file host sent nothing for {secs} s")]
    Stalled {
        /// The stall timeout, in seconds.
        secs: u64,
    },
    /// The file took longer than the per-file limit.
    #[error("the file was not complete after {after_secs} s, the per-file limit")]
    TimedOut {
        /// The limit, in seconds.
        after_secs: u64,
    },
    /// The file is larger than the size cap (declared, or as it arrived).
    #[error("the file is larger than the {limit}-byte cap")]
    TooLarge {
        /// The cap in bytes.
        limit: u64,
    },
    /// A redirect was not followed.
    #[error("refused {reason}")]
    Redirect {
        /// Which redirect, and why not.
        reason: String,
    },
    /// The file's length is not what the host declared.
    #[error("received {got} bytes where the host declared {expected}")]
    SizeMismatch {
        /// Declared.
        expected: u64,
        /// Received.
        got: u64,
    },
    /// Writing the file failed.
    #[error("cannot write {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What the system said.
        #[source]
        source: std::io::Error,
    },
    /// The URL is plain `http://` to a host that is not loopback, or not
    /// http at all.
    #[error("refused to fetch over plain http from a host that is not loopback")]
    Insecure,
    /// The host answered with no bytes (live, dead stream URLs answer 200
    /// and nothing).
    #[error("the file host sent an empty file")]
    Empty,
    /// An MP3 or WAV file that cannot be read as one.
    #[error("the file is not playable audio: {reason}")]
    NotAudio {
        /// What the frames showed.
        reason: String,
    },
    /// The audio plays under 90 % of the length its record gives (live,
    /// hosts have served a few seconds of a three-minute take).
    #[error("the audio plays {} where its record says {}: cut short",
        crate::error::seconds(std::time::Duration::from_millis(*plays_ms)),
        crate::error::seconds(std::time::Duration::from_millis(*expected_ms)))]
    TooShort {
        /// How long it plays, in milliseconds.
        plays_ms: u64,
        /// How long its record says it plays, in milliseconds.
        expected_ms: u64,
    },
    /// Every source of the file was tried and none gave it whole.
    #[error("no source gave the whole file: {}", tried_list(tried))]
    NoSource {
        /// Each source tried, in order: its kind, its URL (without query
        /// or userinfo) and why it failed.
        tried: Vec<(SourceKind, String, String)>,
    },
}

impl DownloadError {
    /// The host refused the request (HTTP 4xx) or gave a broken file
    /// (empty, of the wrong length, not audio, cut short): what a fresh
    /// link from the API's download-URL call may cure. Not the client's
    /// own refusals (plain http, a redirect, the size cap) nor a
    /// connection that kept failing after its resumes.
    pub(crate) fn is_refusal_or_broken_file(&self) -> bool {
        match self {
            DownloadError::Status { status } => (400..500).contains(status),
            DownloadError::Empty
            | DownloadError::NotAudio { .. }
            | DownloadError::TooShort { .. }
            | DownloadError::SizeMismatch { .. } => true,
            _ => false,
        }
    }
}

fn tried_list(tried: &[(SourceKind, String, String)]) -> String {
    tried
        .iter()
        .enumerate()
        .map(|(i, (kind, url, why))| format!("{}. {kind} {url}: {why}", i + 1))
        .collect::<Vec<_>>()
        .join("; ")
}

/// Where a saved file came from, in the order they are tried.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum SourceKind {
    /// A URL of the file itself: the record's, or its mirror
    /// (`sourceAudioUrl` for `audioUrl`).
    File,
    /// A temporary link from the API's download-URL call.
    DownloadLink,
    /// A stream of the same audio: a last resort (live, stream URLs have
    /// served whole songs, and later nothing).
    Stream,
}

impl std::fmt::Display for SourceKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            SourceKind::File => "file",
            SourceKind::DownloadLink => "download link",
            SourceKind::Stream => "stream",
        })
    }
}

/// Why the journal could not be read or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum JournalError {
    /// The store failed.
    #[error("the task journal {location} failed: {message}")]
    Store {
        /// Where the journal is.
        location: String,
        /// What the store said.
        message: String,
    },
}

impl Error {
    /// Whether the same call may succeed later: transport failures, HTTP
    /// 5xx/408/429, codes 455 and 500 and the rate-limit codes, and bodies
    /// that are not JSON at all (an HTML page, a cut-off answer). A call
    /// refused for its content (401, 402, 422, 451, ...) is not retryable.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Api { code, .. } => code.is_retryable(),
            Error::Http { status, .. } => *status >= 500 || matches!(status, 408 | 429),
            Error::Transport { .. } => true,
            Error::Decode { source, .. } => {
                matches!(
                    source.classify(),
                    serde_json::error::Category::Syntax | serde_json::error::Category::Eof
                )
            }
            _ => false,
        }
    }

    /// The server's hint of when to try again.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::Api { retry_after, .. } | Error::Http { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// Whether the call was refused for a lack of credits (code 402).
    pub fn is_insufficient_credits(&self) -> bool {
        matches!(
            self,
            Error::Api {
                code: ApiCode::InsufficientCredits,
                ..
            }
        )
    }

    /// Whether the call was refused for going too fast.
    pub fn is_rate_limit(&self) -> bool {
        match self {
            Error::Api { code, .. } => code.is_rate_limit(),
            Error::Http { status, .. } => *status == 429,
            _ => false,
        }
    }
}

/// The provider's message, on one line, its URLs without their secrets.
fn server_says(msg: &str) -> String {
    let msg = crate::redact::text(&one_line(msg));
    if msg.is_empty() {
        String::new()
    } else {
        format!(" (server said {msg:?})")
    }
}

fn retry_hint(status: u16) -> &'static str {
    if status >= 500 {
        " (a proxy or the service failed; retry later)"
    } else {
        ""
    }
}

fn body_says(snippet: &str) -> String {
    if snippet.is_empty() {
        String::new()
    } else {
        format!("; body starts: {:?}", crate::redact::text(snippet))
    }
}

/// An error and its causes on one line: reqwest's own message omits the
/// cause ("connection refused"), which is the useful part.
fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(c) = cause {
        let part = c.to_string();
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        cause = c.source();
    }
    crate::redact::text(&one_line(&text))
}

/// A duration in whole seconds, as people read it: `45 s`, `3 min`,
/// `3 min 20 s`.
pub(crate) fn seconds(d: Duration) -> String {
    let secs = d.as_secs();
    match (secs / 60, secs % 60) {
        (0, s) => format!("{s} s"),
        (m, 0) => format!("{m} min"),
        (m, s) => format!("{m} min {s} s"),
    }
}

/// Collapses whitespace runs (newlines included) into single spaces.
pub(crate) fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The start of a body, as one line of at most [`SNIPPET_BYTES`] bytes.
pub(crate) fn snippet(body: &[u8]) -> String {
    let cut = &body[..body.len().min(SNIPPET_BYTES)];
    let text = String::from_utf8_lossy(cut);
    let mut line = one_line(&text);
    while line.len() > SNIPPET_BYTES {
        line.pop();
    }
    line
}
