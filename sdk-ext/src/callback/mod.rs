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

mod link;
mod payload;
mod receiver;
mod seen;
mod signature;

use crate::journal::{Journal, reference};
use crate::kind::TaskKind;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::header::HeaderMap;
use sha2::{Digest, Sha256};

pub use link::{Linked, link};
pub use payload::{
    Callback, CallbackLyrics, CallbackStage, CallbackTrack, MidiInstrument, MidiNote, Payload,
    PayloadError, task_id_of,
};
pub use receiver::{Limits, Received, Receiver};
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
/// New deliveries accepted per task and stage within the window: the
/// provider's own retries fit (it tries 3 times); a flood of altered
/// bodies replayed under one captured signature does not.
pub const DEFAULT_PER_STAGE: u32 = 3;

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
    /// The URL carries no create reference, which this verifier requires
    /// ([`Verifier::url_token`]).
    #[error(
        "the callback's URL carries no kie_ref reference, which authenticates deliveries here (no webhook key is set)"
    )]
    NoReference,
    /// The URL's create reference does not verify under the journal's key.
    #[error(
        "the callback's kie_ref reference does not verify (altered, forged, or made by another journal)"
    )]
    BadReference,
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
#[non_exhaustive]
pub struct Delivery {
    /// What it says.
    pub callback: Callback,
    /// The same delivery was accepted before (a retry or a replay), or its
    /// task and stage had their share of new deliveries in this window
    /// ([`Verifier::per_stage`]): answer it, but do not act on it again.
    pub repeat: bool,
    /// The journaled create its URL's reference names, verified
    /// ([`Verifier::references`]): the create that made this task.
    pub reference: Option<String>,
    /// Its signature covered its task id (a webhook key is set): the
    /// provider vouches for which task it is about.
    pub signed: bool,
}

/// Checks deliveries: size, signature, time window, repeats, and the
/// create reference in the URL ([`crate::journal::reference`]) when given
/// the journal that made it.
#[derive(Debug)]
pub struct Verifier {
    key: Option<WebhookKey>,
    /// The journal whose key references verify under.
    references: Option<Arc<dyn Journal>>,
    /// Deliveries without a verified reference are refused (no key).
    url_token: bool,
    /// Deliveries refused for their reference so far.
    bad_references: AtomicU64,
    window: Duration,
    max_body_bytes: usize,
    per_stage: u32,
    /// Deliveries accepted in the last two windows (bounded).
    seen: Mutex<seen::Seen>,
    /// Deliveries marked as repeats so far.
    repeats: AtomicU64,
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

    /// Without a webhook key (the sister service signs nothing):
    /// authenticates each delivery by the create reference in its URL,
    /// which only `journal` can make. A delivery without one, or with one
    /// that does not verify, is refused. A verified reference proves the
    /// URL is one this journal gave a create, not which task the body
    /// names: a lost create is linked to a task only once the task's
    /// record echoes the reference ([`Receiver::link`]).
    pub fn url_token(journal: Arc<dyn Journal>) -> Self {
        Verifier {
            url_token: true,
            ..Verifier::with_key(None).references(journal)
        }
    }

    /// Reads the create reference of each delivery's URL
    /// ([`Delivery::reference`]) under `journal`'s key: one that does not
    /// verify is refused ([`Rejection::BadReference`]) and counted.
    pub fn references(mut self, journal: Arc<dyn Journal>) -> Self {
        self.references = Some(journal);
        self
    }

    fn with_key(key: Option<WebhookKey>) -> Self {
        Verifier {
            key,
            references: None,
            url_token: false,
            bad_references: AtomicU64::new(0),
            window: DEFAULT_WINDOW,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            per_stage: DEFAULT_PER_STAGE,
            seen: Mutex::default(),
            repeats: AtomicU64::new(0),
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

    /// How many new deliveries per task and stage are passed on within two
    /// windows (default 3, at least 1); the rest are answered and marked
    /// repeats.
    pub fn per_stage(mut self, deliveries: u32) -> Self {
        self.per_stage = deliveries.max(1);
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

    /// Whether deliveries are authenticated by their URL's reference
    /// ([`Verifier::url_token`]).
    pub fn checks_url_tokens(&self) -> bool {
        self.url_token
    }

    /// How many deliveries were refused for their reference so far.
    pub fn bad_references(&self) -> u64 {
        self.bad_references.load(Ordering::Relaxed)
    }

    /// How many verified deliveries were marked repeats so far.
    pub fn repeats(&self) -> u64 {
        self.repeats.load(Ordering::Relaxed)
    }

    /// Checks one delivery of a `family` task, received at `now`.
    pub fn check(
        &self,
        family: TaskKind,
        headers: &HeaderMap,
        body: &[u8],
        now: SystemTime,
    ) -> Result<Delivery, Rejection> {
        self.check_delivery(Some(family), headers, body, now)
    }

    /// Checks one delivery received at `now`, of `family`, or (`None`) of
    /// the family its shape says ([`TaskKind::of_callback_body`]). The
    /// signature headers and the time are checked before the body is
    /// read; the body is then parsed once, to find the task id the
    /// signature covers, and decoded only once the signature matches.
    pub fn check_delivery(
        &self,
        family: Option<TaskKind>,
        headers: &HeaderMap,
        body: &[u8],
        now: SystemTime,
    ) -> Result<Delivery, Rejection> {
        self.check_request(family, None, headers, body, now)
    }

    /// [`Verifier::check_delivery`] of a delivery posted to a URL with
    /// `query` (its query string, without `?`): its create reference is
    /// checked first, when this verifier reads references.
    pub fn check_request(
        &self,
        family: Option<TaskKind>,
        query: Option<&str>,
        headers: &HeaderMap,
        body: &[u8],
        now: SystemTime,
    ) -> Result<Delivery, Rejection> {
        if body.len() > self.max_body_bytes {
            return Err(Rejection::BodyTooLarge {
                limit: self.max_body_bytes,
            });
        }
        let reference = self.check_reference(query)?;
        // The headers and the time first: a delivery without them is
        // refused before its body is read at all.
        let signed = match &self.key {
            Some(key) => {
                let timestamp = header(headers, TIMESTAMP_HEADER)?;
                let signature = header(headers, SIGNATURE_HEADER)?;
                self.check_time(timestamp, now)?;
                Some((key, timestamp, signature))
            }
            None => None,
        };
        let value = payload::parse(body)?;
        let is_signed = signed.is_some();
        if let Some((key, timestamp, signature)) = signed {
            let task_id = task_id_of(&value).ok_or(PayloadError::NoTaskId)?;
            if !key.verify(&task_id, timestamp.trim(), signature) {
                return Err(Rejection::BadSignature);
            }
        }
        let family = family
            .or_else(|| TaskKind::of_callback_body(&value))
            .unwrap_or(TaskKind::Music);
        let callback = Callback::decode_value(family, &value)?;
        // A repeat is the same body about the same task, whatever its
        // timestamp: a provider retry may be signed anew, a replay is not,
        // and either is one event.
        let mut fingerprint = Sha256::new();
        fingerprint.update(callback.task_id.as_bytes());
        fingerprint.update(b"\n");
        fingerprint.update(body);
        let stage = callback.stage.as_ref().map_or("", |s| s.as_str());
        let stage_key = format!("{}\n{stage}", callback.task_id);
        let verdict = crate::sync::lock(&self.seen).judge(
            fingerprint.finalize().into(),
            stage_key,
            now,
            self.window.saturating_mul(2),
            self.per_stage,
        );
        let repeat = verdict != seen::Verdict::New;
        if repeat {
            self.repeats.fetch_add(1, Ordering::Relaxed);
        }
        Ok(Delivery {
            callback,
            repeat,
            reference,
            signed: is_signed,
        })
    }

    /// The create the query's reference names, when this verifier reads
    /// references; refused when it does not verify, or is missing where
    /// it is what authenticates.
    fn check_reference(&self, query: Option<&str>) -> Result<Option<String>, Rejection> {
        let Some(journal) = &self.references else {
            return Ok(None);
        };
        let refuse = |rejection| {
            self.bad_references.fetch_add(1, Ordering::Relaxed);
            Err(rejection)
        };
        match query.and_then(reference::in_query) {
            Some(token) => match reference::verify(journal.as_ref(), &token) {
                Some(intent) => Ok(Some(intent)),
                None => refuse(Rejection::BadReference),
            },
            None if self.url_token => refuse(Rejection::NoReference),
            None => Ok(None),
        }
    }

    /// The timestamp, a Unix time in seconds, within the window of `now`;
    /// any number, however large, is judged without overflow.
    fn check_time(&self, timestamp: &str, now: SystemTime) -> Result<(), Rejection> {
        let seconds: u64 = timestamp
            .trim()
            .parse()
            .map_err(|_| Rejection::BadTimestamp)?;
        let now_secs = now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
        let skew_secs = now_secs.abs_diff(seconds);
        let sent = UNIX_EPOCH.checked_add(Duration::from_secs(seconds));
        let skew = sent.map(|sent| now.duration_since(sent).unwrap_or_else(|e| e.duration()));
        match skew {
            Some(skew) if skew <= self.window => Ok(()),
            _ => Err(Rejection::OutsideWindow {
                skew_secs,
                window_secs: self.window.as_secs(),
            }),
        }
    }
}

fn header<'h>(headers: &'h HeaderMap, name: &'static str) -> Result<&'h str, Rejection> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .ok_or(Rejection::Unsigned(name))
}
