//! Callbacks: the provider POSTs each stage of a task to the `callBackUrl`
//! its create call named. A [`Verifier`] turns a delivery (headers and
//! body) into a typed [`Callback`], or a [`Rejection`] that says what was
//! wrong: a body over the size cap, no task id, a missing or malformed
//! signature header, a timestamp outside the window, a wrong signature.
//! A repeated delivery (the provider retries, and anyone can replay what
//! they captured) is recognised and marked, so it produces no second event.
//!
//! The signature covers the task id and the time, not the body: a verified
//! callback proves the provider called about that task, not that the body
//! says what it sent. Treat it as a reason to look (one details poll), not
//! as the record itself: that is what waits do. Acting on a body without
//! that poll is an explicit opt-in: take the typed [`Callback`] from the
//! receiver's channel ([`Received::Callback`]) and use it yourself.
//!
//! ```
//! use std::time::{Duration, SystemTime, UNIX_EPOCH};
//! use kie_suno::TaskKind;
//! use kie_suno::callback::{Verifier, WebhookKey};
//! use kie_suno::reqwest::header::HeaderMap;
//!
//! let key = WebhookKey::new("my-webhook-key").unwrap();
//! let verifier = Verifier::new(key.clone());
//! let now = SystemTime::now();
//! let ts = now.duration_since(UNIX_EPOCH).unwrap().as_secs().to_string();
//! let mut headers = HeaderMap::new();
//! headers.insert("x-webhook-timestamp", ts.parse().unwrap());
//! headers.insert("x-webhook-signature", key.sign("t1", &ts).parse().unwrap());
//! let body = br#"{"code":200,"msg":"ok","data":{"callbackType":"text","task_id":"t1","data":[]}}"#;
//! let delivery = verifier.check(TaskKind::Music, &headers, body, now).unwrap();
//! assert_eq!(delivery.callback.task_id, "t1");
//! assert!(!delivery.repeat);
//! assert!(verifier.check(TaskKind::Music, &headers, body, now).unwrap().repeat);
//! ```

mod payload;
mod receiver;
mod signature;

use crate::kind::TaskKind;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::header::HeaderMap;
use sha2::{Digest, Sha256};

pub use payload::{
    Callback, CallbackLyrics, CallbackStage, CallbackTrack, MidiInstrument, MidiNote, Payload,
    PayloadError, task_id_of,
};
pub use receiver::{Received, Receiver};
pub use signature::WebhookKey;

/// The header carrying the delivery's Unix time in seconds.
pub const TIMESTAMP_HEADER: &str = "x-webhook-timestamp";
/// The header carrying the signature.
pub const SIGNATURE_HEADER: &str = "x-webhook-signature";
/// How far a delivery's timestamp may be from now (either way).
pub const DEFAULT_WINDOW: Duration = Duration::from_secs(300);
/// The largest callback body accepted (a two-track music callback is
/// about 2 KiB; MIDI callbacks are the largest).
pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;

/// Why a delivery was refused. Answer it with HTTP 401 (signature and
/// time) or 400 (body): see [`Rejection::http_status`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Rejection {
    /// The body is longer than the cap.
    #[error("the callback body is longer than the {limit}-byte limit")]
    BodyTooLarge {
        /// The cap in bytes.
        limit: usize,
    },
    /// The body is not a callback.
    #[error(transparent)]
    NotACallback(#[from] PayloadError),
    /// `X-Webhook-Timestamp` or `X-Webhook-Signature` is missing.
    #[error(
        "the callback is not signed (no {0} header); is the webhook key enabled in the account settings?"
    )]
    Unsigned(&'static str),
    /// The timestamp is not a Unix time in seconds.
    #[error("the callback's timestamp is not a Unix time in seconds")]
    BadTimestamp,
    /// The timestamp is outside the window: stale, or from the future.
    #[error(
        "the callback's timestamp is {skew_secs} s away from now, outside the {window_secs}-second window"
    )]
    OutsideWindow {
        /// How far from now, in seconds.
        skew_secs: u64,
        /// The window, in seconds.
        window_secs: u64,
    },
    /// The signature does not match the task id and time.
    #[error("the callback's signature does not match its task and time (forged, or another key)")]
    BadSignature,
}

impl Rejection {
    /// The HTTP status to answer a refused delivery with.
    pub fn http_status(&self) -> u16 {
        match self {
            Rejection::BodyTooLarge { .. } => 413,
            Rejection::NotACallback(_) => 400,
            _ => 401,
        }
    }
}

/// A delivery that passed the checks.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    /// What it says.
    pub callback: Callback,
    /// The same delivery was accepted before (a retry or a replay): answer
    /// it, but do not act on it again.
    pub repeat: bool,
}

/// Checks deliveries: size, signature, time window, repeats.
#[derive(Debug)]
pub struct Verifier {
    key: Option<WebhookKey>,
    window: Duration,
    max_body_bytes: usize,
    /// Deliveries accepted in the last two windows, by fingerprint.
    seen: Mutex<HashMap<[u8; 32], SystemTime>>,
}

impl Verifier {
    /// Checks signatures with `key` (the account's webhook HMAC key).
    pub fn new(key: WebhookKey) -> Self {
        Verifier::with_key(Some(key))
    }

    /// Accepts unsigned deliveries: only for accounts without a webhook
    /// key, and only when the caller says so. Anyone who can reach the
    /// receiver can then make it look at any task.
    pub fn insecure_without_signatures() -> Self {
        Verifier::with_key(None)
    }

    fn with_key(key: Option<WebhookKey>) -> Self {
        Verifier {
            key,
            window: DEFAULT_WINDOW,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            seen: Mutex::new(HashMap::new()),
        }
    }

    /// How far a timestamp may be from now (default 5 minutes).
    pub fn window(mut self, window: Duration) -> Self {
        self.window = window;
        self
    }

    /// The largest body accepted (default 1 MiB).
    pub fn max_body_bytes(mut self, limit: usize) -> Self {
        self.max_body_bytes = limit;
        self
    }

    /// The largest body accepted.
    pub fn max_body_limit(&self) -> usize {
        self.max_body_bytes
    }

    /// Whether deliveries must be signed.
    pub fn checks_signatures(&self) -> bool {
        self.key.is_some()
    }

    /// Checks one delivery of a `family` task, received at `now`.
    pub fn check(
        &self,
        family: TaskKind,
        headers: &HeaderMap,
        body: &[u8],
        now: SystemTime,
    ) -> Result<Delivery, Rejection> {
        if body.len() > self.max_body_bytes {
            return Err(Rejection::BodyTooLarge {
                limit: self.max_body_bytes,
            });
        }
        let callback = Callback::decode(family, body)?;
        if let Some(key) = &self.key {
            let timestamp = header(headers, TIMESTAMP_HEADER)?;
            let signature = header(headers, SIGNATURE_HEADER)?;
            let seconds: u64 = timestamp
                .trim()
                .parse()
                .map_err(|_| Rejection::BadTimestamp)?;
            let sent = UNIX_EPOCH + Duration::from_secs(seconds);
            let skew = now.duration_since(sent).unwrap_or_else(|e| e.duration());
            if skew > self.window {
                return Err(Rejection::OutsideWindow {
                    skew_secs: skew.as_secs(),
                    window_secs: self.window.as_secs(),
                });
            }
            if !key.verify(&callback.task_id, timestamp.trim(), signature) {
                return Err(Rejection::BadSignature);
            }
        }
        // A repeat is the same body about the same task, whatever its
        // timestamp: a provider retry may be signed anew, a replay is not,
        // and either is one event.
        let mut fingerprint = Sha256::new();
        fingerprint.update(callback.task_id.as_bytes());
        fingerprint.update(b"\n");
        fingerprint.update(body);
        let repeat = self.remember(fingerprint.finalize().into(), now);
        Ok(Delivery { callback, repeat })
    }

    /// Records a delivery; `true` if it was seen before. Entries older than
    /// two windows are dropped: a replay that old fails the time check.
    fn remember(&self, fingerprint: [u8; 32], now: SystemTime) -> bool {
        let mut seen = self
            .seen
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let keep = self.window * 2;
        seen.retain(|_, at| now.duration_since(*at).map_or(true, |age| age <= keep));
        seen.insert(fingerprint, now).is_some()
    }
}

fn header<'h>(headers: &'h HeaderMap, name: &'static str) -> Result<&'h str, Rejection> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .ok_or(Rejection::Unsigned(name))
}
