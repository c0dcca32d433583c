//! The client: what its clones share (the generated client, the budgets,
//! the create limit, where events go), and the calls it makes itself.
//! It wraps the generated client, which builds and sends each request, and
//! turns the API's envelope and every failure into [`MusicRecord`] or a typed
//! [`Error`].

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use url::Url;

use crate::budget::RateBudget;
use crate::envelope;
use crate::error::Error;
use crate::generated::{self, ClientInfo};
use crate::journal::sink::EventSink;
use crate::journal::{Journal, SharedCreateLimit};
use crate::limit::{CreateLimit, CreateLimiter};
use crate::record::MusicRecord;

mod answer;
mod builder;

pub(crate) use answer::{from_generated, retry_after};
pub use builder::ClientBuilder;

/// The API's address.
pub const DEFAULT_BASE_URL: &str = "https://api.kie.ai";
/// How long one request may take, from connect to the last byte.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// How long connecting may take.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Idle connections kept per host by a client this crate builds.
const MAX_IDLE_CONNECTIONS: usize = 32;
/// API requests in flight at once through a client and its clones, by
/// default: more wait their turn in memory, so that a process following
/// 100,000 tasks holds tens of sockets, not thousands (over HTTP/1.1 each
/// request in flight has a connection of its own).
pub const DEFAULT_MAX_CONCURRENT_REQUESTS: usize = 64;
/// The largest response body read (a two-track record is about 3 KiB).
pub const DEFAULT_MAX_BODY_BYTES: usize = 8 * 1024 * 1024;

/// A client of the kie.ai Suno API. Cheap to clone; clones share one
/// connection pool.
///
/// ```no_run
/// # async fn run() -> Result<(), kie_suno::Error> {
/// let client = kie_suno::Client::from_env()?;
/// let record = client.task("5c79be8e").await?;
/// println!("{}: {}", record.task_id(), record.status());
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    /// Shared by clones: a clone (one per waiter) costs one reference count.
    shared: Arc<Shared>,
}

struct Shared {
    inner: generated::Client,
    /// Every waiter of one task, through any clone, spends one budget.
    budget: RateBudget,
    /// Every create, through any clone, waits for a slot under one limit.
    creates: CreateLimiter,
    /// The same limit kept with other processes, if it is.
    shared_creates: Option<(Arc<dyn SharedCreateLimit>, CreateLimit)>,
    /// Where created tasks' results go when a request names no URL.
    callback_url: Option<Url>,
    /// Plain `http` callback URLs off this machine are allowed.
    allow_insecure_callback: bool,
    /// Where creates, waits and downloads report (the journal, if any).
    events: EventSink,
    /// The HTTP client for file hosts (no API key), made on first use.
    files: std::sync::OnceLock<reqwest::Client>,
    /// The `User-Agent` file hosts are sent.
    file_user_agent: String,
    /// What answers showed that the description does not say.
    drift: Option<Arc<crate::drift::Drift>>,
    /// Turns for API requests in flight ([`DEFAULT_MAX_CONCURRENT_REQUESTS`]).
    in_flight: tokio::sync::Semaphore,
    /// Turns for waits' polls, as many: see [`Client::poll_turn`].
    polls: tokio::sync::Semaphore,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.base_url())
            .field("api_key", &"<redacted>")
            .finish()
    }
}

impl Client {
    /// The base URL requests go to, without a trailing slash.
    pub fn base_url(&self) -> &str {
        self.shared.inner.baseurl()
    }

    /// The generated client, for operations this crate does not wrap. It
    /// sends the API key, and goes through the transport, like this client.
    pub fn generated(&self) -> &generated::Client {
        &self.shared.inner
    }

    /// The account's create limit, as this client keeps it.
    pub(crate) fn create_limiter(&self) -> &CreateLimiter {
        &self.shared.creates
    }

    /// The create limit kept with other processes, and the limit.
    pub(crate) fn shared_create_limit(&self) -> Option<&(Arc<dyn SharedCreateLimit>, CreateLimit)> {
        self.shared.shared_creates.as_ref()
    }

    /// The HTTP client for file hosts: its own pool, never the API key.
    pub(crate) fn file_http(&self) -> &reqwest::Client {
        self.shared.files.get_or_init(|| {
            crate::file_http::client(
                &self.shared.file_user_agent,
                DEFAULT_CONNECT_TIMEOUT,
                DEFAULT_TIMEOUT,
            )
        })
    }

    /// The journal given to [`ClientBuilder::journal`].
    pub fn journal(&self) -> Option<&Arc<dyn Journal>> {
        self.shared.events.journal()
    }

    /// Where this client's creates, waits and downloads report.
    pub(crate) fn events(&self) -> &EventSink {
        &self.shared.events
    }

    /// The journal events this client could not write yet (a create's
    /// outcome among them: its task id is there). They are written again
    /// in the background until the journal takes them; show them before
    /// the program exits, or they are lost with it.
    pub fn unwritten_journal_events(&self) -> Vec<crate::journal::JournalEvent> {
        self.shared.events.unwritten()
    }

    /// Writes the unwritten journal events now, trying for up to
    /// `within`; returns the ones still not written.
    pub async fn flush_journal(&self, within: Duration) -> Vec<crate::journal::JournalEvent> {
        self.shared.events.flush(within).await
    }

    /// The callback URL given to [`ClientBuilder::callback_url`].
    pub fn callback_url(&self) -> Option<&Url> {
        self.shared.callback_url.as_ref()
    }

    /// Whether plain `http` callback URLs off this machine are allowed
    /// ([`ClientBuilder::allow_insecure_callback`]).
    pub(crate) fn allows_insecure_callback(&self) -> bool {
        self.shared.allow_insecure_callback
    }

    /// The per-task request budget all waiters of this client share.
    pub(crate) fn budget(&self) -> &RateBudget {
        &self.shared.budget
    }

    /// Fetches a task's record (`GET /api/v1/generate/record-info`).
    ///
    /// The id is sent percent-encoded; an empty id is refused before any
    /// request is made.
    pub async fn task(&self, task_id: &str) -> Result<MusicRecord, Error> {
        self.fetch(task_id).await.map(|(record, _)| record)
    }

    /// The account's credits (`GET /api/v1/chat/credit`). A balance need
    /// not be whole (prices include fractions of a credit): it comes back
    /// as the decimal the API sent, e.g. `1234.5`. The generated client
    /// reads the number as an `f64`; its shortest form, which this is, is
    /// the text sent for any balance of up to 15 significant digits.
    pub async fn credits(&self) -> Result<rust_decimal::Decimal, Error> {
        let (answer, hint) = self
            .answer(self.generated().get_account_credits().send())
            .await?;
        let incomplete = |problem| Error::IncompleteAnswer {
            operation: "get-account-credits",
            problem,
        };
        let credits = envelope::check(Some(answer.code), Some(answer.msg), answer.data, hint)?
            .ok_or(incomplete("success, without the number of credits"))?;
        // `{}` of an f64 is its shortest round-trip form: "1234.5", not
        // 1234.5000000000000.
        credits
            .to_string()
            .parse()
            .map_err(|_| incomplete("a number of credits that is not a finite decimal"))
    }

    /// What this client's answers showed that the description does not
    /// say, so far (see [`crate::drift`]); empty when
    /// [`ClientBuilder::drift`] turned it off.
    pub fn drift(&self) -> crate::drift::DriftReport {
        self.shared
            .drift
            .as_ref()
            .map(|d| d.report())
            .unwrap_or_default()
    }

    /// A wait's turn to build its poll, of as many at once as requests may
    /// be in flight. A wait takes it before it makes the request's state
    /// (about 4 KiB), so that the waits queued behind the request limit
    /// hold a few bytes each: 100,000 waits polling at once would
    /// otherwise hold 400 MB they give back only as the queue drains.
    pub(crate) async fn poll_turn(&self) -> Option<tokio::sync::SemaphorePermit<'_>> {
        // The semaphore is never closed.
        self.shared.polls.acquire().await.ok()
    }

    /// Awaits a call of the generated client: its answer and the server's
    /// `Retry-After` hint, or the typed error of what went wrong.
    pub(crate) async fn answer<T>(
        &self,
        sent: impl Future<Output = Result<generated::ResponseValue<T>, generated::Error<()>>>,
    ) -> Result<(T, Option<Duration>), Error> {
        // The request goes out when `sent` is first polled: after its turn.
        // The semaphore is never closed.
        let _turn = self.shared.in_flight.acquire().await;
        match sent.await {
            Ok(answer) => {
                let hint = retry_after(answer.headers());
                Ok((answer.into_inner(), hint))
            }
            Err(e) => Err(from_generated(e, self.generated().inner().max_body_bytes).await),
        }
    }

    /// [`Client::task`], also returning the server's `Retry-After` hint.
    pub(crate) async fn fetch(
        &self,
        task_id: &str,
    ) -> Result<(MusicRecord, Option<Duration>), Error> {
        if task_id.is_empty() {
            return Err(Error::InvalidTaskId {
                reason: "it is empty",
            });
        }
        let sent = self
            .generated()
            .get_music_task_details()
            .task_id(task_id)
            .send();
        let (answer, retry_after) = self.answer(sent).await?;
        let record = envelope::open(task_id, answer, retry_after)?;
        Ok((record, retry_after))
    }
}
