//! The client: configuration, authentication, and one call per operation.
//! It wraps the generated client, which builds and sends each request, and
//! turns the API's envelope and every failure into [`MusicRecord`] or a typed
//! [`Error`].

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{AUTHORIZATION, HeaderMap};
use url::Url;

use crate::auth::ApiKey;
use crate::budget::RateBudget;
use crate::envelope;
use crate::error::{Error, snippet};
use crate::generated::{self, ClientInfo, Transport};
use crate::journal::sink::EventSink;
use crate::journal::{Journal, SharedCreateLimit};
use crate::limit::{CreateLimit, CreateLimiter};
use crate::record::MusicRecord;

/// The API's address.
pub const DEFAULT_BASE_URL: &str = "https://api.kie.ai";
/// How long one request may take, from connect to the last byte.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// How long connecting may take.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Idle connections kept per host by a client this crate builds.
const MAX_IDLE_CONNECTIONS: usize = 32;
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
    /// A client of the real API with this key and the default settings.
    pub fn new(api_key: &str) -> Result<Self, Error> {
        Client::builder().api_key(ApiKey::new(api_key)?).build()
    }

    /// A client configured from the environment: `KIE_API_KEY` (required),
    /// `KIE_BASE_URL` and `KIE_CALLBACK_URL` (optional; see
    /// [`ClientBuilder::callback_url`]).
    pub fn from_env() -> Result<Self, Error> {
        let key = std::env::var("KIE_API_KEY").map_err(|_| Error::MissingApiKey)?;
        let mut builder = Client::builder().api_key(ApiKey::new(&key)?);
        if let Ok(url) = std::env::var("KIE_BASE_URL") {
            builder = builder.base_url(url);
        }
        if let Ok(url) = std::env::var("KIE_CALLBACK_URL") {
            builder = builder.callback_url(url);
        }
        builder.build()
    }

    /// Settings for a client; see [`ClientBuilder`].
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

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

    /// Awaits a call of the generated client: its answer and the server's
    /// `Retry-After` hint, or the typed error of what went wrong.
    pub(crate) async fn answer<T>(
        &self,
        sent: impl Future<Output = Result<generated::ResponseValue<T>, generated::Error<()>>>,
    ) -> Result<(T, Option<Duration>), Error> {
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

/// Settings for a [`Client`].
///
/// ```
/// use std::time::Duration;
/// use kie_suno::{ApiKey, Client};
/// let client = Client::builder()
///     .api_key(ApiKey::new("my-key")?)
///     .base_url("https://api.kie.ai/")
///     .timeout(Duration::from_secs(20))
///     .build()?;
/// assert_eq!(client.base_url(), "https://api.kie.ai");
/// # Ok::<(), kie_suno::Error>(())
/// ```
#[derive(Debug)]
pub struct ClientBuilder {
    api_key: Option<ApiKey>,
    base_url: String,
    timeout: Duration,
    connect_timeout: Duration,
    user_agent: String,
    file_user_agent: Option<String>,
    http_client: Option<reqwest::Client>,
    allow_insecure_http: bool,
    allow_insecure_callback: bool,
    max_body_bytes: usize,
    transport: Option<Arc<dyn Transport>>,
    create_limit: Option<CreateLimit>,
    shared_create_limit: Option<Arc<dyn SharedCreateLimit>>,
    callback_url: Option<String>,
    journal: Option<Arc<dyn Journal>>,
    drift: bool,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            api_key: None,
            base_url: DEFAULT_BASE_URL.to_owned(),
            timeout: DEFAULT_TIMEOUT,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            user_agent: concat!("kie-suno/", env!("CARGO_PKG_VERSION")).to_owned(),
            file_user_agent: None,
            http_client: None,
            allow_insecure_http: false,
            allow_insecure_callback: false,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            transport: None,
            create_limit: Some(CreateLimit::default()),
            shared_create_limit: None,
            callback_url: None,
            journal: None,
            drift: true,
        }
    }
}

impl ClientBuilder {
    /// The API key (required).
    pub fn api_key(mut self, key: ApiKey) -> Self {
        self.api_key = Some(key);
        self
    }

    /// Where the API is (default `https://api.kie.ai`). A path prefix is
    /// kept; a trailing slash is ignored. `http://` is refused unless the
    /// host is loopback or [`allow_insecure_http`](Self::allow_insecure_http) is set.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }

    /// How long one request may take in all (default 30 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// How long connecting may take (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// The `User-Agent` header (default `kie-suno/<version>`).
    pub fn user_agent(mut self, agent: impl Into<String>) -> Self {
        self.user_agent = agent.into();
        self
    }

    /// The `User-Agent` sent to file hosts when downloading (default: the
    /// client's, [`Self::user_agent`]). Live, some hosts answer 403 to an
    /// HTTP library's default agent; name your app here if one refuses
    /// yours.
    pub fn file_user_agent(mut self, agent: impl Into<String>) -> Self {
        self.file_user_agent = Some(agent.into());
        self
    }

    /// Sends requests through the caller's own client (its pool, proxy and
    /// TLS settings). The timeouts and user agent of this builder are then
    /// not applied; the API key still is.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http_client = Some(client);
        self
    }

    /// Allows `http://` base URLs on hosts that are not loopback. The API
    /// key then crosses the network in clear text.
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_insecure_http = allow;
        self
    }

    /// Allows `http://` callback URLs (the client's and each request's)
    /// on hosts that are not loopback. The tasks' results, lyrics and file
    /// URLs then cross the network in clear text. Refused by default,
    /// before anything is sent.
    pub fn allow_insecure_callback(mut self, allow: bool) -> Self {
        self.allow_insecure_callback = allow;
        self
    }

    /// The largest response body read (default 8 MiB). A longer one is
    /// refused with [`Error::BodyTooLarge`] once the limit is reached,
    /// without reading the rest.
    pub fn max_body_bytes(mut self, limit: usize) -> Self {
        self.max_body_bytes = limit;
        self
    }

    /// Sends every request through `transport` instead of the network: a
    /// test double, or the mock's [`Simulation`](crate::mock::Simulation).
    /// Everything else (authentication, the body limit, decoding, errors)
    /// works as over HTTP.
    pub fn transport(mut self, transport: Arc<dyn Transport>) -> Self {
        self.transport = Some(transport);
        self
    }

    /// How many creates this client sends per window (default
    /// [`CreateLimit::default`]: under the account's limit of about 20 per
    /// 10 s). Creates beyond it wait for their turn. `None` sends every
    /// create at once; the API then refuses the excess, which is retried.
    /// Clones of a client share its limit; separate clients (or processes)
    /// on one account should split it.
    pub fn create_limit(mut self, limit: Option<CreateLimit>) -> Self {
        self.create_limit = limit;
        self
    }

    /// Keeps the create limit (as set by [`Self::create_limit`], or the
    /// default) across every process that uses `shared` too: before each
    /// create, after this client's own turn, it takes one from `shared` (a
    /// [`PostgresJournal`](crate::journal::PostgresJournal) for a fleet). A
    /// create that cannot get its turn (the store is away) is not sent.
    pub fn shared_create_limit(mut self, shared: Arc<dyn SharedCreateLimit>) -> Self {
        self.shared_create_limit = Some(shared);
        self
    }

    /// Where created tasks' results go when a create request names no
    /// callback URL. The API requires one, and whoever receives it gets the
    /// task's results, so the client never makes one up: without this and
    /// without a URL on the request, a create is refused before sending.
    pub fn callback_url(mut self, url: impl Into<String>) -> Self {
        self.callback_url = Some(url.into());
        self
    }

    /// Whether answers are compared with the description and what they
    /// hold undescribed is counted ([`Client::drift`]; default on: the
    /// first 16 answers of each operation, then one in 64).
    pub fn drift(mut self, on: bool) -> Self {
        self.drift = on;
        self
    }

    /// Writes every create down before sending it, then its task id (or
    /// why there is none), the status changes its waits see, how it ended,
    /// and the files saved; see [`crate::journal`]. A create the journal
    /// cannot write down is not sent.
    pub fn journal(mut self, journal: Arc<dyn Journal>) -> Self {
        self.journal = Some(journal);
        self
    }

    /// Checks the settings and makes the client.
    pub fn build(self) -> Result<Client, Error> {
        let key = self.api_key.ok_or(Error::MissingApiKey)?;
        let base_url = check_base_url(&self.base_url, self.allow_insecure_http)?;
        let callback_url = self
            .callback_url
            .map(|url| crate::validate::callback_url("client", &url, self.allow_insecure_callback))
            .transpose()?;
        let file_user_agent = self
            .file_user_agent
            .unwrap_or_else(|| self.user_agent.clone());
        let http = match self.http_client {
            Some(client) => client,
            // Waiters poll one host in short bursts: a few idle connections
            // serve them; a burst's extra connections (and their buffers)
            // are closed instead of idling in the pool.
            None => reqwest::Client::builder()
                .pool_max_idle_per_host(MAX_IDLE_CONNECTIONS)
                .timeout(self.timeout)
                .connect_timeout(self.connect_timeout)
                .user_agent(self.user_agent)
                .build()
                .map_err(|source| Error::HttpClient { source })?,
        };
        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, key.authorization());
        let journal = self.journal;
        let drift = self
            .drift
            .then(|| Arc::new(crate::drift::Drift::new(journal.clone().map(drift_writer))));
        let options = generated::RequestOptions {
            headers,
            max_body_bytes: self.max_body_bytes,
            transport: self.transport,
            observer: drift
                .clone()
                .map(|d| d as Arc<dyn generated::AnswerObserver>),
        };
        Ok(Client {
            shared: Arc::new(Shared {
                inner: generated::Client::new_with_client(&base_url, http, options),
                budget: RateBudget::default(),
                creates: CreateLimiter::new(self.create_limit),
                shared_creates: self
                    .shared_create_limit
                    .map(|shared| (shared, self.create_limit.unwrap_or_default())),
                callback_url,
                allow_insecure_callback: self.allow_insecure_callback,
                events: EventSink::new(journal),
                files: std::sync::OnceLock::new(),
                file_user_agent,
                drift,
            }),
        })
    }
}

/// Drift written to `journal`'s drift table.
fn drift_writer(journal: Arc<dyn Journal>) -> crate::drift::Writer {
    Arc::new(move |report| {
        let journal = journal.clone();
        Box::pin(async move {
            journal
                .record_drift(&report)
                .await
                .map_err(|e| e.to_string())
        })
    })
}

/// Checks a base URL and returns it without a trailing slash.
fn check_base_url(text: &str, allow_insecure_http: bool) -> Result<String, Error> {
    let invalid = |reason: &str| Error::InvalidBaseUrl {
        url: text.to_owned(),
        reason: reason.to_owned(),
    };
    let url = Url::parse(text.trim()).map_err(|e| invalid(&e.to_string()))?;
    match url.scheme() {
        "https" => {}
        "http" if allow_insecure_http || crate::host::is_loopback(&url) => {}
        "http" => {
            return Err(invalid(
                "plain http to a host that is not loopback would send the API key in clear text; \
                 use https (or allow_insecure_http)",
            ));
        }
        _ => return Err(invalid("the scheme must be https (or http on loopback)")),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid("credentials in the URL are not supported"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid("a base URL has no query or fragment"));
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_url_keeps_prefix_and_drops_trailing_slash() {
        assert_eq!(
            check_base_url("https://example.com/proxy/", false).unwrap(),
            "https://example.com/proxy"
        );
        assert_eq!(
            check_base_url("http://127.0.0.1:8080", false).unwrap(),
            "http://127.0.0.1:8080"
        );
        assert_eq!(
            check_base_url("http://[::1]:80/", false).unwrap(),
            "http://[::1]"
        );
        assert_eq!(
            check_base_url("http://localhost:9/x", false).unwrap(),
            "http://localhost:9/x"
        );
    }

    #[test]
    fn plain_http_to_a_remote_host_is_refused_unless_allowed() {
        let e = check_base_url("http://api.kie.ai", false).unwrap_err();
        assert!(e.to_string().contains("clear text"), "{e}");
        assert!(check_base_url("http://api.kie.ai", true).is_ok());
        assert!(check_base_url("ftp://api.kie.ai", true).is_err());
        assert!(check_base_url("https://u:p@api.kie.ai", false).is_err());
        assert!(check_base_url("https://api.kie.ai/?x=1", false).is_err());
        assert!(check_base_url("not a url", false).is_err());
    }
}
